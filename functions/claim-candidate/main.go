// Command claim-candidate is the Lambda function behind the route named "claim-candidate" in
// shared/routes; its handler lives in shared/api.
package main

import "github.com/civicq/civicq/shared/runtime"

func main() { runtime.ServeHTTP("claim-candidate") }

// Command approve-question is the Lambda function behind the route named "approve-question" in
// shared/routes; its handler lives in shared/api.
package main

import "github.com/civicq/civicq/shared/runtime"

func main() { runtime.ServeHTTP("approve-question") }

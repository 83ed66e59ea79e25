// Command reject-question is the Lambda function behind the route named "reject-question" in
// shared/routes; its handler lives in shared/api.
package main

import "github.com/civicq/civicq/shared/runtime"

func main() { runtime.ServeHTTP("reject-question") }

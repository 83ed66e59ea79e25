// Command appeal-question is the Lambda function behind the route named "appeal-question" in
// shared/routes; its handler lives in shared/api.
package main

import "github.com/civicq/civicq/shared/runtime"

func main() { runtime.ServeHTTP("appeal-question") }

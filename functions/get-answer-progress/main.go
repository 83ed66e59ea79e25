// Command get-answer-progress is the Lambda function behind the route named "get-answer-progress" in
// shared/routes; its handler lives in shared/api.
package main

import "github.com/civicq/civicq/shared/runtime"

func main() { runtime.ServeHTTP("get-answer-progress") }

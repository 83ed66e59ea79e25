// Command request-answer-upload is the Lambda function behind the route named "request-answer-upload" in
// shared/routes; its handler lives in shared/api.
package main

import "github.com/civicq/civicq/shared/runtime"

func main() { runtime.ServeHTTP("request-answer-upload") }

// Command vote-question is the Lambda function behind the route named "vote-question" in
// shared/routes; its handler lives in shared/api.
package main

import "github.com/civicq/civicq/shared/runtime"

func main() { runtime.ServeHTTP("vote-question") }

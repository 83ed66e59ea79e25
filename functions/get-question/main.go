// Command get-question is the Lambda function behind the route named "get-question" in
// shared/routes; its handler is api.GetQuestion.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("get-question", api.GetQuestion) }

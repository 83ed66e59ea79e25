// Command ask-question is the Lambda function behind the route named "ask-question" in
// shared/routes; its handler is api.AskQuestion.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("ask-question", api.AskQuestion) }

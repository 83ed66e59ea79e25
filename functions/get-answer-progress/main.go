// Command get-answer-progress is the Lambda function behind the route named "get-answer-progress" in
// shared/routes; its handler is api.AnswerProgress.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("get-answer-progress", api.AnswerProgress) }

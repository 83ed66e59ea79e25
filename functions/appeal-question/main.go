// Command appeal-question is the Lambda function behind the route named "appeal-question" in
// shared/routes; its handler is api.AppealQuestion.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("appeal-question", api.AppealQuestion) }

// Command list-questions is the Lambda function behind the route named "list-questions" in
// shared/routes; its handler is api.ListQuestions.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("list-questions", api.ListQuestions) }

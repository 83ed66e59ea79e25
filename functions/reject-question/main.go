// Command reject-question is the Lambda function behind the route named "reject-question" in
// shared/routes; its handler is api.RejectQuestion.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("reject-question", api.RejectQuestion) }

// Command approve-question is the Lambda function behind the route named "approve-question" in
// shared/routes; its handler is api.ApproveQuestion.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("approve-question", api.ApproveQuestion) }

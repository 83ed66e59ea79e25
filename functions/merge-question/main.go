// Command merge-question is the Lambda function behind the route named "merge-question" in
// shared/routes; its handler is api.MergeQuestion.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("merge-question", api.MergeQuestion) }

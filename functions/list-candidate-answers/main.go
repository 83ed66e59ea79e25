// Command list-candidate-answers is the Lambda function behind the route named "list-candidate-answers" in
// shared/routes; its handler is api.CandidateAnswers.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("list-candidate-answers", api.CandidateAnswers) }

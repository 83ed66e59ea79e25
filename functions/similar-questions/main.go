// Command similar-questions is the Lambda function behind the route named "similar-questions" in
// shared/routes; its handler is api.SimilarQuestions.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("similar-questions", api.SimilarQuestions) }

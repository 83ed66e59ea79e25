// Command request-answer-upload is the Lambda function behind the route named "request-answer-upload" in
// shared/routes; its handler is api.RequestAnswerUpload.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("request-answer-upload", api.RequestAnswerUpload) }

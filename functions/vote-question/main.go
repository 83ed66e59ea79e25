// Command vote-question is the Lambda function behind the route named "vote-question" in
// shared/routes; its handler is api.Vote.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("vote-question", api.Vote) }

// Command get-my-vote is the Lambda function behind the route named "get-my-vote" in
// shared/routes; its handler is api.MyVote.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("get-my-vote", api.MyVote) }

// Command get-ballot is the Lambda function behind the route named "get-ballot" in
// shared/routes; its handler is api.Ballot.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("get-ballot", api.Ballot) }

// Command get-candidate is the Lambda function behind the route named "get-candidate" in
// shared/routes; its handler is api.Candidate.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("get-candidate", api.Candidate) }

// Command claim-candidate is the Lambda function behind the route named "claim-candidate" in
// shared/routes; its handler is api.ClaimCandidate.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("claim-candidate", api.ClaimCandidate) }

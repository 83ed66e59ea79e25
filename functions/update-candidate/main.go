// Command update-candidate is the Lambda function behind the route named "update-candidate" in
// shared/routes; its handler is api.UpdateCandidate.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("update-candidate", api.UpdateCandidate) }

// Command decide-claim is the Lambda function behind the route named "decide-claim" in
// shared/routes; its handler is api.DecideClaim.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("decide-claim", api.DecideClaim) }

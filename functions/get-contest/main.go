// Command get-contest is the Lambda function behind the route named "get-contest" in
// shared/routes; its handler is api.Contest.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("get-contest", api.Contest) }

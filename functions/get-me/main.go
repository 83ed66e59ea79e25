// Command get-me is the Lambda function behind the route named "get-me" in
// shared/routes; its handler is api.Me.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("get-me", api.Me) }

// Command list-moderators is the Lambda function behind the route named "list-moderators" in
// shared/routes; its handler is api.ListModerators.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("list-moderators", api.ListModerators) }

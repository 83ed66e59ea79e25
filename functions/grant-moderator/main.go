// Command grant-moderator is the Lambda function behind the route named "grant-moderator" in
// shared/routes; its handler is api.GrantModerator.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("grant-moderator", api.GrantModerator) }

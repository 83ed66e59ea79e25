// Command revoke-moderator is the Lambda function behind the route named "revoke-moderator" in
// shared/routes; its handler is api.RevokeModerator.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("revoke-moderator", api.RevokeModerator) }

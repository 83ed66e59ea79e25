// Command list-claims is the Lambda function behind the route named "list-claims" in
// shared/routes; its handler is api.ListClaims.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("list-claims", api.ListClaims) }

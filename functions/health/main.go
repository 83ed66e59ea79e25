// Command health is the Lambda function behind the route named "health" in
// shared/routes; its handler is api.Health.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("health", api.Health) }

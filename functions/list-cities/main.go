// Command list-cities is the Lambda function behind the route named "list-cities" in
// shared/routes; its handler is api.ListCities.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("list-cities", api.ListCities) }

// Command migrate applies the embedded SQL migrations and sets up the application's
// database users. CloudFormation runs it as a custom resource on every deploy,
// before the API functions are updated; locally, `make dev` applies the same
// migrations through shared/localdev.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/civicq/civicq/shared/migrate"
)

func main() { lambda.Start(migrate.Handler(migrate.OptionsFromEnv())) }

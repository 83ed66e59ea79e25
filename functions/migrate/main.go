// Command migrate applies the embedded SQL migrations. CloudFormation runs it as a
// custom resource on every deploy, before the API functions are updated; locally,
// `make dev` applies the same migrations through shared/localdev.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/civicq/civicq/shared/migrate"
)

func main() { lambda.Start(migrate.Handler(os.Getenv("DATABASE_URL"))) }

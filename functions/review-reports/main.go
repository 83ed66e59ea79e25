// Command review-reports is the Lambda function behind the route named "review-reports" in
// shared/routes; its handler is api.ReviewReports.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("review-reports", api.ReviewReports) }

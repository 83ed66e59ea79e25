// Command report-content is the Lambda function behind the route named "report-content" in
// shared/routes; its handler is api.ReportContent.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("report-content", api.ReportContent) }

// Command moderation-log is the Lambda function behind the route named "moderation-log" in
// shared/routes; its handler is api.ModerationLog.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("moderation-log", api.ModerationLog) }

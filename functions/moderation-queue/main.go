// Command moderation-queue is the Lambda function behind the route named "moderation-queue" in
// shared/routes; its handler is api.ModerationQueue.
package main

import (
	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/runtime"
)

func main() { runtime.ServeHTTP("moderation-queue", api.ModerationQueue) }

// Command grant-moderator is the Lambda function behind the route named "grant-moderator" in
// shared/routes; its handler lives in shared/api.
package main

import "github.com/civicq/civicq/shared/runtime"

func main() { runtime.ServeHTTP("grant-moderator") }

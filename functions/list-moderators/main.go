// Command list-moderators is the Lambda function behind the route named "list-moderators" in
// shared/routes; its handler lives in shared/api.
package main

import "github.com/civicq/civicq/shared/runtime"

func main() { runtime.ServeHTTP("list-moderators") }

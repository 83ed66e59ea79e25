// Command decide-claim is the Lambda function behind the route named "decide-claim" in
// shared/routes; its handler lives in shared/api.
package main

import "github.com/civicq/civicq/shared/runtime"

func main() { runtime.ServeHTTP("decide-claim") }

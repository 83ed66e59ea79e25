// Command get-my-vote is the Lambda function behind the route named "get-my-vote" in
// shared/routes; its handler lives in shared/api.
package main

import "github.com/civicq/civicq/shared/runtime"

func main() { runtime.ServeHTTP("get-my-vote") }

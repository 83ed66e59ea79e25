// Command merge-question is the Lambda function behind the route named "merge-question" in
// shared/routes; its handler lives in shared/api.
package main

import "github.com/civicq/civicq/shared/runtime"

func main() { runtime.ServeHTTP("merge-question") }

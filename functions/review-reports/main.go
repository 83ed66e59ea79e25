// Command review-reports is the Lambda function behind the route named "review-reports" in
// shared/routes; its handler lives in shared/api.
package main

import "github.com/civicq/civicq/shared/runtime"

func main() { runtime.ServeHTTP("review-reports") }

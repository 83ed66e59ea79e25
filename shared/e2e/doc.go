// Package e2e holds end-to-end tests: requests through the local gateway (JWT
// verification, API Gateway events, the Lambda entry path) into the functions,
// against a real PostgreSQL and a Redis of the test's own that the tests stop and
// restart.
package e2e

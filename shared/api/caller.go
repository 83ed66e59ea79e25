package api

import (
	"net/http"
	"strings"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/civicq/civicq/shared/domain"
)

// This file is the api package's one door to AWS types: the JWT claims that API
// Gateway's authorizer (or the local gateway, which verifies tokens the same way)
// put in the request context. API Gateway passes every claim as a string, so
// email_verified arrives as "true" and cognito:groups as "[a b c]".

// callerFrom returns the verified caller of the request, or false when there is
// none (a route without an authorizer, or a token without a subject).
func callerFrom(r *http.Request) (domain.Identity, bool) {
	rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok || rc.Authorizer == nil || rc.Authorizer.JWT == nil {
		return domain.Identity{}, false
	}
	claims := rc.Authorizer.JWT.Claims
	id := domain.Identity{
		Subject:       claims["sub"],
		Email:         claims["email"],
		EmailVerified: claims["email_verified"] == "true",
		Groups:        parseGroups(claims["cognito:groups"]),
	}
	return id, id.Subject != ""
}

// parseGroups reads a list claim as API Gateway flattens it: "[a b c]". A plain
// value ("a") or a comma-separated one ("a,b") is accepted too.
func parseGroups(s string) []string {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "["), "]")
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
}

package civicq

import (
	"slices"
	"strings"
	"testing"

	"github.com/civicq/civicq/shared/routes"
)

// TestCognitoMatchesLocal: the JWT authorizer trusts exactly the web client (its
// audience) of the stack's own pool (its issuer), as the local gateway trusts
// cognito-local's web client and pool (shared/localcognito), and the pool has the
// same sign-in settings, auth flows and groups that localcognito creates.
func TestCognitoMatchesLocal(t *testing.T) {
	pools := ofType("AWS::Cognito::UserPool")
	if len(pools) != 1 {
		t.Fatalf("%d user pools, want 1", len(pools))
	}
	var pool string
	for id := range pools {
		pool = id
	}
	clients := ofType("AWS::Cognito::UserPoolClient")
	if len(clients) != 1 {
		t.Fatalf("%d user pool clients, want the web client only", len(clients))
	}
	var client string
	for id := range clients {
		client = id
	}

	auths := ofType("AWS::ApiGatewayV2::Authorizer")
	if len(auths) != 1 {
		t.Fatalf("%d authorizers, want 1", len(auths))
	}
	for id, a := range auths {
		if a["AuthorizerType"] != "JWT" {
			t.Errorf("%s: AuthorizerType %v, want JWT", id, a["AuthorizerType"])
		}
		if got := js(a["IdentitySource"]); got != `["$request.header.Authorization"]` {
			t.Errorf("%s: IdentitySource %s", id, got)
		}
		jwt, _ := a["JwtConfiguration"].(map[string]any)
		if got, want := js(jwt["Audience"]), `[{"Ref":"`+client+`"}]`; got != want {
			t.Errorf("%s: Audience %s, want %s (the web client's id)", id, got, want)
		}
		// {"Fn::Join": ["", ["https://cognito-idp.", {"Ref": "AWS::Region"}, ".amazonaws.com/", {"Ref": pool}]]}
		iss := js(jwt["Issuer"])
		for _, part := range []string{`"https://cognito-idp."`, `{"Ref":"AWS::Region"}`, `".amazonaws.com/"`, `{"Ref":"` + pool + `"}`} {
			if !strings.Contains(iss, part) {
				t.Errorf("%s: Issuer %s lacks %s", id, iss, part)
			}
		}
	}

	flows := js(clients[client]["ExplicitAuthFlows"])
	for _, f := range []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} {
		if !strings.Contains(flows, `"`+f+`"`) {
			t.Errorf("web client ExplicitAuthFlows %s lacks %s", flows, f)
		}
	}
	p := pools[pool]
	if got := js(p["UsernameAttributes"]); got != `["email"]` {
		t.Errorf("UsernameAttributes %s, want email (as localcognito)", got)
	}
	if got := js(p["AutoVerifiedAttributes"]); got != `["email"]` {
		t.Errorf("AutoVerifiedAttributes %s, want email (as localcognito)", got)
	}

	var groups []string
	for id, g := range ofType("AWS::Cognito::UserPoolGroup") {
		if !strings.Contains(js(g["UserPoolId"]), pool) {
			t.Errorf("group %s is not in the pool %s", id, pool)
		}
		groups = append(groups, g["GroupName"].(string))
	}
	slices.Sort(groups)
	want := slices.Sorted(slices.Values(routes.CognitoGroups))
	if !slices.Equal(groups, want) {
		t.Errorf("groups %v, want %v (routes.CognitoGroups, which cognito-local gets too)", groups, want)
	}
}

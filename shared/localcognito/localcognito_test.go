package localcognito_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/jwtauth"
	"github.com/civicq/civicq/shared/localcognito"
	"github.com/civicq/civicq/shared/routes"
)

const password = "Riverton-2026!"

// claims decodes a token's payload without verifying it: the tests look at what
// cognito-local put there.
func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var c map[string]any
	require.NoError(t, json.Unmarshal(b, &c))
	return c
}

func header(t *testing.T, token string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	require.NoError(t, err)
	var h map[string]any
	require.NoError(t, json.Unmarshal(b, &h))
	return h
}

// Ensure is idempotent, and the issuer it reports is exactly the iss of the
// pool's tokens, which jwtauth then accepts: ID tokens by aud, access tokens by
// client_id.
func TestEnsureAndTokens(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	s := localcognito.StartTest(t)
	t.Logf("cognito-local answered after %s", time.Since(start).Round(time.Millisecond))

	p, err := localcognito.Ensure(ctx, s.Endpoint, "civicq-test")
	require.NoError(t, err)
	again, err := localcognito.Ensure(ctx, s.Endpoint, "civicq-test")
	require.NoError(t, err)
	require.Equal(t, p.ID, again.ID, "the second Ensure finds the pool")
	require.Equal(t, p.ClientID, again.ClientID, "and its web client")
	require.Equal(t, "http://127.0.0.1:"+strconv.Itoa(s.Port)+"/"+p.ID, p.Issuer)

	groups, err := p.API().ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: aws.String(p.ID)})
	require.NoError(t, err)
	var names []string
	for _, g := range groups.Groups {
		names = append(names, aws.ToString(g.GroupName))
	}
	require.ElementsMatch(t, routes.CognitoGroups, names, "each group once, after two Ensures")
	clients, err := p.API().ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(p.ID), MaxResults: aws.Int32(60)})
	require.NoError(t, err)
	require.Len(t, clients.UserPoolClients, 1)
	client, err := p.API().DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(p.ID), ClientId: aws.String(p.ClientID)})
	require.NoError(t, err)
	require.Contains(t, client.UserPoolClient.ExplicitAuthFlows, types.ExplicitAuthFlowsTypeAllowUserPasswordAuth)

	sub, err := p.SignUp(ctx, "ada@riverton.example", password)
	require.NoError(t, err)
	_, err = p.SignIn(ctx, "ada@riverton.example", password)
	require.ErrorContains(t, err, "UserNotConfirmed", "no sign-in before confirmation")
	require.NoError(t, p.Confirm(ctx, "ada@riverton.example"))
	require.NoError(t, p.Confirm(ctx, "ada@riverton.example"), "confirming twice is harmless")
	tok, err := p.SignIn(ctx, "ada@riverton.example", password)
	require.NoError(t, err)

	id := claims(t, tok.ID)
	require.Equal(t, p.Issuer, id["iss"])
	require.Equal(t, p.ClientID, id["aud"])
	require.Equal(t, "id", id["token_use"])
	require.Equal(t, sub, id["sub"])
	require.Equal(t, "ada@riverton.example", id["email"])
	require.Equal(t, true, id["email_verified"])
	require.Nil(t, id["cognito:groups"], "in no group yet")
	require.EqualValues(t, localcognito.TokenValidity/time.Second, id["exp"].(float64)-id["iat"].(float64))
	require.Equal(t, "RS256", header(t, tok.ID)["alg"])

	access := claims(t, tok.Access)
	require.Equal(t, p.Issuer, access["iss"])
	require.Nil(t, access["aud"], "access tokens carry client_id, not aud")
	require.Equal(t, p.ClientID, access["client_id"])
	require.Nil(t, access["email"])

	auth, err := jwtauth.New(ctx, p.JWTConfig())
	require.NoError(t, err)
	res, err := auth.Authorize(ctx, "Bearer "+tok.ID)
	require.NoError(t, err)
	require.Equal(t, "true", res.Claims["email_verified"])
	res, err = auth.Authorize(ctx, "Bearer "+tok.Access)
	require.NoError(t, err)
	require.Equal(t, []string{"aws.cognito.signin.user.admin"}, res.Scopes)

	// The pitfall that rules out discovery: the document names another address.
	resp, err := http.Get(s.Endpoint + "/" + p.ID + "/.well-known/openid-configuration")
	require.NoError(t, err)
	defer resp.Body.Close()
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	require.Equal(t, "http://localhost:9229/"+p.ID, doc.Issuer)
	require.NotEqual(t, p.Issuer, doc.Issuer)
	require.Equal(t, "http://localhost:9229/"+p.ID+"/.well-known/jwks.json", doc.JWKSURI)
}

// make dev restarts keep the pool, its client and its users; the issuer follows
// the port cognito-local runs on.
func TestRestartKeepsPoolAndUsers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := localcognito.Start(ctx, localcognito.Options{DataDir: dir})
	require.NoError(t, err)
	p, err := localcognito.Ensure(ctx, s.Endpoint, "civicq-test")
	require.NoError(t, err)
	_, err = p.SignUp(ctx, "bo@riverton.example", password)
	require.NoError(t, err)
	require.NoError(t, p.Confirm(ctx, "bo@riverton.example"))
	s.Close()

	s2, err := localcognito.Start(ctx, localcognito.Options{DataDir: dir})
	require.NoError(t, err)
	defer s2.Close()
	require.NotEqual(t, s.Port, s2.Port)
	p2, err := localcognito.Ensure(ctx, s2.Endpoint, "civicq-test")
	require.NoError(t, err)
	require.Equal(t, p.ID, p2.ID)
	require.Equal(t, p.ClientID, p2.ClientID)
	tok, err := p2.SignIn(ctx, "bo@riverton.example", password)
	require.NoError(t, err)
	require.Equal(t, s2.Endpoint+"/"+p.ID, claims(t, tok.ID)["iss"])
}

// The emailed-code path: cognito-local prints the code in its log; a wrong code
// is refused; the right one confirms, and the email counts as verified.
func TestConfirmWithCode(t *testing.T) {
	ctx := context.Background()
	var log strings.Builder
	logw := &lockedWriter{w: &log}
	s, err := localcognito.Start(ctx, localcognito.Options{DataDir: t.TempDir(), Log: logw})
	if errors.Is(err, localcognito.ErrNoNode) {
		t.Skip(err)
	}
	require.NoError(t, err)
	defer s.Close()
	p, err := localcognito.Ensure(ctx, s.Endpoint, "civicq-test")
	require.NoError(t, err)
	_, err = p.SignUp(ctx, "cy@riverton.example", password)
	require.NoError(t, err)

	code := codeFromLog(t, logw, "cy@riverton.example")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	require.ErrorContains(t, p.ConfirmWithCode(ctx, "cy@riverton.example", wrong), "CodeMismatch")
	require.NoError(t, p.ConfirmWithCode(ctx, "cy@riverton.example", code))
	tok, err := p.SignIn(ctx, "cy@riverton.example", password)
	require.NoError(t, err)
	require.Equal(t, true, claims(t, tok.ID)["email_verified"])
}

// codeFromLog waits for the confirmation code cognito-local "e-mailed" to email.
func codeFromLog(t *testing.T, logw *lockedWriter, email string) string {
	t.Helper()
	re := regexp.MustCompile(`Destination:\s+` + regexp.QuoteMeta(email) + `[\s\S]*?Code:\s+(\d{6})`)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(logw.String()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("no confirmation code for %s in the log:\n%s", email, logw.String())
	return ""
}

// A browser confirms its sign-up with ConfirmSignUp only (no admin call after
// it): the PostConfirmation trigger Start configures marks the email verified,
// as Cognito's confirmation with the e-mailed code does, so the new resident's
// ID token says so. A user who has not confirmed cannot sign in at all.
func TestConfirmSignUpVerifiesEmail(t *testing.T) {
	ctx := context.Background()
	var log strings.Builder
	logw := &lockedWriter{w: &log}
	s, err := localcognito.Start(ctx, localcognito.Options{DataDir: t.TempDir(), Log: logw})
	if errors.Is(err, localcognito.ErrNoNode) {
		t.Skip(err)
	}
	require.NoError(t, err)
	defer s.Close()
	p, err := localcognito.Ensure(ctx, s.Endpoint, "civicq-test")
	require.NoError(t, err)
	const email = "dee@riverton.example"
	_, err = p.SignUp(ctx, email, password)
	require.NoError(t, err)
	_, err = p.SignIn(ctx, email, password)
	require.ErrorContains(t, err, "UserNotConfirmed")

	code := codeFromLog(t, logw, email)
	_, err = p.API().ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{
		ClientId: aws.String(p.ClientID), Username: aws.String(email), ConfirmationCode: aws.String(code),
	})
	require.NoError(t, err)
	tok, err := p.SignIn(ctx, email, password)
	require.NoError(t, err)
	require.Equal(t, true, claims(t, tok.ID)["email_verified"], "cognito-local output:\n%s", logw.String())
	require.Equal(t, email, claims(t, tok.ID)["email"])

	// An admin's confirmation proves nothing about the address: as in Cognito,
	// it stays unverified.
	const other = "eli@riverton.example"
	_, err = p.SignUp(ctx, other, password)
	require.NoError(t, err)
	_, err = p.API().AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(p.ID), Username: aws.String(other)})
	require.NoError(t, err)
	tok, err = p.SignIn(ctx, other, password)
	require.NoError(t, err)
	require.Equal(t, false, claims(t, tok.ID)["email_verified"])
}

func TestStartErrors(t *testing.T) {
	_, err := localcognito.Start(context.Background(), localcognito.Options{DataDir: t.TempDir(), PackageDir: t.TempDir()})
	if errors.Is(err, localcognito.ErrNoNode) {
		t.Skip(err)
	}
	require.ErrorIs(t, err, localcognito.ErrNotInstalled)

	t.Setenv("PATH", t.TempDir())
	_, err = localcognito.Start(context.Background(), localcognito.Options{DataDir: t.TempDir()})
	require.ErrorIs(t, err, localcognito.ErrNoNode)
}

// lockedWriter is a strings.Builder that cognito-local's output copiers and the
// test may use at once.
type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

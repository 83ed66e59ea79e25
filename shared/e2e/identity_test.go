package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/gateway"
	"github.com/civicq/civicq/shared/jwtauth"
	"github.com/civicq/civicq/shared/jwtauth/jwttest"
	"github.com/civicq/civicq/shared/localcognito"
	"github.com/civicq/civicq/shared/localdev"
	"github.com/civicq/civicq/shared/registry"
	"github.com/civicq/civicq/shared/routes"
	"github.com/civicq/civicq/shared/testenv"
)

const (
	cognitoPassword = "Riverton-2026!"
	demoQuestion    = "f1000000-0000-4000-8000-000000000001" // approved, in the demo mayor race
	voteBody        = `{"value": 1}`
)

// cognitoStack is the local stack with the gateway verifying cognito-local's
// tokens, configured as `make dev` configures it: the pool's issuer and JWKS URL
// given directly, its web client (and here a short-lived client) as audiences.
type cognitoStack struct {
	*stack
	pool  localcognito.Pool
	short string // client id whose tokens live 3 s, accepted by the gateway
	log   *lockedBuffer
}

func newCognitoStack(t *testing.T) *cognitoStack {
	t.Helper()
	ctx := context.Background()
	cognito := localcognito.StartTest(t)
	pool, err := localcognito.Ensure(ctx, cognito.Endpoint, "civicq-e2e")
	require.NoError(t, err)
	short, err := pool.EnsureClient(ctx, "short-lived", 3*time.Second)
	require.NoError(t, err)

	dsn := testenv.EmptyDB(t)
	_, err = localdev.Prepare(ctx, dsn, true)
	require.NoError(t, err)
	db, err := pgxpool.New(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	cfg := config.Config{DatabaseURL: dsn, DatabaseReadURL: dsn, DBMaxConns: 4, DBConnectTimeout: 2 * time.Second,
		RedisAddr: testenv.RedisAddr(t), RedisTimeout: 150 * time.Millisecond, RedisPoolSize: 8,
		CachePrefix: testenv.KeyPrefix(t), MetricsNamespace: "CivicQTest"}
	var mounts []gateway.Mount
	for _, row := range routes.Table {
		f, err := registry.Build(row.Name, cfg)
		require.NoError(t, err)
		t.Cleanup(f.Close)
		f.Runtime.Metrics = io.Discard
		mounts = append(mounts, gateway.Mount{Route: row, Handler: f.Handler})
	}
	auth, err := jwtauth.New(ctx, pool.JWTConfig(short))
	require.NoError(t, err)
	log := &lockedBuffer{}
	gw, err := gateway.New(mounts, auth, slog.New(slog.NewTextHandler(log, nil)))
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return &cognitoStack{
		stack: &stack{db: db, url: srv.URL, client: &http.Client{Timeout: 10 * time.Second}},
		pool:  pool, short: short, log: log,
	}
}

// signUp signs a verified resident up and in through the pool's web client.
func (s *cognitoStack) signUp(t *testing.T, p localcognito.Pool, email string) (sub string, tok localcognito.Tokens) {
	t.Helper()
	ctx := context.Background()
	sub, err := p.SignUp(ctx, email, cognitoPassword)
	require.NoError(t, err)
	require.NoError(t, p.Confirm(ctx, email))
	tok, err = p.SignIn(ctx, email, cognitoPassword)
	require.NoError(t, err)
	return sub, tok
}

// refused sends the vote with token and checks the gateway's 401 and that it
// refused the token for the expected reason (its log line says why).
func (s *cognitoStack) refused(t *testing.T, token, reason string) {
	t.Helper()
	before := len(s.log.String())
	status, body := s.do(t, "PUT", "/api/cities/riverton/questions/"+demoQuestion+"/vote", token, voteBody)
	require.Equal(t, http.StatusUnauthorized, status, string(body))
	require.JSONEq(t, `{"message":"Unauthorized"}`, string(body))
	require.Contains(t, s.log.String()[before:], reason)
}

// A resident signs up, confirms and signs in with cognito-local exactly as the
// README's script does, then reads /me and votes through the local gateway.
// Access tokens pass the authorizer but carry no email, so they cannot vote.
func TestCognitoSignInThenVote(t *testing.T) {
	start := time.Now()
	s := newCognitoStack(t)
	sub, tok := s.signUp(t, s.pool, "ada@riverton.example")

	status, body := s.do(t, "GET", "/api/me", tok.ID, "")
	require.Equal(t, http.StatusOK, status, string(body))
	var me domain.Me
	require.NoError(t, json.Unmarshal(body, &me))
	require.Equal(t, sub, me.Subject)
	require.Equal(t, "ada@riverton.example", me.Email)
	require.True(t, me.EmailVerified)

	status, body = s.do(t, "PUT", "/api/cities/riverton/questions/"+demoQuestion+"/vote", tok.ID, voteBody)
	require.Equal(t, http.StatusOK, status, string(body))
	var n int
	require.NoError(t, s.db.QueryRow(context.Background(), `SELECT count(*) FROM votes v JOIN users u ON u.id = v.user_id
		WHERE u.subject = $1 AND v.question_id = $2 AND v.value = 1`, sub, demoQuestion).Scan(&n))
	require.Equal(t, 1, n)

	status, body = s.do(t, "PUT", "/api/cities/riverton/questions/"+demoQuestion+"/vote", tok.Access, voteBody)
	require.Equal(t, http.StatusForbidden, status, "an access token has no email: %s", body)
	require.Contains(t, string(body), "email_not_verified")

	// Confirmed but never verified: signed in, yet not allowed to vote.
	ctx := context.Background()
	_, err := s.pool.SignUp(ctx, "bo@riverton.example", cognitoPassword)
	require.NoError(t, err)
	_, err = s.pool.API().AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{
		UserPoolId: aws.String(s.pool.ID), Username: aws.String("bo@riverton.example")})
	require.NoError(t, err)
	unverified, err := s.pool.SignIn(ctx, "bo@riverton.example", cognitoPassword)
	require.NoError(t, err)
	status, body = s.do(t, "GET", "/api/me", unverified.ID, "")
	require.Equal(t, http.StatusOK, status, string(body))
	require.NoError(t, json.Unmarshal(body, &me))
	require.False(t, me.EmailVerified)
	status, _ = s.do(t, "PUT", "/api/cities/riverton/questions/"+demoQuestion+"/vote", unverified.ID, voteBody)
	require.Equal(t, http.StatusForbidden, status)
	t.Logf("took %s", time.Since(start).Round(time.Millisecond))
}

// A group shows in tokens issued after the user joined it (a new sign-in or a
// refresh), never in the token they already hold, which stays valid.
func TestCognitoGroupsOnlyInLaterTokens(t *testing.T) {
	s := newCognitoStack(t)
	ctx := context.Background()
	_, before := s.signUp(t, s.pool, "sam@riverton.example")
	require.NoError(t, s.pool.AddToGroup(ctx, "sam@riverton.example", "moderators"))

	auth, err := jwtauth.New(ctx, s.pool.JWTConfig())
	require.NoError(t, err)
	res, err := auth.Authorize(ctx, "Bearer "+before.ID)
	require.NoError(t, err)
	require.NotContains(t, res.Claims, "cognito:groups", "a token issued before the user joined")
	status, body := s.do(t, "GET", "/api/me", before.ID, "")
	require.Equal(t, http.StatusOK, status, string(body))

	after, err := s.pool.SignIn(ctx, "sam@riverton.example", cognitoPassword)
	require.NoError(t, err)
	res, err = auth.Authorize(ctx, "Bearer "+after.ID)
	require.NoError(t, err)
	require.Equal(t, "[moderators]", res.Claims["cognito:groups"], "flattened as API Gateway does")
	res, err = auth.Authorize(ctx, "Bearer "+after.Access)
	require.NoError(t, err)
	require.Equal(t, "[moderators]", res.Claims["cognito:groups"])

	refreshed, err := s.pool.Refresh(ctx, before.Refresh)
	require.NoError(t, err)
	res, err = auth.Authorize(ctx, "Bearer "+refreshed.ID)
	require.NoError(t, err)
	require.Equal(t, "[moderators]", res.Claims["cognito:groups"])
}

// Tokens the HTTP API's authorizer would refuse get 401 from the local gateway,
// each for its own reason, and change nothing: one byte changed in a real token's
// signature or payload, another app client of the pool, an expired token, another
// pool (same signing key, other issuer), another issuer altogether.
func TestCognitoBadTokensGet401(t *testing.T) {
	s := newCognitoStack(t)
	ctx := context.Background()
	_, tok := s.signUp(t, s.pool, "ada@riverton.example")

	// Expiry first, since it takes the wait: a 3-second token works, then not.
	short, err := s.pool.WithClient(s.short).SignIn(ctx, "ada@riverton.example", cognitoPassword)
	require.NoError(t, err)
	status, body := s.do(t, "GET", "/api/me", short.ID, "")
	require.Equal(t, http.StatusOK, status, "the short-lived client is accepted while its token lasts: %s", body)
	exp := time.Unix(int64(claimsOf(t, short.ID)["exp"].(float64)), 0)
	require.WithinDuration(t, time.Now().Add(3*time.Second), exp, 2*time.Second)
	before := s.fingerprint(t)

	otherClient, err := s.pool.EnsureClient(ctx, "other-app", time.Hour)
	require.NoError(t, err)
	_, wrongClient := s.signUp(t, s.pool.WithClient(otherClient), "cy@riverton.example")
	otherPool, err := localcognito.Ensure(ctx, s.pool.Endpoint, "another-pool")
	require.NoError(t, err)
	_, otherIssuer := s.signUp(t, otherPool, "ada@riverton.example")
	require.Equal(t, claimsOf(t, tok.ID)["kid"], claimsOf(t, otherIssuer.ID)["kid"])
	foreign := jwttest.New(t).IDToken(t, claimsOf(t, tok.ID)["sub"].(string), nil)

	s.refused(t, tamper(tok.ID, 2), "bad signature")
	s.refused(t, tamper(tok.ID, 1), "bad signature")
	s.refused(t, wrongClient.ID, "audience")
	s.refused(t, wrongClient.Access, "no accepted aud or client_id")
	s.refused(t, otherIssuer.ID, "issuer")
	s.refused(t, foreign, "unknown kid")
	time.Sleep(time.Until(exp) + 50*time.Millisecond)
	s.refused(t, short.ID, "expired")
	require.Equal(t, before, s.fingerprint(t), "a refused request changes nothing")

	status, body = s.do(t, "PUT", "/api/cities/riverton/questions/"+demoQuestion+"/vote", tok.ID, voteBody)
	require.Equal(t, http.StatusOK, status, "the untouched token still works: %s", body)
}

// tamper changes one character in the middle of part (0 header, 1 payload, 2
// signature) of a compact JWS, keeping it valid base64url.
func tamper(token string, part int) string {
	parts := strings.Split(token, ".")
	b := []byte(parts[part])
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	parts[part] = string(b)
	return strings.Join(parts, ".")
}

// claimsOf decodes a token's header and payload, unverified, into one map.
func claimsOf(t *testing.T, token string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, part := range strings.Split(token, ".")[:2] {
		b, err := base64.RawURLEncoding.DecodeString(part)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &out))
	}
	return out
}

// lockedBuffer collects the gateway's log for the checks of refusal reasons.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

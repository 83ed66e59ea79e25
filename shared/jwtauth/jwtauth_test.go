package jwtauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/stretchr/testify/require"
)

const (
	issuer   = "http://localhost:9229/local_pool"
	clientID = "web-client"
)

// RSA key generation is slow, so the tests share three keys.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 3)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// jwksServer serves a JWKS that a test can change, counting fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    map[string]*rsa.PrivateKey // kid -> key whose public half is served
	fetches atomic.Int32
}

func newJWKSServer(t *testing.T, keys map[string]*rsa.PrivateKey) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		set := jwk.NewSet()
		for kid, priv := range s.keys {
			pub, err := jwk.Import(&priv.PublicKey)
			if err != nil {
				panic(err)
			}
			// Shaped like Cognito's (and cognito-local's) JWKS entries.
			_ = pub.Set(jwk.KeyIDKey, kid)
			_ = pub.Set(jwk.AlgorithmKey, jwa.RS256())
			_ = pub.Set(jwk.KeyUsageKey, "sig")
			_ = set.AddKey(pub)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(keys map[string]*rsa.PrivateKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

// clock is a settable time source for the Authorizer.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newAuthorizer(t *testing.T, jwksURL string) (*Authorizer, *clock) {
	t.Helper()
	a, err := New(context.Background(), Config{Issuer: issuer, JWKSURL: jwksURL, Audiences: []string{"other-client", clientID}})
	require.NoError(t, err)
	c := &clock{t: time.Now()}
	a.now = c.Now
	return a, c
}

// sign makes a compact JWS over claims with the given algorithm, key and kid.
func sign(t *testing.T, alg jwa.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	hdr := jws.NewHeaders()
	require.NoError(t, hdr.Set(jws.TypeKey, "JWT"))
	if kid != "" {
		require.NoError(t, hdr.Set(jws.KeyIDKey, kid))
	}
	tok, err := jws.Sign(payload, jws.WithKey(alg, key, jws.WithProtectedHeaders(hdr)))
	require.NoError(t, err)
	return string(tok)
}

// idClaims are the claims of a Cognito ID token for clientID.
func idClaims() map[string]any {
	now := time.Now().Unix()
	return map[string]any{
		"sub":              "0f3c5b5e-1111-2222-3333-444455556666",
		"iss":              issuer,
		"aud":              clientID,
		"token_use":        "id",
		"email":            "ana@example.com",
		"email_verified":   true,
		"cognito:groups":   []string{"moderators", "residents"},
		"cognito:username": "ana",
		"auth_time":        now,
		"iat":              now,
		"exp":              now + 3600,
	}
}

// accessClaims are the claims of a Cognito access token: client_id, no aud.
func accessClaims() map[string]any {
	c := idClaims()
	delete(c, "aud")
	delete(c, "email")
	delete(c, "email_verified")
	c["token_use"] = "access"
	c["client_id"] = clientID
	c["scope"] = "civicq/vote aws.cognito.signin.user.admin"
	return c
}

func with(c map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

func TestNewValidatesConfig(t *testing.T) {
	ok := Config{Issuer: issuer, JWKSURL: "http://127.0.0.1:9229/local_pool/.well-known/jwks.json", Audiences: []string{clientID}}
	_, err := New(context.Background(), ok)
	require.NoError(t, err)

	for name, mutate := range map[string]func(*Config){
		"no issuer":          func(c *Config) { c.Issuer = "" },
		"no JWKS URL":        func(c *Config) { c.JWKSURL = "" },
		"relative JWKS URL":  func(c *Config) { c.JWKSURL = "/jwks.json" },
		"non-http JWKS URL":  func(c *Config) { c.JWKSURL = "file:///etc/jwks.json" },
		"no audiences":       func(c *Config) { c.Audiences = nil },
		"empty audience":     func(c *Config) { c.Audiences = []string{clientID, ""} },
		"garbled JWKS URL":   func(c *Config) { c.JWKSURL = "http://[::1" },
		"JWKS URL with host": func(c *Config) { c.JWKSURL = "https://" },
	} {
		cfg := ok
		mutate(&cfg)
		_, err := New(context.Background(), cfg)
		require.Error(t, err, name)
	}
}

func TestNewFetchesNothing(t *testing.T) {
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"k1": testKeys()[0]})
	newAuthorizer(t, srv.URL)
	require.Zero(t, srv.fetches.Load(), "JWKS must be fetched lazily")
}

func TestValidIDToken(t *testing.T) {
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"k1": testKeys()[0]})
	a, _ := newAuthorizer(t, srv.URL)
	claims := with(idClaims(),
		"iat", 1700000000, "auth_time", 1.7e9, "exp", time.Now().Unix()+600,
		"custom:score", 2.5,
		"address", map[string]any{"locality": "Springfield", "note": "<a&b>"},
		"nickname", nil,
	)
	res, err := a.Authorize(context.Background(), "Bearer "+sign(t, jwa.RS256(), testKeys()[0], "k1", claims))
	require.NoError(t, err)
	require.Equal(t, map[string]string{
		"sub":              "0f3c5b5e-1111-2222-3333-444455556666",
		"iss":              issuer,
		"aud":              clientID,
		"token_use":        "id",
		"email":            "ana@example.com",
		"email_verified":   "true",
		"cognito:groups":   "[moderators residents]",
		"cognito:username": "ana",
		"auth_time":        "1700000000",
		"iat":              "1700000000",
		"exp":              res.Claims["exp"], // checked below
		"custom:score":     "2.5",
		"address":          `{"locality":"Springfield","note":"<a&b>"}`,
	}, res.Claims)
	require.Regexp(t, `^[0-9]{10}$`, res.Claims["exp"])
	require.Empty(t, res.Scopes)
	require.True(t, res.HasAnyScope(), "a route without scopes accepts any valid token")
	require.False(t, res.HasAnyScope("civicq/vote"))
	require.EqualValues(t, 1, srv.fetches.Load())
}

func TestValidAccessToken(t *testing.T) {
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"k1": testKeys()[0]})
	a, _ := newAuthorizer(t, srv.URL)
	tok := sign(t, jwa.RS256(), testKeys()[0], "k1", accessClaims())

	// API Gateway takes the scheme in any case, or the token alone.
	for _, header := range []string{"Bearer " + tok, "bearer " + tok, "BEARER  " + tok + " ", tok} {
		res, err := a.Authorize(context.Background(), header)
		require.NoError(t, err, header[:10])
		require.Equal(t, clientID, res.Claims["client_id"])
		require.NotContains(t, res.Claims, "aud")
		require.Equal(t, []string{"civicq/vote", "aws.cognito.signin.user.admin"}, res.Scopes)
		require.True(t, res.HasAnyScope("civicq/moderate", "civicq/vote"))
		require.False(t, res.HasAnyScope("civicq/moderate"))
	}
	require.EqualValues(t, 1, srv.fetches.Load(), "keys are cached")
}

func TestScpClaimAsArray(t *testing.T) {
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"k1": testKeys()[0]})
	a, _ := newAuthorizer(t, srv.URL)
	claims := with(accessClaims(), "scope", nil, "scp", []string{"read write", "admin"})
	res, err := a.Authorize(context.Background(), "Bearer "+sign(t, jwa.RS256(), testKeys()[0], "k1", claims))
	require.NoError(t, err)
	require.Equal(t, []string{"read", "write", "admin"}, res.Scopes)
	require.Equal(t, "[read write admin]", res.Claims["scp"])
}

func TestRejectedTokens(t *testing.T) {
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"k1": testKeys()[0]})
	a, _ := newAuthorizer(t, srv.URL)
	key := testKeys()[0]
	now := time.Now().Unix()
	good := sign(t, jwa.RS256(), key, "k1", idClaims())
	parts := strings.Split(good, ".")
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tampered := parts[0] + "." + b64(`{"iss":"`+issuer+`","aud":"`+clientID+`","exp":9999999999,"sub":"admin"}`) + "." + parts[2]
	payload, _ := json.Marshal(idClaims())
	noneAlg := b64(`{"alg":"none","kid":"k1","typ":"JWT"}`) + "." + b64(string(payload)) + "."
	// Algorithm confusion: HMAC keyed with the bytes of the public key.
	pubBytes, _ := json.Marshal(key.PublicKey)
	hmacTok := sign(t, jwa.HS256(), pubBytes, "k1", idClaims())

	for name, tc := range map[string]struct{ header, why string }{
		"wrong issuer":             {"Bearer " + sign(t, jwa.RS256(), key, "k1", with(idClaims(), "iss", "https://evil.example.com")), "issuer"},
		"issuer with extra slash":  {"Bearer " + sign(t, jwa.RS256(), key, "k1", with(idClaims(), "iss", issuer+"/")), "issuer"},
		"no issuer":                {"Bearer " + sign(t, jwa.RS256(), key, "k1", with(idClaims(), "iss", nil)), "issuer"},
		"wrong audience":           {"Bearer " + sign(t, jwa.RS256(), key, "k1", with(idClaims(), "aud", "someone-else")), "audience"},
		"audience array w/o ours":  {"Bearer " + sign(t, jwa.RS256(), key, "k1", with(idClaims(), "aud", []string{"a", "b"})), "audience"},
		"aud decides over client":  {"Bearer " + sign(t, jwa.RS256(), key, "k1", with(idClaims(), "aud", "someone-else", "client_id", clientID)), "audience"},
		"wrong client_id":          {"Bearer " + sign(t, jwa.RS256(), key, "k1", with(accessClaims(), "client_id", "someone-else")), "client_id"},
		"no aud nor client_id":     {"Bearer " + sign(t, jwa.RS256(), key, "k1", with(accessClaims(), "client_id", nil)), "client_id"},
		"expired":                  {"Bearer " + sign(t, jwa.RS256(), key, "k1", with(idClaims(), "exp", now-1)), "expired"},
		"no exp":                   {"Bearer " + sign(t, jwa.RS256(), key, "k1", with(idClaims(), "exp", nil)), "no exp"},
		"exp not a number":         {"Bearer " + sign(t, jwa.RS256(), key, "k1", with(idClaims(), "exp", "tomorrow")), "not a number"},
		"nbf in the future":        {"Bearer " + sign(t, jwa.RS256(), key, "k1", with(idClaims(), "nbf", now+60)), "nbf"},
		"iat in the future":        {"Bearer " + sign(t, jwa.RS256(), key, "k1", with(idClaims(), "iat", now+60)), "iat"},
		"signed by another key":    {"Bearer " + sign(t, jwa.RS256(), testKeys()[1], "k1", idClaims()), "bad signature"},
		"tampered payload":         {"Bearer " + tampered, "bad signature"},
		"alg none":                 {"Bearer " + noneAlg, "algorithm"},
		"alg HS256":                {"Bearer " + hmacTok, "algorithm"},
		"no kid":                   {"Bearer " + sign(t, jwa.RS256(), key, "", idClaims()), "no kid"},
		"alg differs from key alg": {"Bearer " + sign(t, jwa.RS512(), key, "k1", idClaims()), "is for RS256"},
		"empty header":             {"", "no bearer token"},
		"blank header":             {"   ", "no bearer token"},
		"scheme only":              {"Bearer", "no bearer token"},
		"scheme and space":         {"Bearer   ", "no bearer token"},
		"basic auth":               {"Basic YWxhZGRpbjpvcGVuc2VzYW1l", "not Bearer"},
		"garbage":                  {"Bearer not-a-jwt", "compact JWS"},
		"two parts":                {"Bearer " + parts[0] + "." + parts[1], "compact JWS"},
		"bad base64":               {"Bearer " + parts[0] + ".!!!." + parts[2], "malformed"},
		"token then junk":          {"Bearer " + good + " junk", "compact JWS"},
		"JSON serialization":       {`Bearer {"payload":"e30","signatures":[]}`, "compact JWS"},
		"payload not an object":    {"Bearer " + signRaw(t, key, "k1", `["not","an","object"]`), "JSON object"},
	} {
		res, err := a.Authorize(context.Background(), tc.header)
		require.ErrorIs(t, err, ErrUnauthorized, name)
		require.ErrorContains(t, err, tc.why, name) // refused for the reason tested
		require.Nil(t, res.Claims, name)
	}
	// The same token, untouched, is fine: the failures above are the mutations.
	_, err := a.Authorize(context.Background(), "Bearer "+good)
	require.NoError(t, err)
}

func signRaw(t *testing.T, key *rsa.PrivateKey, kid, payload string) string {
	t.Helper()
	hdr := jws.NewHeaders()
	require.NoError(t, hdr.Set(jws.KeyIDKey, kid))
	tok, err := jws.Sign([]byte(payload), jws.WithKey(jwa.RS256(), key, jws.WithProtectedHeaders(hdr)))
	require.NoError(t, err)
	return string(tok)
}

func TestClockSkew(t *testing.T) {
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"k1": testKeys()[0]})
	a, clk := newAuthorizer(t, srv.URL)
	now := clk.Now().Unix()
	key := testKeys()[0]

	// nbf and iat may be up to 5 seconds ahead of our clock.
	_, err := a.Authorize(context.Background(), sign(t, jwa.RS256(), key, "k1", with(idClaims(), "nbf", now+3, "iat", now+3)))
	require.NoError(t, err)

	// exp has no leeway: valid until exactly exp, rejected from then on.
	tok := sign(t, jwa.RS256(), key, "k1", with(idClaims(), "exp", now+10))
	_, err = a.Authorize(context.Background(), tok)
	require.NoError(t, err)
	clk.Add(time.Unix(now+10, 0).Sub(clk.Now()))
	_, err = a.Authorize(context.Background(), tok)
	require.ErrorIs(t, err, ErrUnauthorized)
	require.ErrorContains(t, err, "expired")
}

func TestKeyRotation(t *testing.T) {
	k1, k2 := testKeys()[0], testKeys()[1]
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"k1": k1})
	a, clk := newAuthorizer(t, srv.URL)
	ctx := context.Background()

	_, err := a.Authorize(ctx, sign(t, jwa.RS256(), k1, "k1", idClaims()))
	require.NoError(t, err)
	require.EqualValues(t, 1, srv.fetches.Load())

	// A kid the issuer does not publish: refused, and since the keys were fetched
	// moments ago, without asking the issuer again.
	rotated := sign(t, jwa.RS256(), k2, "k2", idClaims())
	for range 5 {
		_, err = a.Authorize(ctx, rotated)
		require.ErrorIs(t, err, ErrUnauthorized)
		require.ErrorContains(t, err, "unknown kid")
	}
	require.EqualValues(t, 1, srv.fetches.Load(), "unknown kids must not cause a fetch per request")

	// The issuer rotates: it now publishes k2 next to k1.
	srv.serve(map[string]*rsa.PrivateKey{"k1": k1, "k2": k2})
	_, err = a.Authorize(ctx, rotated)
	require.ErrorIs(t, err, ErrUnauthorized, "still inside the refresh interval")
	require.EqualValues(t, 1, srv.fetches.Load())

	clk.Add(refreshInterval)
	_, err = a.Authorize(ctx, rotated)
	require.NoError(t, err, "an unknown kid refreshes the keys once the interval has passed")
	require.EqualValues(t, 2, srv.fetches.Load())
	_, err = a.Authorize(ctx, sign(t, jwa.RS256(), k1, "k1", idClaims()))
	require.NoError(t, err)
	require.EqualValues(t, 2, srv.fetches.Load())

	// k1 retired: known keys are trusted until the cache ages out (as API
	// Gateway caches them), then refetched.
	srv.serve(map[string]*rsa.PrivateKey{"k2": k2})
	old := sign(t, jwa.RS256(), k1, "k1", with(idClaims(), "exp", clk.Now().Add(3*time.Hour).Unix()))
	_, err = a.Authorize(ctx, old)
	require.NoError(t, err)
	clk.Add(keysMaxAge)
	_, err = a.Authorize(ctx, old)
	require.ErrorContains(t, err, "unknown kid")
	require.EqualValues(t, 3, srv.fetches.Load())
}

func TestJWKSServerDown(t *testing.T) {
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"k1": testKeys()[0]})
	srv.Close() // nothing listens any more
	a, clk := newAuthorizer(t, srv.URL)
	tok := sign(t, jwa.RS256(), testKeys()[0], "k1", idClaims())

	_, err := a.Authorize(context.Background(), tok)
	require.ErrorIs(t, err, ErrUnauthorized)
	require.ErrorContains(t, err, "JWKS unavailable")

	// Right after a failure, requests fail fast with the same cause.
	_, err = a.Authorize(context.Background(), tok)
	require.ErrorContains(t, err, "JWKS unavailable")

	clk.Add(retryAfterError)
	_, err = a.Authorize(context.Background(), tok)
	require.ErrorIs(t, err, ErrUnauthorized)
}

func TestJWKSServerHangsIsBounded(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })

	a, err := New(context.Background(), Config{
		Issuer: issuer, JWKSURL: hang.URL, Audiences: []string{clientID},
		HTTPClient: &http.Client{Timeout: 200 * time.Millisecond},
	})
	require.NoError(t, err)
	start := time.Now()
	_, err = a.Authorize(context.Background(), sign(t, jwa.RS256(), testKeys()[0], "k1", idClaims()))
	require.ErrorIs(t, err, ErrUnauthorized)
	require.ErrorContains(t, err, "JWKS unavailable")
	require.Less(t, time.Since(start), 5*time.Second)

	// The caller's context bounds it too.
	a.nextFetch = time.Time{}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = a.Authorize(ctx, sign(t, jwa.RS256(), testKeys()[0], "k1", idClaims()))
	require.ErrorIs(t, err, ErrUnauthorized)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestDefaultHTTPClientHasTimeout(t *testing.T) {
	a, err := New(context.Background(), Config{Issuer: issuer, JWKSURL: "http://127.0.0.1:1/jwks.json", Audiences: []string{clientID}})
	require.NoError(t, err)
	require.Positive(t, a.client.Timeout)
}

func TestBadJWKSResponses(t *testing.T) {
	for name, handler := range map[string]http.HandlerFunc{
		"500":      func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
		"not JSON": func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) },
	} {
		srv := httptest.NewServer(handler)
		a, _ := newAuthorizer(t, srv.URL)
		_, err := a.Authorize(context.Background(), sign(t, jwa.RS256(), testKeys()[0], "k1", idClaims()))
		srv.Close()
		require.ErrorIs(t, err, ErrUnauthorized, name)
		require.ErrorContains(t, err, "JWKS unavailable", name)
	}
}

func TestConcurrentAuthorizeFetchesOnce(t *testing.T) {
	srv := newJWKSServer(t, map[string]*rsa.PrivateKey{"k1": testKeys()[0]})
	a, _ := newAuthorizer(t, srv.URL)
	tok := sign(t, jwa.RS256(), testKeys()[0], "k1", idClaims())
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := a.Authorize(context.Background(), "Bearer "+tok)
			require.NoError(t, err)
		})
	}
	wg.Wait()
	require.EqualValues(t, 1, srv.fetches.Load())
}

func TestFlatten(t *testing.T) {
	var claims map[string]any
	dec := json.NewDecoder(strings.NewReader(`{
		"s": "text", "t": true, "f": false, "n": null,
		"int": 1700000000, "exp": 1.7e9, "neg": -42, "frac": 2.5, "big": 1e21,
		"groups": ["admin", "moderators"], "empty": [], "mixed": [1, true, "x", null],
		"nested": [["a", "b"], {"k": 1}],
		"obj": {"b": [1, 2], "a": "x<y", "c": {"d": null}}
	}`))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&claims))
	got := map[string]string{}
	for k, v := range claims {
		got[k] = flatten(v)
	}
	require.Equal(t, map[string]string{
		"s": "text", "t": "true", "f": "false", "n": "null",
		"int": "1700000000", "exp": "1700000000", "neg": "-42", "frac": "2.5", "big": "1000000000000000000000",
		"groups": "[admin moderators]", "empty": "[]", "mixed": "[1 true x null]",
		"nested": `[[a b] {"k":1}]`,
		"obj":    `{"a":"x<y","b":[1,2],"c":{"d":null}}`,
	}, got)
}

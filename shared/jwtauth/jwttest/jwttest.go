// Package jwttest is a token issuer for code that sits behind the JWT authorizer
// (tests, and the benchmark's simulated residents): it serves a JWKS shaped like
// Cognito's and signs RS256 tokens.
package jwttest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// Issuer signs tokens with one RSA key whose public half its JWKSURL serves.
type Issuer struct {
	URL      string // the iss claim
	JWKSURL  string
	ClientID string
	key      *rsa.PrivateKey
	srv      *httptest.Server
}

// Start starts an issuer; Close stops it.
func Start() (*Issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	pub, err := jwk.Import(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	_ = pub.Set(jwk.KeyIDKey, "test-key")
	_ = pub.Set(jwk.AlgorithmKey, jwa.RS256())
	_ = pub.Set(jwk.KeyUsageKey, "sig")
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	body, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	return &Issuer{URL: srv.URL + "/local_pool", JWKSURL: srv.URL + "/jwks.json", ClientID: "test-client", key: key, srv: srv}, nil
}

// Close stops the JWKS server.
func (i *Issuer) Close() { i.srv.Close() }

// New starts an issuer for the test and stops it at cleanup.
func New(t testing.TB) *Issuer {
	t.Helper()
	i, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(i.Close)
	return i
}

// Sign returns a signed Cognito-style ID token for subject, valid for an hour, with
// a verified email and extra claims merged in.
func (i *Issuer) Sign(subject string, extra map[string]any) (string, error) {
	now := time.Now()
	claims := map[string]any{
		"sub": subject, "iss": i.URL, "aud": i.ClientID, "token_use": "id",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"email": subject + "@example.com", "email_verified": true,
	}
	for k, v := range extra {
		claims[k] = v
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.KeyIDKey, "test-key")
	_ = hdr.Set(jws.TypeKey, "JWT")
	tok, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), i.key, jws.WithProtectedHeaders(hdr)))
	return string(tok), err
}

// IDToken is Sign for tests.
func (i *Issuer) IDToken(t testing.TB, subject string, extra map[string]any) string {
	t.Helper()
	tok, err := i.Sign(subject, extra)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

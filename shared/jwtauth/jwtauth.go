// Package jwtauth verifies bearer tokens the way an API Gateway HTTP API JWT
// authorizer does, so that the local gateway accepts and rejects exactly the
// requests the cloud would, and hands the function the same claims.
//
// The rules follow "Control access to HTTP APIs with JWT authorizers" in the API
// Gateway developer guide: the token may come bare or after "Bearer"; it must be
// an RSA-signed JWS whose kid names a key of the issuer's JWKS; iss must equal
// the configured issuer; aud (or client_id when there is no aud) must be one of
// the configured audiences; exp must be in the future and nbf and iat must not
// be. The claims are then flattened to strings, as API Gateway passes them in
// requestContext.authorizer.jwt.claims.
package jwtauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// ErrUnauthorized is wrapped by every error Authorize returns. The gateway
// answers any of them with 401 {"message":"Unauthorized"}, as API Gateway does;
// the wrapped detail is for logs only.
var ErrUnauthorized = errors.New("unauthorized")

const (
	// clockSkew is how far in the future nbf and iat may be. API Gateway documents
	// no leeway; a few seconds absorb the clock of a local issuer running in a
	// container or VM without accepting anything the cloud would meaningfully
	// reject. exp gets no leeway: a token the cloud rejects as expired must fail
	// locally too, or expiry handling in the frontend is never exercised.
	clockSkew = 5 * time.Second

	// keysMaxAge is how long a fetched JWKS is trusted before it is fetched again;
	// API Gateway caches the keys for up to two hours.
	keysMaxAge = 2 * time.Hour

	// refreshInterval bounds refetches caused by tokens with an unknown kid, so a
	// stream of forged kids cannot turn into a stream of JWKS requests.
	refreshInterval = time.Minute

	// retryAfterError spaces attempts when the JWKS endpoint fails, so requests
	// waiting on a dead endpoint fail fast instead of each waiting for a timeout.
	retryAfterError = time.Second

	defaultFetchTimeout = 5 * time.Second
	maxJWKSSize         = 1 << 20
)

// rsaAlgorithms are the JWS algorithms accepted: API Gateway supports only
// RSA-based ones. Everything else, "none" and HMAC included, is rejected before
// any key is consulted.
var rsaAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}

// Config is the equivalent of an HTTP API's JWT authorizer configuration.
type Config struct {
	// Issuer is required; a token's iss must equal it exactly.
	Issuer string
	// JWKSURL is required: where the issuer publishes its signing keys. It is
	// configured directly rather than discovered, because cognito-local's
	// discovery document hard-codes localhost:9229.
	JWKSURL string
	// Audiences is the authorizer's audience list (at least one): it must contain
	// the token's aud (a string or any element of an array) or, when the token has
	// no aud, its client_id (Cognito access tokens carry client_id only).
	Audiences []string
	// HTTPClient fetches the JWKS. Nil means a client with a 5-second timeout, so
	// an endpoint that is down or hangs fails requests instead of blocking them.
	HTTPClient *http.Client
}

// Result is what a successful authorization hands to the function.
type Result struct {
	// Claims are all of the token's claims flattened to strings as API Gateway
	// does: strings as they are, numbers in decimal ("1700000000"), booleans as
	// "true"/"false", arrays as "[a b c]", objects as compact JSON, null as "null".
	Claims map[string]string
	// Scopes are the space-separated entries of the scope claim (or scp, as a
	// string or an array); nil when the token has none.
	Scopes []string
}

// HasAnyScope reports whether the token carries at least one of required, the
// check API Gateway applies to a route's authorization scopes. A route without
// scopes (required empty) accepts every valid token.
func (r Result) HasAnyScope(required ...string) bool {
	if len(required) == 0 {
		return true
	}
	for _, s := range required {
		if slices.Contains(r.Scopes, s) {
			return true
		}
	}
	return false
}

// Authorizer verifies tokens against one issuer. It is safe for concurrent use.
type Authorizer struct {
	cfg    Config
	client *http.Client
	now    func() time.Time // replaced by tests to move time forward

	// The key set is fetched on first use and refreshed when it is older than
	// keysMaxAge, or when a token names an unknown kid (key rotation). mu is held
	// during a fetch, so concurrent requests share one fetch instead of each
	// making their own.
	mu        sync.Mutex
	keys      jwk.Set
	fetchedAt time.Time // of keys
	nextFetch time.Time // no fetch before this, whatever the reason
	fetchErr  error     // of the last attempt, reported while waiting to retry
}

// New returns an Authorizer for cfg after checking it. It does no network I/O:
// the JWKS is fetched by the first Authorize call, so the gateway can start
// before the identity provider does. ctx is unused today; it keeps the signature
// stable should New ever warm the key cache.
func New(ctx context.Context, cfg Config) (*Authorizer, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("jwtauth: Issuer is required")
	}
	u, err := url.Parse(cfg.JWKSURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("jwtauth: JWKSURL %q must be an absolute http(s) URL", cfg.JWKSURL)
	}
	if len(cfg.Audiences) == 0 || slices.Contains(cfg.Audiences, "") {
		return nil, errors.New("jwtauth: Audiences needs at least one non-empty audience")
	}
	cfg.Audiences = slices.Clone(cfg.Audiences)
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: defaultFetchTimeout}
	}
	return &Authorizer{cfg: cfg, client: client, now: time.Now}, nil
}

// Authorize verifies the token in an Authorization header value and returns its
// claims and scopes. Every error wraps ErrUnauthorized.
func (a *Authorizer) Authorize(ctx context.Context, authorizationHeader string) (Result, error) {
	token, err := bearerToken(authorizationHeader)
	if err != nil {
		return Result{}, err
	}
	payload, err := a.verify(ctx, token)
	if err != nil {
		return Result{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber() // keep numbers exact for flattening
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return Result{}, fmt.Errorf("%w: claims are not a JSON object", ErrUnauthorized)
	}
	if err := a.validate(claims); err != nil {
		return Result{}, err
	}
	flat := make(map[string]string, len(claims))
	for k, v := range claims {
		flat[k] = flatten(v)
	}
	return Result{Claims: flat, Scopes: scopes(claims)}, nil
}

// bearerToken extracts the token from an Authorization header. Like API Gateway
// it takes the token alone or prefixed with "Bearer" (in any case).
func bearerToken(header string) (string, error) {
	header = strings.TrimSpace(header)
	token := header
	if scheme, rest, found := strings.Cut(header, " "); found {
		if !strings.EqualFold(scheme, "Bearer") {
			return "", fmt.Errorf("%w: authorization scheme is not Bearer", ErrUnauthorized)
		}
		token = strings.TrimSpace(rest)
	} else if strings.EqualFold(header, "Bearer") {
		token = ""
	}
	if token == "" {
		return "", fmt.Errorf("%w: no bearer token", ErrUnauthorized)
	}
	return token, nil
}

// verify checks the token's form, algorithm and signature and returns its payload.
func (a *Authorizer) verify(ctx context.Context, token string) ([]byte, error) {
	// Only the compact serialization is a JWT; jws.Parse would also take JSON.
	if strings.Count(token, ".") != 2 || strings.ContainsAny(token, " \t{") {
		return nil, fmt.Errorf("%w: token is not a compact JWS", ErrUnauthorized)
	}
	msg, err := jws.ParseString(token)
	if err != nil || len(msg.Signatures()) != 1 {
		return nil, fmt.Errorf("%w: malformed token", ErrUnauthorized)
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	alg, ok := hdr.Algorithm()
	if !ok || !slices.Contains(rsaAlgorithms, alg.String()) {
		return nil, fmt.Errorf("%w: algorithm %q is not accepted", ErrUnauthorized, alg.String())
	}
	kid, ok := hdr.KeyID()
	if !ok || kid == "" {
		return nil, fmt.Errorf("%w: token has no kid", ErrUnauthorized)
	}
	key, err := a.key(ctx, kid)
	if err != nil {
		return nil, err
	}
	if key.KeyType() != jwa.RSA() {
		return nil, fmt.Errorf("%w: key %q is not an RSA key", ErrUnauthorized, kid)
	}
	if keyAlg, ok := key.Algorithm(); ok && keyAlg.String() != alg.String() {
		return nil, fmt.Errorf("%w: key %q is for %s, token uses %s", ErrUnauthorized, kid, keyAlg, alg)
	}
	if use, ok := key.KeyUsage(); ok && use != string(jwk.ForSignature) {
		return nil, fmt.Errorf("%w: key %q is not a signing key", ErrUnauthorized, kid)
	}
	payload, err := jws.Verify([]byte(token), jws.WithKey(alg, key))
	if err != nil {
		return nil, fmt.Errorf("%w: bad signature: %w", ErrUnauthorized, err)
	}
	return payload, nil
}

// key returns the issuer's key kid, fetching the JWKS when there is none yet,
// when it is too old, or when kid is unknown and the last fetch is a minute old.
func (a *Authorizer) key(ctx context.Context, kid string) (jwk.Key, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	lookup := func() (jwk.Key, bool) {
		if a.keys == nil {
			return nil, false
		}
		return a.keys.LookupKeyID(kid)
	}
	if k, ok := lookup(); ok && now.Sub(a.fetchedAt) < keysMaxAge {
		return k, nil
	}
	if now.Before(a.nextFetch) {
		if k, ok := lookup(); ok {
			return k, nil // old, but the endpoint failed moments ago
		}
		if a.fetchErr != nil {
			return nil, fmt.Errorf("%w: JWKS unavailable: %w", ErrUnauthorized, a.fetchErr)
		}
		return nil, fmt.Errorf("%w: unknown kid %q", ErrUnauthorized, kid)
	}

	set, err := a.fetch(ctx)
	if err != nil {
		a.fetchErr, a.nextFetch = err, now.Add(retryAfterError)
		if k, ok := lookup(); ok {
			return k, nil // keep serving known keys while the endpoint is down
		}
		return nil, fmt.Errorf("%w: JWKS unavailable: %w", ErrUnauthorized, err)
	}
	a.keys, a.fetchedAt, a.fetchErr, a.nextFetch = set, now, nil, now.Add(refreshInterval)
	if k, ok := lookup(); ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w: unknown kid %q", ErrUnauthorized, kid)
}

func (a *Authorizer) fetch(ctx context.Context) (jwk.Set, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.JWKSURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", a.cfg.JWKSURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: status %s", a.cfg.JWKSURL, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSSize))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", a.cfg.JWKSURL, err)
	}
	set, err := jwk.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("parse JWKS from %s: %w", a.cfg.JWKSURL, err)
	}
	return set, nil
}

// validate applies API Gateway's claim checks: iss, aud or client_id, exp, nbf, iat.
func (a *Authorizer) validate(claims map[string]any) error {
	if iss, _ := claims["iss"].(string); iss != a.cfg.Issuer {
		return fmt.Errorf("%w: issuer %v is not %q", ErrUnauthorized, claims["iss"], a.cfg.Issuer)
	}

	// aud decides when present, even if client_id would match.
	if aud, ok := claims["aud"]; ok {
		var auds []string
		switch v := aud.(type) {
		case string:
			auds = []string{v}
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok {
					auds = append(auds, s)
				}
			}
		}
		if !slices.ContainsFunc(auds, a.audience) {
			return fmt.Errorf("%w: audience %v not accepted", ErrUnauthorized, aud)
		}
	} else if cid, _ := claims["client_id"].(string); !a.audience(cid) {
		return fmt.Errorf("%w: no accepted aud or client_id", ErrUnauthorized)
	}

	now := a.now()
	exp, ok, err := numericDate(claims, "exp")
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("%w: token has no exp", ErrUnauthorized)
	case !now.Before(exp):
		return fmt.Errorf("%w: token expired at %s", ErrUnauthorized, exp.UTC().Format(time.RFC3339))
	}
	for _, name := range []string{"nbf", "iat"} {
		t, ok, err := numericDate(claims, name)
		if err != nil {
			return err
		}
		if ok && t.After(now.Add(clockSkew)) {
			return fmt.Errorf("%w: %s %s is in the future", ErrUnauthorized, name, t.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

func (a *Authorizer) audience(s string) bool {
	return s != "" && slices.Contains(a.cfg.Audiences, s)
}

// numericDate reads a NumericDate claim (seconds since the epoch, maybe fractional).
func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	n, _ := v.(json.Number)
	f, err := n.Float64() // fails for the empty Number of a non-number
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, false, fmt.Errorf("%w: %s is not a number", ErrUnauthorized, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// scopes reads the scope claim (OAuth: one space-separated string) and scp (the
// same, or an array of strings), in that order, without duplicates.
func scopes(claims map[string]any) []string {
	var out []string
	add := func(s string) {
		for _, f := range strings.Fields(s) {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	for _, name := range []string{"scope", "scp"} {
		switch v := claims[name].(type) {
		case string:
			add(v)
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok {
					add(s)
				}
			}
		}
	}
	return out
}

// flatten renders a claim value as API Gateway does for payload 2.0 events.
func flatten(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case json.Number:
		return number(v)
	case nil:
		return "null"
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = flatten(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	default: // objects
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // compact JSON as sent, not HTML-safe JSON
		if err := enc.Encode(v); err != nil {
			return fmt.Sprint(v)
		}
		return strings.TrimSuffix(buf.String(), "\n")
	}
}

// number renders a JSON number in plain decimal: integers without exponent or
// fraction ("1700000000", even when sent as 1.7e9), others as short as exact.
func number(n json.Number) string {
	if i, err := n.Int64(); err == nil {
		return strconv.FormatInt(i, 10)
	}
	f, err := n.Float64()
	if err != nil {
		return n.String()
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

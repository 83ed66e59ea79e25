package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/gateway"
	"github.com/civicq/civicq/shared/jwtauth"
	"github.com/civicq/civicq/shared/jwtauth/jwttest"
	"github.com/civicq/civicq/shared/localcognito"
)

const (
	cognitoDir     = ".local/cognito"                // cognito-local's data (pools, users), kept across runs
	cognitoLog     = ".local/logs/cognito-local.log" // its output, with the codes it "emails" (-cognito-log)
	cognitoPool    = "civicq-local"
	sampleQuestion = "f1000000-0000-4000-8000-000000000001" // an approved demo question
)

// localIdentity is the identity provider of the local stack when no JWT_*
// environment names one: cognito-local (as Cognito) with the pool, web client and
// groups the CDK stack has, and an authorizer configured like the HTTP API's.
// Without node or cognito-local it falls back to an in-process issuer and says so.
// It returns the authorizer, what to print for a newcomer, and a func that stops
// what it started.
//
// With throwaway set (the browser tests), cognito-local keeps its pool in a
// temporary folder, deleted on stop, and listens on a free port unless
// COGNITO_LOCAL_PORT names one, so a developer's `make dev` (on 9229) can run
// beside it. logPath receives its output, with the codes it "e-mails".
func localIdentity(ctx context.Context, addr string, throwaway bool, logPath string) (gateway.Authorizer, string, func(), error) {
	base := "http://" + strings.Replace(addr, "127.0.0.1", "localhost", 1)
	port, dataDir := 9229, cognitoDir // cognito-local's usual port; the pool kept across runs
	removeData := func() {}
	if throwaway {
		port = 0
		dir, err := os.MkdirTemp("", "civicq-cognito-")
		if err != nil {
			return nil, "", nil, err
		}
		dataDir, removeData = dir, func() { _ = os.RemoveAll(dir) }
	}
	if p := os.Getenv("COGNITO_LOCAL_PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			removeData()
			return nil, "", nil, fmt.Errorf("COGNITO_LOCAL_PORT=%q is not a port", p)
		}
		port = n
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		removeData()
		return nil, "", nil, err
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		removeData()
		return nil, "", nil, err
	}
	started := time.Now()
	srv, err := localcognito.Start(ctx, localcognito.Options{DataDir: dataDir, Port: port, Log: logf})
	if errors.Is(err, localcognito.ErrNoNode) || errors.Is(err, localcognito.ErrNotInstalled) {
		logf.Close()
		removeData()
		return localIssuer(ctx, base, err)
	}
	if err != nil {
		logf.Close()
		removeData()
		return nil, "", nil, err
	}
	stop := func() { srv.Close(); logf.Close(); removeData() }
	pool, err := localcognito.Ensure(ctx, srv.Endpoint, cognitoPool)
	if err == nil {
		err = pool.Save(filepath.Join(dataDir, "pool.json"))
	}
	var auth *jwtauth.Authorizer
	if err == nil {
		auth, err = jwtauth.New(ctx, pool.JWTConfig())
	}
	if err != nil {
		stop()
		return nil, "", nil, err
	}
	// The web app's /config.json (shared/site.ConfigFromEnv) reads where to sign in
	// from these variables; fill them unless the developer set them.
	for k, v := range map[string]string{"COGNITO_ENDPOINT": srv.Endpoint, "COGNITO_REGION": pool.Region,
		"COGNITO_USER_POOL_ID": pool.ID, "COGNITO_CLIENT_ID": pool.ClientID, "JWT_ISSUER": pool.Issuer} {
		setDefault(k, v)
	}
	const email, password = "you@example.com", "Riverton-2026!"
	hint := fmt.Sprintf("\ncognito-local %s plays Cognito at %s (ready in %s): user pool %s, web client %s;\n"+
		"the gateway accepts its ID and access tokens (issuer %s). Its log, with the codes it \"emails\": %s\n"+
		"In the browser: sign up at %s/signup and confirm with the code after your address in that log.\n"+
		"Or sign up, confirm, sign in and vote from a shell (the pool is kept in %s; next time just sign in):\n"+
		"  go run ./scripts/cognito signup %s '%s'\n"+
		"  go run ./scripts/cognito confirm %s\n"+
		"  TOKEN=$(go run ./scripts/cognito signin %s '%s')\n"+
		"  curl -s -H \"Authorization: Bearer $TOKEN\" %s/api/me; echo\n"+
		"  curl -s -X PUT -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{\"value\":1}' \\\n"+
		"    %s/api/cities/%s/questions/%s/vote; echo\n",
		localcognito.Version, srv.Endpoint, time.Since(started).Round(time.Millisecond), pool.ID, pool.ClientID,
		pool.Issuer, logPath, base, dataDir, email, password, email, email, password, base, base, demo.CitySlug, sampleQuestion)
	return auth, hint, stop, nil
}

// localIssuer starts a token issuer on loopback, an authorizer that trusts it, and
// signs a token for a verified demo resident: the stand-in when cognito-local
// cannot run (why says why).
func localIssuer(ctx context.Context, base string, why error) (gateway.Authorizer, string, func(), error) {
	iss, err := jwttest.Start()
	if err != nil {
		return nil, "", nil, err
	}
	a, err := jwtauth.New(ctx, jwtauth.Config{Issuer: iss.URL, JWKSURL: iss.JWKSURL, Audiences: []string{iss.ClientID}})
	if err != nil {
		iss.Close()
		return nil, "", nil, err
	}
	tok, err := iss.Sign("local-resident", map[string]any{"email": "resident@riverton.example"})
	if err != nil {
		iss.Close()
		return nil, "", nil, err
	}
	hint := fmt.Sprintf("\nno cognito-local (%v):\nan in-process issuer signs tokens instead; one for a verified demo resident (1 h):\n"+
		"  TOKEN=%s\n  curl -s -X PUT -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{\"value\":1}' \\\n"+
		"    %s/api/cities/%s/questions/%s/vote; echo\n", why, tok, base, demo.CitySlug, sampleQuestion)
	return a, hint, iss.Close, nil
}

package site

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/civicq/civicq/shared/gateway"
)

var build = fstest.MapFS{
	"index.html":                {Data: []byte(`<!doctype html><title>CivicQ</title><script type="module" src="/assets/index-abc123.js"></script>`)},
	"assets/index-abc123.js":    {Data: []byte(`console.log("app")`)},
	"assets/index-abc123.css":   {Data: []byte(`body{}`)},
	"assets/hls-def456.js":      {Data: []byte(`export default 1`)},
	"favicon.svg":               {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
	"assets/nested/dir/x.woff2": {Data: []byte("w")},
}

var cognitoCfg = Config{APIBase: "/api", Issuer: "http://127.0.0.1:9229/local_pool",
	Cognito: &Cognito{Endpoint: "http://127.0.0.1:9229/", Region: "us-east-1", UserPoolID: "local_pool", ClientID: "client-1"}}

func get(t *testing.T, h http.Handler, method, target string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServesTheBuild(t *testing.T) {
	s, err := NewFS(build, cognitoCfg)
	if err != nil {
		t.Fatal(err)
	}
	index := string(build["index.html"].Data)
	for _, tc := range []struct {
		path, status, ctype, cache, body string
		csp                              bool
	}{
		{"/", "200", "text/html; charset=utf-8", PageCacheControl, index, true},
		{"/index.html", "200", "text/html; charset=utf-8", PageCacheControl, index, true},
		// Pages of the app (History routing) all get index.html.
		{"/riverton", "200", "text/html; charset=utf-8", PageCacheControl, index, true},
		{"/riverton/contests/c2000000-0000-4000-8000-000000000001?sort=new", "200", "text/html; charset=utf-8", PageCacheControl, index, true},
		{"/riverton/questions/x/", "200", "text/html; charset=utf-8", PageCacheControl, index, true},
		// Dot segments are cleaned away: never a file outside the build.
		{"/../../etc/passwd", "200", "text/html; charset=utf-8", PageCacheControl, index, true},
		{"/assets/../../../go.mod", "404", "text/plain; charset=utf-8", "no-store", "", false},
		{"/assets/index-abc123.js", "200", "text/javascript; charset=utf-8", AssetsCacheControl, `console.log("app")`, false},
		{"/assets/index-abc123.css", "200", "text/css; charset=utf-8", AssetsCacheControl, "body{}", false},
		{"/assets/nested/dir/x.woff2", "200", "font/woff2", AssetsCacheControl, "w", false},
		{"/favicon.svg", "200", "image/svg+xml", OtherCacheControl, `<svg xmlns="http://www.w3.org/2000/svg"/>`, false},
		// Missing files are 404s, not the app: a stale chunk must fail visibly.
		{"/assets/index-old999.js", "404", "text/plain; charset=utf-8", "no-store", "", false},
		{"/assets/something", "404", "text/plain; charset=utf-8", "no-store", "", false},
		{"/robots.txt", "404", "text/plain; charset=utf-8", "no-store", "", false},
		{"/assets", "404", "text/plain; charset=utf-8", "no-store", "", false},
	} {
		res := get(t, s, "GET", tc.path)
		b := body(t, res)
		if got := res.Status[:3]; got != tc.status {
			t.Errorf("%s: status %s, want %s", tc.path, res.Status, tc.status)
		}
		if got := res.Header.Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, got, tc.ctype)
		}
		if got := res.Header.Get("Cache-Control"); got != tc.cache {
			t.Errorf("%s: Cache-Control %q, want %q", tc.path, got, tc.cache)
		}
		if tc.body != "" && b != tc.body {
			t.Errorf("%s: body %q, want %q", tc.path, b, tc.body)
		}
		if got := res.Header.Get("Content-Security-Policy"); (got != "") != tc.csp {
			t.Errorf("%s: Content-Security-Policy %q, want one: %v", tc.path, got, tc.csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no X-Content-Type-Options: nosniff", tc.path)
		}
	}
}

// "/assets" without a file must not list the folder, nor fall back to the app:
// the test above covers it; this one checks HEAD and conditional requests, which
// CloudFront and browsers send.
func TestHeadAndConditional(t *testing.T) {
	s, _ := NewFS(build, Config{})
	res := get(t, s, "HEAD", "/assets/index-abc123.js")
	if res.StatusCode != 200 || body(t, res) != "" {
		t.Errorf("HEAD: %s", res.Status)
	}
	res = get(t, s, "POST", "/")
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %s, Allow %q", res.Status, res.Header.Get("Allow"))
	}
}

func TestConfigJSON(t *testing.T) {
	s, _ := NewFS(build, cognitoCfg)
	res := get(t, s, "GET", "/config.json")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || res.Header.Get("Cache-Control") != PageCacheControl {
		t.Fatalf("/config.json: %s %v", res.Status, res.Header)
	}
	var got Config
	if err := json.Unmarshal([]byte(body(t, res)), &got); err != nil {
		t.Fatal(err)
	}
	if got.APIBase != "/api" || got.Cognito == nil || *got.Cognito != *cognitoCfg.Cognito || got.Issuer != cognitoCfg.Issuer {
		t.Errorf("config.json = %+v", got)
	}
	// The page may call the Cognito endpoint, and only its origin is added.
	csp := get(t, s, "GET", "/").Header.Get("Content-Security-Policy")
	if !strings.HasPrefix(csp, BaseCSP) || !strings.HasSuffix(csp, "connect-src 'self' http://127.0.0.1:9229") {
		t.Errorf("CSP %q", csp)
	}

	// Without Cognito, no cognito key: the page turns sign-in off.
	s, _ = NewFS(build, Config{})
	if b := body(t, get(t, s, "GET", "/config.json")); b != `{"apiBase":"/api"}` {
		t.Errorf("config.json without Cognito = %s", b)
	}
	if csp := get(t, s, "GET", "/").Header.Get("Content-Security-Policy"); csp != BaseCSP {
		t.Errorf("CSP without Cognito %q", csp)
	}

	// The uploads endpoint (the local S3) is allowed by its origin, once; junk is
	// left out.
	s, _ = NewFS(build, cognitoCfg, "http://localhost:9000/civicq-local-uploads", "http://localhost:9000", "not a url", "http://127.0.0.1:9229/x")
	if csp := get(t, s, "GET", "/").Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "connect-src 'self' http://127.0.0.1:9229 http://localhost:9000") {
		t.Errorf("CSP with the uploads endpoint %q", csp)
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("COGNITO_ENDPOINT", "")
	t.Setenv("COGNITO_CLIENT_ID", "")
	t.Setenv("COGNITO_USER_POOL_ID", "")
	t.Setenv("COGNITO_REGION", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("JWT_ISSUER", "http://127.0.0.1:9229/local_abc")
	t.Setenv("JWT_AUDIENCE", " client-a , client-b")
	if c := ConfigFromEnv(); c.Cognito != nil || c.Issuer != "http://127.0.0.1:9229/local_abc" || c.APIBase != "/api" {
		t.Errorf("no endpoint: %+v", c)
	}
	t.Setenv("COGNITO_ENDPOINT", "http://127.0.0.1:9229/")
	t.Setenv("COGNITO_USER_POOL_ID", "local_abc")
	c := ConfigFromEnv()
	want := Cognito{Endpoint: "http://127.0.0.1:9229/", Region: "us-east-1", UserPoolID: "local_abc", ClientID: "client-a"}
	if c.Cognito == nil || *c.Cognito != want {
		t.Errorf("from JWT_AUDIENCE: %+v", c.Cognito)
	}
	t.Setenv("COGNITO_CLIENT_ID", "client-z")
	t.Setenv("AWS_REGION", "eu-west-1")
	if c := ConfigFromEnv(); c.Cognito.ClientID != "client-z" || c.Cognito.Region != "eu-west-1" {
		t.Errorf("explicit client and region: %+v", c.Cognito)
	}
}

func TestNotBuilt(t *testing.T) {
	s, err := New(t.TempDir()+"/missing", Config{})
	if err != nil {
		t.Fatal(err)
	}
	res := get(t, s, "GET", "/riverton")
	if b := body(t, res); res.StatusCode != 404 || !strings.Contains(b, "make web") {
		t.Errorf("not built: %s %q", res.Status, b)
	}
	if res := get(t, s, "GET", "/config.json"); res.StatusCode != 200 {
		t.Errorf("config.json when not built: %s", res.Status)
	}
}

// Behind the gateway the site gets everything but /api: API paths keep their
// JSON 404 even when they look like pages.
func TestBehindTheGateway(t *testing.T) {
	s, _ := NewFS(build, Config{})
	gw, err := gateway.New(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	gw.Fallback = s
	if res := get(t, gw, "GET", "/api/nope"); res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("/api/nope: %s %s", res.Status, res.Header.Get("Content-Type"))
	}
	if res := get(t, gw, "GET", "/riverton"); res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("/riverton: %s %s", res.Status, res.Header.Get("Content-Type"))
	}
	if res := get(t, gw, "GET", "/apiary"); res.StatusCode != 200 {
		t.Errorf("/apiary is a page, not the API: %s", res.Status)
	}
}

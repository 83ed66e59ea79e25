package civicq

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicq/civicq/shared/site"
)

// TestSiteDeployment: web/dist goes to the site bucket in two steps, hashed
// assets with a year-long Cache-Control and never pruned, then the rest (with the
// stack's config.json) revalidated on each use, pruned, and invalidated in
// CloudFront; the second waits for the first.
func TestSiteDeployment(t *testing.T) {
	deps := ofType("Custom::CDKBucketDeployment")
	assetsID := logicalID(t, "Custom::CDKBucketDeployment", "EdgeSiteAssets")
	pagesID := logicalID(t, "Custom::CDKBucketDeployment", "EdgeSitePages")
	if len(deps) != 2 {
		t.Fatalf("%d site deployments, want 2", len(deps))
	}
	assets, pages := deps[assetsID], deps[pagesID]
	if s := js(assets); !strings.Contains(s, `"Include":["assets/*"]`) || !strings.Contains(s, `"Exclude":["*"]`) ||
		!strings.Contains(s, `"Prune":false`) || !strings.Contains(s, `"cache-control":"`+site.AssetsCacheControl+`"`) {
		t.Errorf("assets deployment: %s", s)
	}
	if s := js(pages); !strings.Contains(s, `"Exclude":["assets/*"]`) || !strings.Contains(s, `"Prune":true`) ||
		!strings.Contains(s, `"cache-control":"`+site.PageCacheControl+`"`) || !strings.Contains(s, `"DistributionPaths":["/*"]`) ||
		!strings.Contains(s, `"DistributionId":{"Ref":"EdgeDistribution`) {
		t.Errorf("pages deployment: %s", s)
	}
	found := false
	for _, d := range tmpl.Resources[pagesID].DependsOn {
		found = found || d == assetsID
	}
	if !found {
		t.Errorf("pages deployment does not wait for the assets: DependsOn %v", tmpl.Resources[pagesID].DependsOn)
	}
	// config.json's values are the stack's own user pool and client.
	client := logicalID(t, "AWS::Cognito::UserPoolClient", "ApiUsersWeb")
	pool := logicalID(t, "AWS::Cognito::UserPool", "ApiUsers")
	if s := js(pages["SourceMarkers"]); !strings.Contains(s, `{"Ref":"`+client+`"}`) || !strings.Contains(s, `{"Ref":"`+pool+`"}`) {
		t.Errorf("config.json markers %s: want the pool %s and client %s", s, pool, client)
	}
}

// TestSiteConfigJSON reads the staged config.json: the web app's shape
// (shared/site.Config), with deploy-time values for the ids.
func TestSiteConfigJSON(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(buildDir, "cdk.out", "asset.*", "config.json"))
	if len(files) != 1 {
		t.Fatalf("staged config.json files: %v", files)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var c site.Config
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("config.json %s: %v", raw, err)
	}
	marker := func(s string) bool { return strings.Contains(s, "<<marker:") }
	if c.APIBase != "/api" || c.Cognito == nil || !marker(c.Cognito.ClientID) || !marker(c.Cognito.UserPoolID) ||
		!marker(c.Cognito.Region) || !strings.HasPrefix(c.Cognito.Endpoint, "https://cognito-idp.") ||
		!strings.HasSuffix(c.Cognito.Endpoint, ".amazonaws.com/") || !strings.HasPrefix(c.Issuer, "https://cognito-idp.") {
		t.Errorf("config.json = %s", raw)
	}
}

// TestPagesFunction: the default behaviour runs the page rewrite on viewer
// requests, and the rewrite (run here in Node, which CloudFront's JS runtime
// follows) sends page paths to /index.html and nothing else.
func TestPagesFunction(t *testing.T) {
	fn := logicalID(t, "AWS::CloudFront::Function", "EdgePages")
	if code := ofType("AWS::CloudFront::Function")[fn]["FunctionCode"]; code != PagesFunction {
		t.Errorf("function code %v", code)
	}
	for _, p := range ofType("AWS::CloudFront::Distribution") {
		def := js(p["DistributionConfig"].(map[string]any)["DefaultCacheBehavior"])
		if !strings.Contains(def, `"FunctionAssociations":[{"EventType":"viewer-request","FunctionARN":{"Fn::GetAtt":["`+fn+`","FunctionARN"]}}]`) {
			t.Errorf("default behaviour %s: no viewer-request page rewrite", def)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH")
	}
	cases := map[string]string{
		"/": "/index.html", "/riverton": "/index.html", "/riverton/contests/c2": "/index.html",
		"/riverton/questions/f1/": "/index.html", "/me": "/index.html",
		"/index.html": "/index.html", "/config.json": "/config.json", "/favicon.svg": "/favicon.svg",
		"/assets/index-abc.js": "/assets/index-abc.js", "/assets/hls-x.js": "/assets/hls-x.js", "/assets": "/assets",
	}
	in, _ := json.Marshal(cases)
	script := PagesFunction + `
const cases = ` + string(in) + `;
const out = {};
for (const uri of Object.keys(cases)) out[uri] = handler({ request: { uri } }).uri;
console.log(JSON.stringify(out));`
	res, err := exec.Command(node, "-e", script).Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got map[string]string
	if err := json.Unmarshal(res, &got); err != nil {
		t.Fatalf("node printed %s: %v", res, err)
	}
	for uri, want := range cases {
		if got[uri] != want {
			t.Errorf("%s rewritten to %s, want %s", uri, got[uri], want)
		}
	}
}

// TestWebSignIn: the web client may sign in with USER_PASSWORD_AUTH (what the
// app calls), and the page's Content-Security-Policy is the one the local
// gateway sends, plus Cognito and the uploads bucket.
func TestWebSignIn(t *testing.T) {
	client := ofType("AWS::Cognito::UserPoolClient")[logicalID(t, "AWS::Cognito::UserPoolClient", "ApiUsersWeb")]
	if s := js(client["ExplicitAuthFlows"]); !strings.Contains(s, `"ALLOW_USER_PASSWORD_AUTH"`) || !strings.Contains(s, `"ALLOW_REFRESH_TOKEN_AUTH"`) {
		t.Errorf("web client auth flows %s", s)
	}
	for _, p := range ofType("AWS::CloudFront::ResponseHeadersPolicy") {
		csp := js(p)
		if !strings.Contains(csp, `"ContentSecurityPolicy":{"Fn::Join":["",["`+site.BaseCSP+` https://cognito-idp.",{"Ref":"AWS::Region"},".amazonaws.com`) {
			t.Errorf("CSP %s: want shared/site.BaseCSP, then Cognito", csp)
		}
	}
}

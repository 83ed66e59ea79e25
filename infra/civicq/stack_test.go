package civicq

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/civicq/civicq/shared/routes"
)

// The stack is synthesized once for the package (jsii startup and synth take
// seconds); every test reads the same template.
var (
	template assertions.Template
	tmpl     cfnTemplate // the same template, decoded for per-row checks
	built    *Stack
	buildDir string // the fake build, for tests that synthesize a stack of their own
	siteDir  string // the fake web build
	flags    map[string]any
)

// cfnTemplate is the part of a CloudFormation template the tests read.
type cfnTemplate struct {
	Resources map[string]struct {
		Type       string
		Properties map[string]any
		DependsOn  []string
	}
	Outputs map[string]any
	Rules   map[string]any
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	defer jsii.Close()
	dir, err := os.MkdirTemp("", "civicq-build-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// An empty bootstrap per function stands in for `make build`.
	for _, name := range routes.Names() {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := os.WriteFile(filepath.Join(dir, name, "bootstrap"), nil, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	buildDir = dir
	// A small web build, so the site deployment is part of the template (and of
	// cdk-nag's checks) as it is for `make synth` after `make web`.
	siteDir = filepath.Join(dir, "site")
	for name, body := range map[string]string{
		"index.html":          `<!doctype html><script type="module" src="/assets/index-abc.js"></script>`,
		"assets/index-abc.js": `console.log("app")`, "favicon.svg": `<svg/>`,
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(siteDir, name)), 0o755); err == nil {
			err = os.WriteFile(filepath.Join(siteDir, name), []byte(body), 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	flags, err = cdkContext()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	outdir := filepath.Join(dir, "cdk.out")
	app := awscdk.NewApp(&awscdk.AppProps{Context: &flags, Outdir: &outdir})
	built = NewCivicQStack(app, "CivicQ", &CivicQStackProps{
		BuildDir: dir, MigrationsDir: "../../migrations", SiteDir: siteDir, SourceDir: "../..", Nag: true,
	})
	template = assertions.Template_FromStack(built.Stack, nil)
	raw, err := json.Marshal(template.ToJSON())
	if err == nil {
		err = json.Unmarshal(raw, &tmpl)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "decoding the template:", err)
		return 1
	}
	return m.Run()
}

// cdkContext reads the feature flags of cdk.json so the tests synthesize what
// `cdk synth` does.
func cdkContext() (map[string]any, error) {
	b, err := os.ReadFile("../../cdk.json")
	if err != nil {
		return nil, err
	}
	var c struct{ Context map[string]any }
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}
	return c.Context, nil
}

// assert runs an assertions call, turning its panic (jsii raises the failed match
// as an error) into a test failure.
func assert(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Error(r)
		}
	}()
	f()
}

// ofType returns the logical IDs and properties of the resources of one type.
func ofType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl.Resources {
		if r.Type == typ {
			out[id] = r.Properties
		}
	}
	return out
}

// functions maps each function's FUNCTION_NAME to its logical ID.
func functions(t *testing.T) map[string]string {
	t.Helper()
	byName := map[string]string{}
	for id, p := range ofType("AWS::Lambda::Function") {
		env, _ := p["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		name, _ := vars["FUNCTION_NAME"].(string)
		if name == "" {
			continue // CDK's own handlers (custom-resource provider, S3 notifications)
		}
		if other, dup := byName[name]; dup {
			t.Errorf("functions %s and %s are both named %q", other, id, name)
		}
		byName[name] = id
	}
	return byName
}

func TestOneFunctionPerRowAndTask(t *testing.T) {
	want := len(routes.Table) + len(routes.Tasks)
	byName := functions(t)
	if len(byName) != want {
		t.Errorf("%d CivicQ functions, want %d", len(byName), want)
	}
	for _, name := range routes.Names() {
		if _, ok := byName[name]; !ok {
			t.Errorf("no function for %q", name)
		}
	}
}

func TestFunctionSettings(t *testing.T) {
	type sizing struct{ mem, timeout int }
	want := map[string]sizing{}
	for _, r := range routes.Table {
		want[r.Name] = sizing{r.MemoryMB, r.Timeout}
	}
	for _, tk := range routes.Tasks {
		want[tk.Name] = sizing{tk.MemoryMB, tk.Timeout}
	}
	fns := ofType("AWS::Lambda::Function")
	logs := ofType("AWS::Logs::LogGroup")
	for name, id := range functions(t) {
		p := fns[id]
		image := p["PackageType"] == "Image" // the transcoder: its image sets runtime and entry point
		if got := p["Runtime"]; got != "provided.al2023" && !image {
			t.Errorf("%s: Runtime %v, want provided.al2023", name, got)
		}
		if got := fmt.Sprint(p["Architectures"]); got != "[arm64]" {
			t.Errorf("%s: Architectures %v, want [arm64]", name, got)
		}
		if got := p["Handler"]; got != "bootstrap" && !image {
			t.Errorf("%s: Handler %v, want bootstrap", name, got)
		}
		w := want[name]
		if got := p["MemorySize"]; got != float64(w.mem) {
			t.Errorf("%s: MemorySize %v, want %d", name, got, w.mem)
		}
		if got := p["Timeout"]; got != float64(w.timeout) {
			t.Errorf("%s: Timeout %v, want %d", name, got, w.timeout)
		}
		env, _ := p["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		if got, want := vars["GOGC"], "400"; got != want {
			t.Errorf("%s: GOGC %v, want %s", name, got, want)
		}
		if got, want := vars["GOMEMLIMIT"], routes.MemoryLimit(w.mem); got != want {
			t.Errorf("%s: GOMEMLIMIT %v, want %s", name, got, want)
		}
		// Its own log group, with retention.
		lc, _ := p["LoggingConfig"].(map[string]any)
		ref, _ := lc["LogGroup"].(map[string]any)
		group, _ := ref["Ref"].(string)
		lg, ok := logs[group]
		if !ok {
			t.Errorf("%s: LoggingConfig.LogGroup %v is not a log group of the stack", name, lc["LogGroup"])
			continue
		}
		if got := lg["RetentionInDays"]; got != float64(30) {
			t.Errorf("%s: log group %s RetentionInDays %v, want 30", name, group, got)
		}
		if vpc, _ := p["VpcConfig"].(map[string]any); len(vpc) == 0 {
			t.Errorf("%s: not in the VPC", name)
		}
		if !hasTag(p, FunctionTag, name) {
			t.Errorf("%s: no %s=%s tag", name, FunctionTag, name)
		}
	}
}

// TestRoutes checks one API route per row, with the row's method and path, reaching
// the row's own function, and an authorizer exactly when the row needs a caller.
func TestRoutes(t *testing.T) {
	assert(t, func() {
		template.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Route"), jsii.Number(len(routes.Table)))
	})
	assert(t, func() {
		template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), map[string]any{"ProtocolType": "HTTP"})
	})
	fnByName := functions(t)
	integrations := ofType("AWS::ApiGatewayV2::Integration")
	byKey := map[string]map[string]any{}
	for _, p := range ofType("AWS::ApiGatewayV2::Route") {
		byKey[fmt.Sprint(p["RouteKey"])] = p
	}
	for _, r := range routes.Table {
		key := r.Method + " " + r.Path
		p, ok := byKey[key]
		if !ok {
			t.Errorf("%s: no route %q", r.Name, key)
			continue
		}
		wantAuth := "NONE"
		if r.NeedsCaller() {
			wantAuth = "JWT"
		}
		if got := p["AuthorizationType"]; got != wantAuth {
			t.Errorf("%s: AuthorizationType %v, want %s", r.Name, got, wantAuth)
		}
		integ, ok := integrations[integrationID(p["Target"])]
		if !ok {
			t.Errorf("%s: route target %v is not an integration of the stack", r.Name, p["Target"])
			continue
		}
		if got := integ["PayloadFormatVersion"]; got != "2.0" {
			t.Errorf("%s: PayloadFormatVersion %v, want 2.0", r.Name, got)
		}
		uri, _ := integ["IntegrationUri"].(map[string]any)
		attr, _ := uri["Fn::GetAtt"].([]any)
		if len(attr) != 2 || attr[0] != fnByName[r.Name] || attr[1] != "Arn" {
			t.Errorf("%s: integration URI %v, want the Arn of %s", r.Name, uri, fnByName[r.Name])
		}
	}
}

// integrationID takes the logical ID out of a route's Target,
// {"Fn::Join": ["", ["integrations/", {"Ref": ID}]]}.
func integrationID(target any) string {
	j, _ := target.(map[string]any)
	args, _ := j["Fn::Join"].([]any)
	if len(args) != 2 {
		return ""
	}
	parts, _ := args[1].([]any)
	if len(parts) != 2 || parts[0] != "integrations/" {
		return ""
	}
	ref, _ := parts[1].(map[string]any)
	id, _ := ref["Ref"].(string)
	return id
}

func TestOutputs(t *testing.T) {
	for _, name := range []string{"ApiUrl", "SiteUrl", "UserPoolId", "UserPoolClientId", "UploadsBucket",
		"MediaBucket", "SiteBucket", "MigrateFunction", "DashboardName"} {
		if _, ok := tmpl.Outputs[name]; !ok {
			t.Errorf("no output %s", name)
		}
	}
}

func TestCheckBuild(t *testing.T) {
	dir := t.TempDir()
	err := CheckBuild(dir)
	if err == nil || !strings.Contains(err.Error(), "run `make build` first") {
		t.Fatalf("CheckBuild on an empty dir = %v, want a `make build` hint", err)
	}
	for _, name := range routes.Names() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

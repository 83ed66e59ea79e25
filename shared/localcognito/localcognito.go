// Package localcognito runs cognito-local, the npm stand-in for Amazon Cognito
// (pinned at Version in scripts/cognito-local/package-lock.json), and drives it with
// the aws-sdk-go-v2 Cognito client pointed at it: the same API calls as the cloud,
// only the endpoint differs. `make dev` and the identity tests use it; the gateway
// then verifies its tokens with shared/jwtauth exactly as the HTTP API's JWT
// authorizer verifies Cognito's.
//
// What cognito-local does differently from Cognito, and how this package deals
// with it:
//   - Its discovery document names localhost:9229 whatever it listens on, so the
//     issuer and JWKS URL are built from the address it was started on (Pool.Issuer,
//     Pool.JWKSURL) and configured directly, never discovered.
//   - The issuer in its tokens is "http://<HOST>:<PORT>/<pool id>". Start sets HOST
//     to 127.0.0.1 and also writes that issuer domain into its config file, so
//     tokens say exactly http://127.0.0.1:<port>/<pool id>, which is what Pool.Issuer
//     holds (the tests check a real token against it).
//   - Every instance signs with the same RSA key, shipped in the npm package: a
//     token from another pool or another cognito-local has a valid signature and is
//     refused only because of its issuer and audience. Fine for a laptop; never
//     point a deployed API at it.
//   - ConfirmSignUp does not set email_verified (Cognito does, for a pool that
//     auto-verifies email). Start configures a PostConfirmation trigger that sets
//     it (trigger.go), so a sign-up confirmed from a browser is verified as in the
//     cloud; Confirm and ConfirmWithCode also set it with AdminUpdateUserAttributes.
//     Its tokens say email_verified: true for any value of the attribute, even
//     "false"; a user who never verified has none, and their tokens say false.
//   - It supports the USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH flows, not SRP.
//   - Access tokens carry client_id and no aud; ID tokens carry aud, email and
//     email_verified. cognito:groups lists the groups the user was in at sign-in.
package localcognito

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Version is the cognito-local release this package is written against.
const Version = "5.3.0"

// PackagePath is where package.json pins cognito-local, relative to the repository root.
const PackagePath = "scripts/cognito-local"

// ErrNoNode means node is not on PATH: cognito-local cannot run here.
var ErrNoNode = errors.New("node is not installed (cognito-local needs Node.js 18 or later)")

// ErrNotInstalled means node is present but cognito-local is not installed (or is
// another version) in the package directory.
var ErrNotInstalled = errors.New("cognito-local " + Version + " is not installed: run `make cognito-local` " +
	"(npm ci in " + PackagePath + ")")

// Options says where and how to run cognito-local.
type Options struct {
	// PackageDir holds package.json and node_modules/cognito-local. Empty means
	// scripts/cognito-local of the repository enclosing the working directory.
	PackageDir string
	// DataDir is cognito-local's working directory; it keeps its pools, users and
	// config in DataDir/.cognito. Required. Created if missing.
	DataDir string
	// Port on 127.0.0.1; 0 picks a free one.
	Port int
	// Log receives cognito-local's output, which includes the confirmation codes
	// it "emails". Nil discards it.
	Log io.Writer
	// StartTimeout bounds the wait for its first answer; 0 means 30 s.
	StartTimeout time.Duration
}

// Server is a running cognito-local.
type Server struct {
	// Endpoint is its base URL, http://127.0.0.1:<port>: the SDK's endpoint, and
	// the issuer domain of its tokens.
	Endpoint string
	Port     int

	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has exited
	once     sync.Once
	triggers *triggers // the Lambda trigger endpoint it calls (trigger.go)
}

// Start runs cognito-local and returns once it answers. The process is stopped by
// Close (on Linux also when the calling process dies).
func Start(ctx context.Context, opts Options) (*Server, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, ErrNoNode
	}
	pkg := opts.PackageDir
	if pkg == "" {
		if pkg, err = FindPackageDir(); err != nil {
			return nil, err
		}
	}
	if err := CheckInstalled(pkg); err != nil {
		return nil, err
	}
	if opts.DataDir == "" {
		return nil, errors.New("localcognito: DataDir is required")
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 30 * time.Second
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	bin := filepath.Join(pkg, "node_modules", "cognito-local", "lib", "bin", "start.js")
	if bin, err = filepath.Abs(bin); err != nil {
		return nil, err
	}
	// A picked port may be taken between the check and node's bind: try another.
	for attempt := 0; ; attempt++ {
		port := opts.Port
		if port == 0 {
			if port, err = freePort(); err != nil {
				return nil, err
			}
		} else if err := portFree(port); err != nil {
			return nil, fmt.Errorf("cognito-local: port %d is in use (is another `make dev` running? "+
				"COGNITO_LOCAL_PORT picks another port): %w", port, err)
		}
		s, err := start(ctx, node, bin, port, opts)
		if errors.Is(err, errExitedEarly) && opts.Port == 0 && attempt < 2 {
			continue
		}
		return s, err
	}
}

var errExitedEarly = errors.New("cognito-local exited before answering")

func start(ctx context.Context, node, bin string, port int, opts Options) (*Server, error) {
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	trig, err := startTriggers(func() string { return endpoint })
	if err != nil {
		return nil, fmt.Errorf("cognito-local triggers: %w", err)
	}
	if err := writeConfig(opts.DataDir, endpoint, trig.URL); err != nil {
		trig.Close()
		return nil, err
	}
	// The log also goes to a small buffer, quoted in the error if it never answers.
	var early bytes.Buffer
	out := io.MultiWriter(opts.Log, &limitedWriter{w: &early, n: 4096})
	cmd := exec.Command(node, bin)
	cmd.Dir = opts.DataDir
	// HOST and PORT are what it binds to and, by default, its issuer domain.
	// The last variable quiets the JavaScript SDK v2's end-of-support notice, which
	// cognito-local's dependency prints on every start.
	cmd.Env = append(os.Environ(), "HOST=127.0.0.1", "PORT="+strconv.Itoa(port), "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE=1")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		trig.Close()
		return nil, fmt.Errorf("start cognito-local: %w", err)
	}
	s := &Server{Endpoint: endpoint, Port: port, cmd: cmd, exited: make(chan struct{}), triggers: trig}
	go func() { _ = cmd.Wait(); close(s.exited) }()

	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		if s.healthy(ctx, client) {
			return s, nil
		}
		select {
		case <-s.exited:
			trig.Close()
			return nil, fmt.Errorf("%w (%s): %s", errExitedEarly, cmd.ProcessState, bytes.TrimSpace(early.Bytes()))
		case <-ctx.Done():
			s.Close()
			return nil, fmt.Errorf("cognito-local on %s did not answer within %s: %s", endpoint, opts.StartTimeout, bytes.TrimSpace(early.Bytes()))
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func (s *Server) healthy(ctx context.Context, client *http.Client) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/health", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

// Close stops cognito-local (SIGTERM, then SIGKILL after two seconds) and waits
// for it to exit. Its data stays in DataDir.
func (s *Server) Close() {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(2 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		s.triggers.Close()
	})
}

// writeConfig sets, in cognito-local's config file (DataDir/.cognito/config.json),
// keeping any other settings in it: TokenConfig.IssuerDomain (the HOST and PORT
// environment give the same domain by default; writing it makes the issuer
// independent of those defaults), and the PostConfirmation trigger with the
// Lambda endpoint serving it (trigger.go: email_verified on confirmation).
func writeConfig(dataDir, endpoint, lambdaEndpoint string) error {
	dir := filepath.Join(dataDir, ".cognito")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "config.json")
	cfg := map[string]any{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &cfg); err != nil {
			return fmt.Errorf("cognito-local config %s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	token, _ := cfg["TokenConfig"].(map[string]any)
	if token == nil {
		token = map[string]any{}
	}
	token["IssuerDomain"] = endpoint
	cfg["TokenConfig"] = token
	// Merged by cognito-local over its defaults (local credentials and region).
	lambda, _ := cfg["LambdaClient"].(map[string]any)
	if lambda == nil {
		lambda = map[string]any{}
	}
	lambda["endpoint"] = lambdaEndpoint
	cfg["LambdaClient"] = lambda
	trig, _ := cfg["TriggerFunctions"].(map[string]any)
	if trig == nil {
		trig = map[string]any{}
	}
	trig["PostConfirmation"] = VerifyEmailFunction
	cfg["TriggerFunctions"] = trig
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// FindPackageDir returns scripts/cognito-local of the repository that encloses the
// working directory (found by walking up to the directory that holds it).
func FindPackageDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, PackagePath)
		if _, err := os.Stat(filepath.Join(p, "package.json")); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("localcognito: no %s/package.json above the working directory", PackagePath)
		}
		dir = parent
	}
}

// CheckInstalled returns ErrNotInstalled unless pkg/node_modules holds cognito-local
// at Version.
func CheckInstalled(pkg string) error {
	b, err := os.ReadFile(filepath.Join(pkg, "node_modules", "cognito-local", "package.json"))
	if err != nil {
		return ErrNotInstalled
	}
	var meta struct{ Version string }
	if json.Unmarshal(b, &meta) != nil || meta.Version != Version {
		return fmt.Errorf("%w (found %q)", ErrNotInstalled, meta.Version)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func portFree(port int) error {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return err
	}
	return l.Close()
}

// limitedWriter keeps the first n bytes written to it and drops the rest.
type limitedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
	n  int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.n - l.w.Len(); room > 0 {
		l.w.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

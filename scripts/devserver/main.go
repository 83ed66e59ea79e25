// Command devserver is the local stack's front door (`make dev`): it applies the
// migrations, loads the demo city, and serves every route of the route table at
// http://localhost:8080/api/... through the local gateway, which builds the same
// API Gateway v2 events as the cloud and verifies JWTs as its authorizer would.
// Every other path is the web app (web/dist, shared/site) with /config.json.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/civicq/civicq/scripts/perf"
	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/gateway"
	"github.com/civicq/civicq/shared/jwtauth"
	"github.com/civicq/civicq/shared/localdev"
	"github.com/civicq/civicq/shared/objects"
	"github.com/civicq/civicq/shared/registry"
	"github.com/civicq/civicq/shared/routes"
	"github.com/civicq/civicq/shared/site"
)

func main() {
	addr := flag.String("addr", envOr("LISTEN_ADDR", "127.0.0.1:8080"), "address to listen on")
	logFile := flag.String("log", envOr("FUNCTION_LOG", ".local/logs/functions.log"), "file receiving the functions' logs and EMF metrics (- for stdout)")
	loadDemo := flag.Bool("demo", true, "load the demo city (idempotent)")
	prepareOnly := flag.Bool("prepare", false, "apply migrations and load the demo city, then exit")
	webDir := flag.String("web", envOr("WEB_DIR", "web/dist"), "the web app's build, served at / (with /config.json)")
	throwaway := flag.Bool("throwaway", false, "serve a fresh database with the demo cities (dropped on exit) and a Redis key prefix of its own, "+
		"with per-user limits raised as for the measuring tools, cognito-local with a pool of its own and the local S3 on free ports "+
		"(the browser tests use it)")
	cognitoLogFile := flag.String("cognito-log", cognitoLog, "file receiving cognito-local's output (with the confirmation codes it \"e-mails\")")
	flag.Parse()
	if err := run(*addr, *logFile, *webDir, *cognitoLogFile, *loadDemo, *prepareOnly, *throwaway); err != nil {
		fmt.Fprintln(os.Stderr, "devserver:", err)
		os.Exit(1)
	}
}

func run(addr, logFile, webDir, cognitoLogFile string, loadDemo, prepareOnly, throwaway bool) error {
	// The functions run in this process: with the collector setting they have in Lambda.
	localdev.UseFunctionGC()
	// One process serves many requests at once here, unlike one Lambda environment:
	// give each function's pools room unless told otherwise.
	setDefault("DB_MAX_CONNS", "8")
	setDefault("REDIS_POOL_SIZE", "32")
	// The video path runs on the in-process S3 (its own port), with buckets and
	// credentials of the local stack's own; media are served by this server under
	// /media/, the path CloudFront serves them under.
	s3Addr := envOr("LOCAL_S3_ADDR", "127.0.0.1:9000")
	var s3Listener net.Listener
	if throwaway && os.Getenv("LOCAL_S3_ADDR") == "" {
		// A port of its own, so that a developer's `make dev` (on 9000) can run beside it.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		s3Listener, s3Addr = ln, ln.Addr().String()
	}
	setDefault("AWS_REGION", "us-east-1")
	setDefault("AWS_ACCESS_KEY_ID", "AKIDLOCALDEV")
	setDefault("AWS_SECRET_ACCESS_KEY", "local-dev-secret")
	setDefault("UPLOADS_BUCKET", "civicq-local-uploads")
	setDefault("MEDIA_BUCKET", "civicq-local-media")
	setDefault("S3_ENDPOINT", "http://"+strings.Replace(s3Addr, "127.0.0.1", "localhost", 1))
	// Media URLs are paths on the site's own origin ("/media/..."), as behind
	// CloudFront: the page fetches playlists and segments from where it came from,
	// whichever host name it was opened with.
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set: start the services with `make dev` (or eval \"$(scripts/services.sh env)\")")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if throwaway {
		stack, err := perf.NewStack(ctx, os.Getenv("CIVICQ_TEST_DATABASE_URL"), cfg.RedisAddr, "dev")
		if err != nil {
			return fmt.Errorf("throwaway database: %w", err)
		}
		defer stack.Close()
		cfg.DatabaseURL, cfg.DatabaseReadURL, cfg.CachePrefix = stack.DSN, stack.DSN, stack.Prefix
		// The browser tests make a city admin in it with scripts/cityadmin.
		fmt.Fprintf(os.Stderr, "throwaway database: %s\n", stack.DSN)
	}

	summary, err := localdev.Prepare(ctx, cfg.DatabaseURL, loadDemo)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, summary)
	if prepareOnly {
		return nil
	}

	if logFile != "-" {
		if err := os.MkdirAll(filepath.Dir(logFile), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		// Functions log to stdout as in Lambda; locally that stream goes to a file.
		os.Stdout = f
	}

	mounts, closeAll, err := registry.Mounts(cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	auth, err := authorizer(ctx)
	if err != nil {
		return err
	}
	// Without a configured identity provider, cognito-local (without node, an
	// in-process issuer) signs users in; the gateway verifies its tokens exactly as
	// the HTTP API's authorizer verifies Cognito's (identity.go).
	var signIn string
	if auth == nil {
		var stopIdentity func()
		if auth, signIn, stopIdentity, err = localIdentity(ctx, addr, throwaway, cognitoLogFile); err != nil {
			return err
		}
		defer stopIdentity()
	}
	gw, err := gateway.New(mounts, auth, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		return err
	}
	// The page posts answers straight to the uploads endpoint: its origin joins
	// the CSP's connect-src, as the stack's S3 origin does.
	if gw.Fallback, err = site.New(webDir, site.ConfigFromEnv(), cfg.S3Endpoint); err != nil {
		return err
	}
	// S3 → SQS → transcode, locally: uploads notify a queue on Redis, whose
	// worker invokes the transcode function's handler with SQS events.
	var handler http.Handler = gw
	var video *localdev.Video
	if cfg.RedisAddr != "" {
		creds, err := objects.EnvCredentials()
		if err != nil {
			return err
		}
		vcfg := cfg
		vcfg.DBMaxConns = 2
		video, err = localdev.StartVideo(ctx, localdev.VideoOptions{S3Listen: s3Addr, S3Listener: s3Listener, Config: vcfg, Credentials: creds,
			AllowedOrigins: siteOrigins(addr),
			QueuePrefix:    cfg.CachePrefix + "local:", Visibility: 90 * time.Minute, FunctionTimeout: 15 * time.Minute,
			Log: slog.New(slog.NewJSONHandler(os.Stdout, nil))})
		if err != nil {
			return err
		}
		defer video.Close()
		mux := http.NewServeMux()
		mux.Handle("/media/", video.S3.MediaHandler(cfg.MediaBucket))
		mux.Handle("/", gw)
		handler = mux
	}
	srv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	base := "http://" + strings.Replace(addr, "127.0.0.1", "localhost", 1)
	fmt.Fprintf(os.Stderr, "\nCivicQ web app: %s/ (from %s)\n", base, webDir)
	fmt.Fprintf(os.Stderr, "CivicQ local gateway: %s/api/ (%d routes)\n", base, len(mounts))
	for _, r := range routes.Table {
		fmt.Fprintf(os.Stderr, "  %-6s %-45s -> %s\n", r.Method, r.Path, r.Name)
	}
	fmt.Fprintf(os.Stderr, "\ntry:\n  curl -s %s/api/cities/%s/ballot | head -c 600; echo\n", base, demo.CitySlug)
	if video != nil {
		fmt.Fprintf(os.Stderr, "\nvideo answers: local S3 at %s (buckets %s, %s), queue on Redis, transcoder running; media at %s/media/\n",
			cfg.S3Endpoint, cfg.UploadsBucket, cfg.MediaBucket, base)
	} else {
		fmt.Fprintf(os.Stderr, "\nvideo answers: off (no REDIS_ADDR for the local queue)\n")
	}
	if logFile != "-" {
		fmt.Fprintf(os.Stderr, "function logs and EMF metrics: %s\n", logFile)
	}
	fmt.Fprint(os.Stderr, signIn)
	if video != nil {
		fmt.Fprintf(os.Stderr, "\nvideo answers: uploads go to the local S3 at http://%s, the queue runs on Redis and media are served at %s/media/;\n"+
			"a candidate of record asks for an upload with\n"+
			"  curl -s -X POST -H \"Authorization: Bearer $CANDIDATE_TOKEN\" -H 'Content-Type: application/json' \\\n"+
			"    -d '{\"contentType\":\"video/webm\"}' %s/api/cities/%s/candidates/<candidate>/answers/<question>/upload\n"+
			"  (then POST the returned fields and the file to the returned url as multipart/form-data; README: \"Video answers\")\n",
			s3Addr, base, base, demo.CitySlug)
	}
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// authorizer configures JWT verification like the HTTP API's authorizer: an
// issuer, a JWKS URL (given directly, never discovered) and the accepted audiences.
func authorizer(ctx context.Context) (gateway.Authorizer, error) {
	issuer, jwks := os.Getenv("JWT_ISSUER"), os.Getenv("JWT_JWKS_URL")
	if issuer == "" && jwks == "" {
		return nil, nil
	}
	var auds []string
	for _, a := range strings.Split(os.Getenv("JWT_AUDIENCE"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			auds = append(auds, a)
		}
	}
	a, err := jwtauth.New(ctx, jwtauth.Config{Issuer: issuer, JWKSURL: jwks, Audiences: auds})
	if err != nil {
		return nil, err // an untyped nil: a nil *Authorizer in the interface would not be nil
	}
	return a, nil
}

// siteOrigins are the origins a browser may open the app from: this server by
// either loopback name, and Vite's dev server (`npm run dev`), which proxies the
// API but lets the page post uploads to the local S3 directly.
func siteOrigins(addr string) []string {
	_, port, _ := net.SplitHostPort(addr)
	out := []string{"http://localhost:" + port, "http://127.0.0.1:" + port, "http://localhost:5173", "http://127.0.0.1:5173"}
	if h, _, _ := net.SplitHostPort(addr); h != "" && h != "127.0.0.1" && h != "localhost" {
		out = append(out, "http://"+addr)
	}
	return out
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func setDefault(name, value string) {
	if os.Getenv(name) == "" {
		_ = os.Setenv(name, value)
	}
}

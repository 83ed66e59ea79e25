// Command devserver is the local stack's front door (`make dev`): it applies the
// migrations, loads the demo city, and serves every route of the route table at
// http://localhost:8080/api/... through the local gateway, which builds the same
// API Gateway v2 events as the cloud and verifies JWTs as its authorizer would.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/gateway"
	"github.com/civicq/civicq/shared/jwtauth"
	"github.com/civicq/civicq/shared/jwtauth/jwttest"
	"github.com/civicq/civicq/shared/localdev"
	"github.com/civicq/civicq/shared/objects"
	"github.com/civicq/civicq/shared/registry"
	"github.com/civicq/civicq/shared/routes"
)

func main() {
	addr := flag.String("addr", envOr("LISTEN_ADDR", "127.0.0.1:8080"), "address to listen on")
	logFile := flag.String("log", envOr("FUNCTION_LOG", ".local/logs/functions.log"), "file receiving the functions' logs and EMF metrics (- for stdout)")
	loadDemo := flag.Bool("demo", true, "load the demo city (idempotent)")
	prepareOnly := flag.Bool("prepare", false, "apply migrations and load the demo city, then exit")
	flag.Parse()
	if err := run(*addr, *logFile, *loadDemo, *prepareOnly); err != nil {
		fmt.Fprintln(os.Stderr, "devserver:", err)
		os.Exit(1)
	}
}

func run(addr, logFile string, loadDemo, prepareOnly bool) error {
	// One process serves many requests at once here, unlike one Lambda environment:
	// give each function's pools room unless told otherwise.
	setDefault("DB_MAX_CONNS", "8")
	setDefault("REDIS_POOL_SIZE", "32")
	// The video path runs on the in-process S3 (its own port), with buckets and
	// credentials of the local stack's own; media are served by this server under
	// /media/, the path CloudFront serves them under.
	s3Addr := envOr("LOCAL_S3_ADDR", "127.0.0.1:9000")
	setDefault("AWS_REGION", "us-east-1")
	setDefault("AWS_ACCESS_KEY_ID", "AKIDLOCALDEV")
	setDefault("AWS_SECRET_ACCESS_KEY", "local-dev-secret")
	setDefault("UPLOADS_BUCKET", "civicq-local-uploads")
	setDefault("MEDIA_BUCKET", "civicq-local-media")
	setDefault("S3_ENDPOINT", "http://"+strings.Replace(s3Addr, "127.0.0.1", "localhost", 1))
	setDefault("MEDIA_BASE_URL", "http://"+strings.Replace(addr, "127.0.0.1", "localhost", 1))
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set: start the services with `make dev` (or eval \"$(scripts/services.sh env)\")")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

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
	// Without a configured identity provider, a local issuer signs tokens for demo
	// residents; the gateway verifies them exactly as it would Cognito's.
	var devToken, candidateToken string
	if auth == nil {
		if auth, devToken, candidateToken, err = localIssuer(ctx); err != nil {
			return err
		}
	}
	gw, err := gateway.New(mounts, auth, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
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
		video, err = localdev.StartVideo(ctx, localdev.VideoOptions{S3Listen: s3Addr, Config: vcfg, Credentials: creds,
			QueuePrefix: cfg.CachePrefix + "local:", Visibility: 90 * time.Minute, FunctionTimeout: 15 * time.Minute,
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
	fmt.Fprintf(os.Stderr, "\nCivicQ local gateway: %s/api/ (%d routes)\n", base, len(mounts))
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
	if devToken != "" {
		fmt.Fprintf(os.Stderr, "\nno JWT_ISSUER/JWT_JWKS_URL/JWT_AUDIENCE set: a local issuer signs tokens; one for a verified demo resident (1 h):\n"+
			"  TOKEN=%s\n  curl -s -X PUT -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{\"value\":1}' \\\n"+
			"    %s/api/cities/%s/questions/f1000000-0000-4000-8000-000000000001/vote\n", devToken, base, demo.CitySlug)
		if video != nil {
			fmt.Fprintf(os.Stderr, "\nand one for the demo candidate of record, who may answer questions of the mayor race with a video:\n"+
				"  CANDIDATE_TOKEN=%s\n  curl -s -X POST -H \"Authorization: Bearer $CANDIDATE_TOKEN\" -H 'Content-Type: application/json' \\\n"+
				"    -d '{\"contentType\":\"video/webm\"}' %s/api/cities/%s/candidates/%s/answers/f1000000-0000-4000-8000-000000000001/upload\n"+
				"  (then POST the returned fields and the file to the returned url, as multipart/form-data)\n",
				candidateToken, base, demo.CitySlug, demo.CandidateID)
		}
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

// localIssuer starts a token issuer on loopback, an authorizer that trusts it, and
// signs a token for a verified demo resident.
func localIssuer(ctx context.Context) (gateway.Authorizer, string, string, error) {
	iss, err := jwttest.Start()
	if err != nil {
		return nil, "", "", err
	}
	a, err := jwtauth.New(ctx, jwtauth.Config{Issuer: iss.URL, JWKSURL: iss.JWKSURL, Audiences: []string{iss.ClientID}})
	if err != nil {
		return nil, "", "", err
	}
	tok, err := iss.Sign("local-resident", map[string]any{"email": "resident@riverton.example"})
	if err != nil {
		return nil, "", "", err
	}
	// The demo candidate of record (demo.CandidateID's verified claim).
	cand, err := iss.Sign("demo-candidate", map[string]any{"email": "dana@whitfieldformayor.example"})
	return a, tok, cand, err
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

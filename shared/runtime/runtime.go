// Package runtime is what every HTTP function is made of: it builds the clients once
// per execution environment (before lambda.Start, connecting lazily), adapts the
// route's net/http handler to API Gateway v2 events with aws-lambda-go-api-proxy,
// logs with slog carrying the request id, writes exactly one CloudWatch EMF document
// per invocation, and closes its pools when Lambda sends SIGTERM.
package runtime

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/cache"
	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/objects"
	"github.com/civicq/civicq/shared/routes"
	"github.com/civicq/civicq/shared/store"
)

// Runtime holds one execution environment's clients.
type Runtime struct {
	Config config.Config
	Log    *slog.Logger
	deps   *api.Deps
	// Metrics receives the EMF documents (stdout in Lambda, where CloudWatch Logs
	// extracts them).
	Metrics io.Writer

	writer, reader *pgxpool.Pool
	redis          *redis.Client
}

// New builds a Runtime from the environment. Nothing here touches the network.
func New(cfg config.Config) (*Runtime, error) {
	log := slog.New(lambdacontext.NewLogHandler()).With("function", cfg.Function)
	if cfg.DatabaseURL == "" {
		return nil, fmt.Errorf("DATABASE_URL is not set")
	}
	ctx := context.Background()
	opts := store.PoolOptions{MaxConns: cfg.DBMaxConns, ConnectTimeout: cfg.DBConnectTimeout}
	if cfg.DBIAMAuth {
		opts.IAMRegion = cfg.AWSRegion
	}
	writer, err := store.NewPool(ctx, cfg.DatabaseURL, opts)
	if err != nil {
		return nil, err
	}
	reader := writer
	if cfg.DatabaseReadURL != cfg.DatabaseURL {
		if reader, err = store.NewPool(ctx, cfg.DatabaseReadURL, opts); err != nil {
			writer.Close()
			return nil, err
		}
	}
	rt := &Runtime{Config: cfg, Log: log, Metrics: os.Stdout, writer: writer, reader: reader}
	var c *cache.Cache
	if cfg.RedisAddr != "" {
		rt.redis = cache.NewClient(cache.Options{
			Addr: cfg.RedisAddr, Username: cfg.RedisUsername, Password: cfg.RedisPassword,
			TLS: cfg.RedisTLS, Timeout: cfg.RedisTimeout, PoolSize: cfg.RedisPoolSize,
		})
		c = cache.New(rt.redis, cfg.CachePrefix, log)
		c.SetLocalTTL(cfg.CacheLocalTTL, 256)
	}
	rt.deps = &api.Deps{
		Function: cfg.Function,
		Store:    store.New(writer, reader),
		Cache:    c,
		Log:      log,
		Now:      time.Now,
		Uploads: api.Uploads{
			Bucket: cfg.UploadsBucket, Region: first(cfg.AWSRegion, "us-east-1"), Endpoint: cfg.S3Endpoint,
			MaxBytes: cfg.UploadMaxBytes, TTL: cfg.UploadURLTTL, Credentials: objects.EnvCredentials,
		},
		MediaBaseURL: cfg.MediaBaseURL,
	}
	return rt, nil
}

// Deps returns the handlers' dependencies.
func (rt *Runtime) Deps() *api.Deps { return rt.deps }

// Close releases the pools; Lambda calls it (through SIGTERM) before it freezes the
// environment for good, so the proxy sees clean disconnects instead of timeouts.
func (rt *Runtime) Close() {
	if rt.redis != nil {
		_ = rt.redis.Close()
	}
	if rt.reader != rt.writer {
		rt.reader.Close()
	}
	rt.writer.Close()
}

// ServeHTTP is the whole of an HTTP function's main: given the route's name and
// its handler's constructor, it finds the row, builds the runtime and hands the
// handler, with the row's permission rule, to lambda.Start. Taking the one
// constructor (rather than looking it up in api.Handlers) keeps the other routes'
// handlers out of the binary; a registry test checks each main passes its own.
func ServeHTTP(name string, build api.Constructor) {
	row, ok := routes.ByName(name)
	if !ok || build == nil {
		fail(fmt.Errorf("no route named %q in the route table", name))
	}
	cfg, err := config.FromEnv()
	if err != nil {
		fail(err)
	}
	cfg.Function = name
	rt, err := New(cfg)
	if err != nil {
		fail(err)
	}
	lambda.StartWithOptions(rt.LambdaHandler(row, api.WithRule(name, build)(rt.Deps())), lambda.WithEnableSIGTERM(rt.Close))
}

// fail reports an init error the way Lambda shows it (the log, then a failed init)
// instead of a panic's stack trace.
func fail(err error) {
	slog.New(lambdacontext.NewLogHandler()).Error("init failed", "error", err.Error())
	os.Exit(1)
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

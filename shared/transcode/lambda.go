package transcode

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/redis/go-redis/v9"

	"github.com/civicq/civicq/shared/bucket"
	"github.com/civicq/civicq/shared/cache"
	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/objects"
	"github.com/civicq/civicq/shared/requeue"
	"github.com/civicq/civicq/shared/store"
)

// MaxReceives is the uploads queue's maxReceiveCount (infra/civicq/video.go and
// the local queue use the same).
const MaxReceives = 3

// New builds the transcoder from the function's configuration, without touching
// the network. Close releases its clients.
func New(cfg config.Config) (*Transcoder, func(), error) {
	if cfg.DatabaseURL == "" {
		return nil, nil, fmt.Errorf("DATABASE_URL is not set")
	}
	if cfg.UploadsBucket == "" || cfg.MediaBucket == "" {
		return nil, nil, fmt.Errorf("UPLOADS_BUCKET and MEDIA_BUCKET must be set")
	}
	log := slog.New(lambdacontext.NewLogHandler()).With("function", cfg.Function)
	opts := store.PoolOptions{MaxConns: cfg.DBMaxConns, ConnectTimeout: cfg.DBConnectTimeout}
	if cfg.DBIAMAuth {
		opts.IAMRegion = cfg.AWSRegion
	}
	pool, err := store.NewPool(context.Background(), cfg.DatabaseURL, opts)
	if err != nil {
		return nil, nil, err
	}
	var rdb *redis.Client
	var c *cache.Cache
	if cfg.RedisAddr != "" {
		rdb = cache.NewClient(cache.Options{Addr: cfg.RedisAddr, Username: cfg.RedisUsername, Password: cfg.RedisPassword,
			TLS: cfg.RedisTLS, Timeout: cfg.RedisTimeout, PoolSize: cfg.RedisPoolSize})
		c = cache.New(rdb, cfg.CachePrefix, log)
	}
	region := cfg.AWSRegion
	if region == "" {
		region = "us-east-1"
	}
	t := &Transcoder{
		Store:   store.New(pool, nil),
		Cache:   c,
		Objects: bucket.New(bucket.Options{Region: region, Endpoint: cfg.S3Endpoint, Credentials: objects.EnvCredentials}),
		Log:     log,
		Requeue: requeue.New(requeue.Options{Region: region, Endpoint: cfg.SQSEndpoint}),
		Settings: Settings{
			UploadsBucket: cfg.UploadsBucket, MediaBucket: cfg.MediaBucket, MaxBytes: cfg.UploadMaxBytes,
			Preset: cfg.TranscodePreset, MaxReceives: MaxReceives, ProgressEvery: 2 * time.Second, Margin: 20 * time.Second,
		},
	}
	closeAll := func() {
		if rdb != nil {
			_ = rdb.Close()
		}
		pool.Close()
	}
	return t, closeAll, nil
}

// Main is the whole of the transcode function's main.
func Main() {
	cfg, err := config.FromEnv()
	if err == nil {
		cfg.Function = "transcode"
		var t *Transcoder
		var closeAll func()
		if t, closeAll, err = New(cfg); err == nil {
			lambda.StartWithOptions(t.Handle, lambda.WithEnableSIGTERM(closeAll))
			return
		}
	}
	slog.New(lambdacontext.NewLogHandler()).Error("init failed", "error", err.Error())
	os.Exit(1)
}

package localdev

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/redis/go-redis/v9"

	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/localaws"
	"github.com/civicq/civicq/shared/objects"
	"github.com/civicq/civicq/shared/transcode"
)

// VideoOptions configure the local video path.
type VideoOptions struct {
	// S3Listen is where the local S3 listens ("127.0.0.1:9000"; ":0" picks a port),
	// unless S3Listener is given: then it serves on that.
	S3Listen   string
	S3Listener net.Listener
	// AllowedOrigins are the site origins the uploads bucket's CORS rule names
	// (empty: any origin).
	AllowedOrigins []string
	// Config is the transcode function's configuration (database, Redis,
	// buckets, preset); its S3Endpoint and SQSEndpoint are set to the local
	// endpoint.
	Config config.Config
	// Credentials sign and check presigned uploads (the stack's
	// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
	Credentials objects.Credentials
	// QueuePrefix namespaces the queue's Redis keys; Visibility is its
	// visibility timeout (Lambda's advice: six times the function's timeout).
	QueuePrefix string
	Visibility  time.Duration
	// FunctionTimeout bounds each invocation, as the function's timeout does.
	FunctionTimeout time.Duration
	Log             *slog.Logger
}

// Video is the local S3 → SQS → Lambda path of video answers: the in-process S3
// (uploads notify the queue), the queue on Redis, and a worker invoking the
// transcode function's Lambda handler with SQS events.
type Video struct {
	S3     *localaws.S3
	URL    string // the S3 endpoint, e.g. http://127.0.0.1:9000
	Queue  *localaws.Queue
	Worker *localaws.Worker
	stop   func()
}

// StartVideo starts the local S3 on its own port, the queue and the worker.
// Close stops them.
func StartVideo(ctx context.Context, o VideoOptions) (*Video, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	cfg := o.Config
	if cfg.RedisAddr == "" {
		return nil, errors.New("localdev: the local queue needs Redis (REDIS_ADDR)")
	}
	ln := o.S3Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", o.S3Listen); err != nil {
			return nil, fmt.Errorf("localdev: local S3: %w", err)
		}
	}
	url := "http://" + ln.Addr().String()
	rdb := redis.NewClient(&redis.Options{Addr: cfg.RedisAddr, Username: cfg.RedisUsername, Password: cfg.RedisPassword,
		DialTimeout: time.Second, ReadTimeout: 30 * time.Second, MaxRetries: -1})
	region := cfg.AWSRegion
	if region == "" {
		region = "us-east-1"
	}
	queue := localaws.NewQueue(rdb, "video-uploads", localaws.QueueOptions{Prefix: o.QueuePrefix,
		Visibility: o.Visibility, MaxReceives: transcode.MaxReceives, Region: region})
	s3, err := localaws.NewS3(localaws.S3Options{Region: region, Credentials: o.Credentials,
		Buckets: []string{cfg.UploadsBucket, cfg.MediaBucket}, NotifyBucket: cfg.UploadsBucket, Log: o.Log,
		AllowedOrigins: o.AllowedOrigins,
		Notify:         func(ctx context.Context, body []byte) error { _, err := queue.Send(ctx, body); return err }})
	if err != nil {
		ln.Close()
		rdb.Close()
		return nil, err
	}
	// One local AWS endpoint: S3, and the SQS call the transcoder makes
	// (ChangeMessageVisibility), told apart by SQS's X-Amz-Target header.
	sqsAPI := localaws.SQSAPI(queue)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if localaws.IsSQS(r) {
			sqsAPI.ServeHTTP(w, r)
			return
		}
		s3.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()

	cfg.Function = "transcode"
	cfg.S3Endpoint = url
	cfg.SQSEndpoint = url
	t, closeT, err := transcode.New(cfg)
	if err != nil {
		srv.Close()
		rdb.Close()
		return nil, err
	}
	t.Log = o.Log.With("function", "transcode")
	worker := &localaws.Worker{Queue: queue, Function: lambda.NewHandler(t.Handle), Consumer: "local",
		Timeout: o.FunctionTimeout, Wait: time.Second, Log: o.Log}
	// S3 sends a test event when a bucket's notification is set up.
	if _, err := queue.Send(ctx, localaws.TestEvent(cfg.UploadsBucket, time.Now())); err != nil {
		o.Log.Warn("localdev: queue unavailable", "error", err.Error())
	}
	wctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { worker.Run(wctx); close(done) }()
	v := &Video{S3: s3, URL: url, Queue: queue, Worker: worker}
	v.stop = func() {
		cancel()
		<-done
		_ = srv.Close()
		closeT()
		_ = rdb.Close()
	}
	return v, nil
}

// Close stops the worker, the S3 endpoint and their clients.
func (v *Video) Close() { v.stop() }

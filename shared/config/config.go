// Package config reads a function's settings from its environment. The same binary
// runs in AWS and on a developer's machine: only these values differ.
package config

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Config is everything a function needs to build its clients.
type Config struct {
	// Function is the route-table name of this function (FUNCTION_NAME, set by the
	// stack and the local gateway), used in logs and metric dimensions.
	Function string
	// DatabaseURL is the writer DSN (RDS Proxy's default endpoint in AWS).
	DatabaseURL string
	// DatabaseReadURL is the read-only proxy endpoint used by GET routes; it falls
	// back to DatabaseURL when unset.
	DatabaseReadURL string
	// DBMaxConns caps each pool. One Lambda environment serves one request at a time
	// and RDS Proxy multiplexes, so 2 is plenty there; the local gateway raises it
	// because it serves many requests at once from one process.
	DBMaxConns int32
	// DBConnectTimeout bounds a connection attempt, so "Postgres is down" turns into
	// a fast 503 instead of a hung invocation.
	DBConnectTimeout time.Duration
	// DBIAMAuth signs in to RDS Proxy with IAM tokens (DB_IAM_AUTH, set by the
	// stack); AWSRegion is the region the tokens are for (AWS_REGION, set by Lambda).
	DBIAMAuth bool
	AWSRegion string

	// RedisAddr is host:port of Redis (ElastiCache's primary endpoint in AWS). Empty
	// disables the cache: every read goes to Postgres.
	RedisAddr     string
	RedisUsername string
	RedisPassword string
	RedisTLS      bool
	// RedisTimeout bounds every Redis dial, read and write. Redis only ever holds
	// derived data, so a slow Redis must cost milliseconds, never the request.
	RedisTimeout  time.Duration
	RedisPoolSize int
	// CachePrefix namespaces every key (tests use one prefix each).
	CachePrefix string
	// CacheLocalTTL is how long an environment keeps a value read from Redis in
	// memory (shared/cache/local.go); 0 turns the memory tier off.
	CacheLocalTTL time.Duration

	// MetricsNamespace is the CloudWatch namespace of the EMF documents.
	MetricsNamespace string

	// Video answers. UploadsBucket receives candidates' presigned uploads and
	// MediaBucket the transcoded HLS; MediaBaseURL is the URL serving the media
	// bucket's keys (empty: the site's own origin, where CloudFront serves
	// /media/*). S3Endpoint, when set, is an S3-compatible endpoint addressed
	// path-style (the local stack's); empty means AWS.
	UploadsBucket string
	MediaBucket   string
	MediaBaseURL  string
	S3Endpoint    string
	// SQSEndpoint, when set, is an SQS-compatible endpoint (the local stack's,
	// for the transcoder's ChangeMessageVisibility); empty means AWS.
	SQSEndpoint    string
	UploadMaxBytes int64
	// UploadURLTTL is how long a presigned upload stays valid.
	UploadURLTTL time.Duration
	// TranscodePreset is the x264 preset ("" for the transcoder's default).
	TranscodePreset string
}

// FromEnv reads the configuration. It reports every malformed value, not only the
// first, so one deploy fixes them all.
func FromEnv() (Config, error) {
	var errs []error
	c := Config{
		Function:         first(os.Getenv("FUNCTION_NAME"), os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), "local"),
		DatabaseURL:      os.Getenv("DATABASE_URL"),
		DatabaseReadURL:  os.Getenv("DATABASE_READ_URL"),
		RedisAddr:        os.Getenv("REDIS_ADDR"),
		AWSRegion:        os.Getenv("AWS_REGION"),
		RedisUsername:    os.Getenv("REDIS_USERNAME"),
		RedisPassword:    os.Getenv("REDIS_PASSWORD"),
		CachePrefix:      first(os.Getenv("CACHE_PREFIX"), "cq:"),
		MetricsNamespace: first(os.Getenv("METRICS_NAMESPACE"), "CivicQ"),
		UploadsBucket:    os.Getenv("UPLOADS_BUCKET"),
		MediaBucket:      os.Getenv("MEDIA_BUCKET"),
		MediaBaseURL:     os.Getenv("MEDIA_BASE_URL"),
		S3Endpoint:       os.Getenv("S3_ENDPOINT"),
		SQSEndpoint:      os.Getenv("SQS_ENDPOINT"),
		TranscodePreset:  os.Getenv("TRANSCODE_PRESET"),
	}
	c.UploadMaxBytes = int64(intVar("UPLOAD_MAX_BYTES", 500<<20, &errs))
	c.UploadURLTTL = durationVar("UPLOAD_URL_TTL", 15*time.Minute, &errs)
	if c.UploadMaxBytes < 1 {
		errs = append(errs, fmt.Errorf("UPLOAD_MAX_BYTES must be at least 1"))
	}
	if c.DatabaseReadURL == "" {
		c.DatabaseReadURL = c.DatabaseURL
	}
	c.DBMaxConns = int32(intVar("DB_MAX_CONNS", 2, &errs))
	c.DBConnectTimeout = durationVar("DB_CONNECT_TIMEOUT", 2*time.Second, &errs)
	c.RedisTLS = boolVar("REDIS_TLS", false, &errs)
	c.DBIAMAuth = boolVar("DB_IAM_AUTH", false, &errs)
	if c.DBIAMAuth && c.AWSRegion == "" {
		errs = append(errs, fmt.Errorf("DB_IAM_AUTH needs AWS_REGION"))
	}
	c.RedisTimeout = durationVar("REDIS_TIMEOUT", 150*time.Millisecond, &errs)
	c.RedisPoolSize = intVar("REDIS_POOL_SIZE", 4, &errs)
	c.CacheLocalTTL = durationVar("CACHE_LOCAL_TTL", time.Second, &errs, true)
	if c.DBMaxConns < 1 {
		errs = append(errs, fmt.Errorf("DB_MAX_CONNS must be at least 1"))
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %v", errs)
	}
	return c, nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func intVar(name string, def int, errs *[]error) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s=%q is not an integer", name, v))
		return def
	}
	return n
}

func boolVar(name string, def bool, errs *[]error) bool {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s=%q is not a boolean", name, v))
		return def
	}
	return b
}

func durationVar(name string, def time.Duration, errs *[]error, allowZero ...bool) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || (d == 0 && len(allowZero) == 0) {
		*errs = append(*errs, fmt.Errorf("%s=%q is not a positive duration such as 150ms", name, v))
		return def
	}
	return d
}

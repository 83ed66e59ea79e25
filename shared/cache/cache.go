// Package cache keeps derived data in Redis: cache-aside reads of public JSON, keyed
// by a per-city version so one increment invalidates everything a city shows.
//
// Postgres is the source of truth and Redis is only an accelerator, so every
// operation here fails open: a Redis error is counted and logged, and the caller
// loads from Postgres as if the key had been missing. A small circuit breaker stops
// a dead or unreachable Redis from costing each request its timeout.
package cache

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
	"golang.org/x/sync/singleflight"

	"github.com/civicq/civicq/shared/metrics"
)

// Options configure the Redis client.
type Options struct {
	Addr     string
	Username string
	Password string
	TLS      bool
	// Timeout bounds every dial, read and write.
	Timeout  time.Duration
	PoolSize int
}

// NewClient returns a go-redis client set up for ElastiCache from a Lambda: it does
// not connect until first use, honours context deadlines, sends no CLIENT SETINFO
// (DisableIdentity) and no maintenance-notification handshake (ElastiCache rejects
// both on some engine versions), and never retries: a retry would only double the
// time a request waits before falling back to Postgres.
func NewClient(o Options) *redis.Client {
	// go-redis logs every failed dial itself; the cache already logs one warning per
	// outage (see fail), so its own lines go to debug.
	quietOnce.Do(func() { redis.SetLogger(debugLogger{}) })
	opts := &redis.Options{
		Addr:         o.Addr,
		Username:     o.Username,
		Password:     o.Password,
		DialTimeout:  o.Timeout,
		ReadTimeout:  o.Timeout,
		WriteTimeout: o.Timeout,
		PoolTimeout:  o.Timeout,
		PoolSize:     o.PoolSize,
		MaxRetries:   -1, // -1 disables retries in go-redis (0 means the default of 3)
		// One dial attempt: go-redis otherwise dials 5 times with 100 ms pauses, half
		// a second (more against an unreachable host) before the fallback can start.
		DialerRetries:         1,
		DialerRetryTimeout:    time.Millisecond,
		ContextTimeoutEnabled: true,
		DisableIdentity:       true,
		Protocol:              2,
		MaintNotificationsConfig: &maintnotifications.Config{
			Mode: maintnotifications.ModeDisabled,
		},
	}
	if o.TLS {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return redis.NewClient(opts)
}

var quietOnce sync.Once

// debugLogger sends go-redis's internal log lines to slog at debug level.
type debugLogger struct{}

func (debugLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

// Cache is the fail-open cache-aside layer. A nil *Cache is valid and caches nothing,
// which is how a function runs when no Redis is configured.
type Cache struct {
	rdb      redis.Cmdable
	prefix   string
	log      *slog.Logger
	cooldown time.Duration
	// openUntil holds the UnixNano time until which Redis is skipped after a failure.
	openUntil atomic.Int64
	// seen remembers the last version read per city, so a read can fetch the
	// version and the value under that version in one pipelined round trip.
	seen sync.Map // city -> string
	// local keeps recent values in memory for a short while (see local.go), and
	// flight collapses concurrent loads of one key (Recent).
	local  *local
	flight singleflight.Group
	// rankDirty holds the contests whose ranking update failed (ranking.go).
	rankDirty sync.Map // contest id -> token
}

// New wraps a client. prefix namespaces every key ("cq:" in production, a random one
// per test).
func New(rdb redis.Cmdable, prefix string, log *slog.Logger) *Cache {
	if log == nil {
		log = slog.Default()
	}
	return &Cache{rdb: rdb, prefix: prefix, log: log, cooldown: 2 * time.Second, local: newLocal(0, 0)}
}

// SetLocalTTL turns on the in-memory tier (local.go) with the given lifetime,
// holding at most max values; 0 turns it off.
func (c *Cache) SetLocalTTL(ttl time.Duration, max int) { c.local = newLocal(ttl, max) }

// SetCooldown sets how long Redis is skipped after an error (tests shorten it).
func (c *Cache) SetCooldown(d time.Duration) { c.cooldown = d }

// ErrSkipped means the breaker is open: Redis failed recently and is not tried.
var ErrSkipped = errors.New("cache: redis skipped after a recent failure")

func (c *Cache) available() bool {
	return time.Now().UnixNano() >= c.openUntil.Load()
}

// fail records a Redis error: counted in the invocation's metrics, logged, and the
// breaker opened so the next requests go straight to Postgres.
func (c *Cache) fail(ctx context.Context, op string, err error) {
	metrics.FromContext(ctx).CacheError()
	c.openUntil.Store(time.Now().Add(c.cooldown).UnixNano())
	c.log.WarnContext(ctx, "redis unavailable, serving from postgres", "op", op, "error", err.Error(), "retry_in", c.cooldown.String())
}

// Ping checks Redis for the health route, bypassing the breaker.
func (c *Cache) Ping(ctx context.Context) error {
	if c == nil {
		return errors.New("cache: not configured")
	}
	return c.rdb.Ping(ctx).Err()
}

func (c *Cache) versionKey(city string) string { return c.prefix + "city:" + city + ":v" }

// Loader produces the value to cache on a miss.
type Loader func(ctx context.Context) ([]byte, error)

// City returns the cached value named name for a city, loading and storing it on a
// miss. Keys carry the city's version, so InvalidateCity makes every older entry
// unreachable at once, and a reader that loaded before a write can only fill the old
// version's key: no stale value outlives the write that changed it.
//
// A hit costs one round trip: the version and the value under the last version this
// environment saw are fetched in one pipeline, and only when the version has moved
// is the value fetched again under the new one.
//
// Errors from load are returned as they are; Redis errors never are.
func (c *Cache) City(ctx context.Context, city, name string, ttl time.Duration, load Loader) ([]byte, error) {
	if c == nil {
		return load(ctx)
	}
	m := metrics.FromContext(ctx)
	now := time.Now()
	if val, ok := c.local.get(city, name, now); ok {
		m.CacheHit()
		m.Count("CacheLocalHits", 1)
		return val, nil
	}
	if !c.available() {
		return load(ctx)
	}
	last := "0"
	if v, ok := c.seen.Load(city); ok {
		last = v.(string)
	}
	pipe := c.rdb.Pipeline()
	verCmd := pipe.Get(ctx, c.versionKey(city))
	valCmd := pipe.Get(ctx, c.valueKey(city, last, name))
	_, _ = pipe.Exec(ctx) // each command carries its own error
	ver, err := verCmd.Result()
	switch {
	case errors.Is(err, redis.Nil):
		ver = "0"
	case err != nil:
		c.fail(ctx, "get version", err)
		return load(ctx)
	}
	if ver != last {
		c.seen.Store(city, ver)
		valCmd = c.rdb.Get(ctx, c.valueKey(city, ver, name))
	}
	val, err := valCmd.Bytes()
	switch {
	case err == nil:
		m.CacheHit()
		c.local.put(city, name, val, now)
		return val, nil
	case !errors.Is(err, redis.Nil):
		c.fail(ctx, "get", err)
		return load(ctx)
	}
	m.CacheMiss()
	val, err = load(ctx)
	if err != nil {
		return nil, err
	}
	// Not kept in memory: only values read back from Redis are known to belong to
	// the current version, so the next read (a Redis hit) fills the local tier.
	if err := c.rdb.Set(ctx, c.valueKey(city, ver, name), val, ttl).Err(); err != nil {
		c.fail(ctx, "set", err)
	}
	return val, nil
}

func (c *Cache) valueKey(city, version, name string) string {
	return c.prefix + "city:" + city + ":" + version + ":" + name
}

// globalCity is the version key of data that belongs to no one city.
const globalCity = "_all"

// Global is City for data that belongs to no one city (the list of cities), under
// its own version key "all".
func (c *Cache) Global(ctx context.Context, name string, ttl time.Duration, load Loader) ([]byte, error) {
	return c.City(ctx, globalCity, name, ttl, load)
}

// InvalidateCity bumps a city's version (and the global one, since lists of cities
// show each city's next election). It reports the Redis error so a writer can log
// it, but a write must never fail because of it: entries expire by TTL anyway.
func (c *Cache) InvalidateCity(ctx context.Context, city string) error {
	if c == nil {
		return nil
	}
	c.local.dropCity(city)
	c.local.dropCity(globalCity)
	pipe := c.rdb.TxPipeline()
	pipe.Incr(ctx, c.versionKey(city))
	pipe.Incr(ctx, c.versionKey(globalCity))
	if _, err := pipe.Exec(ctx); err != nil {
		c.fail(ctx, "invalidate", err)
		return err
	}
	return nil
}

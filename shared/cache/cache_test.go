package cache

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/metrics"
	"github.com/civicq/civicq/shared/testenv"
)

// newTestCache is a cache on the test Redis. Its timeout is generous: these
// tests are about behaviour, and a loaded CI machine (the whole suite runs in
// parallel on 2 cores) can hold a healthy Redis reply past a production-tight
// timeout. Tests of a hung or absent Redis use newFaultCache.
func newTestCache(t *testing.T, addr string) *Cache {
	t.Helper()
	return newCacheWithTimeout(t, addr, 2*time.Second)
}

// newFaultCache is a cache with a production-like 150 ms timeout, for tests
// that point it at a hung or closed Redis and time what that costs.
func newFaultCache(t *testing.T, addr string) *Cache {
	t.Helper()
	return newCacheWithTimeout(t, addr, 150*time.Millisecond)
}

func newCacheWithTimeout(t *testing.T, addr string, timeout time.Duration) *Cache {
	t.Helper()
	rdb := NewClient(Options{Addr: addr, Timeout: timeout, PoolSize: 4})
	t.Cleanup(func() { _ = rdb.Close() })
	return New(rdb, testenv.KeyPrefix(t), nil)
}

// counting returns a loader that counts its calls and yields the given value.
func counting(calls *atomic.Int32, val string) Loader {
	return func(context.Context) ([]byte, error) {
		calls.Add(1)
		return []byte(val), nil
	}
}

func TestCityCacheAsideAndInvalidation(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	inv := metrics.NewInvocation("test", false)
	ctx := metrics.WithInvocation(context.Background(), inv)
	var calls atomic.Int32

	v, err := c.City(ctx, "riverton", "ballot", time.Minute, counting(&calls, "one"))
	require.NoError(t, err)
	require.Equal(t, "one", string(v))
	v, err = c.City(ctx, "riverton", "ballot", time.Minute, counting(&calls, "two"))
	require.NoError(t, err)
	require.Equal(t, "one", string(v), "second read must come from Redis")
	require.EqualValues(t, 1, calls.Load())

	// Another city's invalidation leaves this one cached.
	require.NoError(t, c.InvalidateCity(ctx, "lakeview"))
	v, _ = c.City(ctx, "riverton", "ballot", time.Minute, counting(&calls, "two"))
	require.Equal(t, "one", string(v))

	require.NoError(t, c.InvalidateCity(ctx, "riverton"))
	v, err = c.City(ctx, "riverton", "ballot", time.Minute, counting(&calls, "two"))
	require.NoError(t, err)
	require.Equal(t, "two", string(v), "invalidation must make the old entry unreachable")
	require.EqualValues(t, 2, calls.Load())
}

// A reader that loaded before a write must not be able to put its stale value where
// readers after the write will find it.
func TestStaleFillCannotOutliveInvalidation(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	ctx := context.Background()
	slowLoad := func(ctx context.Context) ([]byte, error) {
		// The write (and its invalidation) lands while this reader is loading.
		require.NoError(t, c.InvalidateCity(ctx, "riverton"))
		return []byte("stale"), nil
	}
	_, err := c.City(ctx, "riverton", "ballot", time.Minute, slowLoad)
	require.NoError(t, err)
	var calls atomic.Int32
	v, err := c.City(ctx, "riverton", "ballot", time.Minute, counting(&calls, "fresh"))
	require.NoError(t, err)
	require.Equal(t, "fresh", string(v))
}

func TestLoaderErrorsPassThroughAndAreNotCached(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	boom := errors.New("boom")
	_, err := c.City(context.Background(), "riverton", "x", time.Minute, func(context.Context) ([]byte, error) { return nil, boom })
	require.ErrorIs(t, err, boom)
	var calls atomic.Int32
	v, err := c.City(context.Background(), "riverton", "x", time.Minute, counting(&calls, "ok"))
	require.NoError(t, err)
	require.Equal(t, "ok", string(v))
}

func TestRedisDownFailsOpenFastAndOpensBreaker(t *testing.T) {
	c := newFaultCache(t, testenv.ClosedPort(t))
	inv := metrics.NewInvocation("test", false)
	ctx := metrics.WithInvocation(context.Background(), inv)
	var calls atomic.Int32
	start := time.Now()
	for i := 0; i < 50; i++ {
		v, err := c.City(ctx, "riverton", "ballot", time.Minute, counting(&calls, "db"))
		require.NoError(t, err)
		require.Equal(t, "db", string(v))
	}
	require.EqualValues(t, 50, calls.Load(), "every read must fall back to the loader")
	require.Less(t, time.Since(start), 2*time.Second)
	require.False(t, c.available(), "the breaker must be open after a failure")
	require.Error(t, c.InvalidateCity(ctx, "riverton"), "invalidate must report the redis error")
}

func TestBreakerClosesAfterCooldown(t *testing.T) {
	addr := testenv.RedisAddr(t)
	c := newTestCache(t, addr)
	c.SetCooldown(50 * time.Millisecond)
	c.fail(context.Background(), "test", errors.New("simulated"))
	var calls atomic.Int32
	_, _ = c.City(context.Background(), "riverton", "b", time.Minute, counting(&calls, "db"))
	_, _ = c.City(context.Background(), "riverton", "b", time.Minute, counting(&calls, "db"))
	require.EqualValues(t, 2, calls.Load(), "while open, Redis is skipped and nothing is cached")
	time.Sleep(60 * time.Millisecond)
	_, _ = c.City(context.Background(), "riverton", "b", time.Minute, counting(&calls, "db"))
	_, _ = c.City(context.Background(), "riverton", "b", time.Minute, counting(&calls, "db"))
	require.EqualValues(t, 3, calls.Load(), "after the cooldown Redis is used again")
}

func TestNilCacheLoadsEveryTime(t *testing.T) {
	var c *Cache
	var calls atomic.Int32
	_, err := c.City(context.Background(), "riverton", "b", time.Minute, counting(&calls, "db"))
	require.NoError(t, err)
	require.NoError(t, c.InvalidateCity(context.Background(), "riverton"))
	require.EqualValues(t, 1, calls.Load())
}

func TestLocalTierServesForItsTTLAndInvalidationClearsIt(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	c.SetLocalTTL(200*time.Millisecond, 16)
	ctx := context.Background()
	var calls atomic.Int32
	_, _ = c.City(ctx, "riverton", "b", time.Minute, counting(&calls, "v1")) // miss: fill Redis
	_, _ = c.City(ctx, "riverton", "b", time.Minute, counting(&calls, "v1")) // Redis hit: fill memory

	// Another environment's write: Redis moves on, this environment's memory does not
	// until its TTL runs out.
	other := New(c.rdb, c.prefix, nil)
	require.NoError(t, other.InvalidateCity(ctx, "riverton"))
	v, _ := c.City(ctx, "riverton", "b", time.Minute, counting(&calls, "v2"))
	require.Equal(t, "v1", string(v), "served from memory within its TTL")
	time.Sleep(250 * time.Millisecond)
	v, _ = c.City(ctx, "riverton", "b", time.Minute, counting(&calls, "v2"))
	require.Equal(t, "v2", string(v), "after the TTL the new version shows")

	// This environment's own write shows at once.
	_, _ = c.City(ctx, "riverton", "b", time.Minute, counting(&calls, "v2")) // memory filled again
	require.NoError(t, c.InvalidateCity(ctx, "riverton"))
	v, _ = c.City(ctx, "riverton", "b", time.Minute, counting(&calls, "v3"))
	require.Equal(t, "v3", string(v))
}

func TestLocalTierIsBounded(t *testing.T) {
	l := newLocal(time.Minute, 4)
	now := time.Now()
	for i := 0; i < 10; i++ {
		l.put("c", string(rune('a'+i)), []byte("x"), now)
		require.LessOrEqual(t, len(l.entries), 4)
	}
	_, ok := l.get("c", "j", now)
	require.True(t, ok)
	_, ok = l.get("c", "j", now.Add(time.Minute))
	require.False(t, ok, "expired")
}

// hungRedis accepts connections and never answers: a Redis that is overloaded or
// half-dead, the worst case for a caller without timeouts.
func hungRedis(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	return l.Addr().String()
}

func TestHungRedisCostsOneTimeoutThenIsSkipped(t *testing.T) {
	c := newFaultCache(t, hungRedis(t))
	var calls atomic.Int32
	start := time.Now()
	v, err := c.City(context.Background(), "riverton", "ballot", time.Minute, counting(&calls, "db"))
	first := time.Since(start)
	require.NoError(t, err)
	require.Equal(t, "db", string(v))
	require.Less(t, first, time.Second, "bounded by the Redis timeout")

	start = time.Now()
	for i := 0; i < 100; i++ {
		_, err := c.City(context.Background(), "riverton", "ballot", time.Minute, counting(&calls, "db"))
		require.NoError(t, err)
	}
	require.Less(t, time.Since(start), 100*time.Millisecond, "with the breaker open, Redis is not waited for")
	require.EqualValues(t, 101, calls.Load())
}

func TestRecentReusesWithinTTLAndLoadsOnce(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	c.SetLocalTTL(100*time.Millisecond, 16)
	var calls atomic.Int32
	slow := func(ctx context.Context) ([]byte, error) {
		calls.Add(1)
		time.Sleep(20 * time.Millisecond)
		return []byte("page"), nil
	}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Recent(context.Background(), "contest", "list:top", slow)
			require.NoError(t, err)
			require.Equal(t, "page", string(v))
		}()
	}
	wg.Wait()
	require.EqualValues(t, 1, calls.Load(), "concurrent misses share one load")
	time.Sleep(120 * time.Millisecond)
	_, _ = c.Recent(context.Background(), "contest", "list:top", slow)
	require.EqualValues(t, 2, calls.Load(), "reloaded after the TTL")

	c.SetLocalTTL(0, 0)
	_, _ = c.Recent(context.Background(), "contest", "list:top", slow)
	_, _ = c.Recent(context.Background(), "contest", "list:top", slow)
	require.EqualValues(t, 4, calls.Load(), "without the tier every call loads")
}

package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/metrics"
	"github.com/civicq/civicq/shared/testenv"
)

// electionMorning is 09:00 UTC; day windows start at UTC midnight.
var electionMorning = time.Date(2026, time.November, 3, 9, 0, 0, 0, time.UTC)

// allowed calls allowAt and requires it to succeed against Redis.
func allowed(t *testing.T, c *Cache, subject string, l Limit, now time.Time) Decision {
	t.Helper()
	d, err := c.allowAt(context.Background(), subject, l, now)
	require.NoError(t, err)
	require.False(t, d.FailedOpen, "Redis is up")
	return d
}

// requireRetryAfterExact checks that a denial's RetryAfter is the earliest whole
// second at which one more event is allowed: a second earlier is still denied
// (which, denials not counting, changes nothing), and at RetryAfter it is allowed.
func requireRetryAfterExact(t *testing.T, c *Cache, subject string, l Limit, now time.Time, d Decision) {
	t.Helper()
	require.False(t, d.Allowed)
	require.GreaterOrEqual(t, d.RetryAfter, time.Second)
	require.Zero(t, d.RetryAfter%time.Second, "whole seconds")
	early := allowed(t, c, subject, l, now.Add(d.RetryAfter-time.Second))
	require.False(t, early.Allowed, "a second before RetryAfter must still be denied")
	require.True(t, allowed(t, c, subject, l, now.Add(d.RetryAfter)).Allowed, "at RetryAfter one more must be allowed")
}

func TestAllowExactlyMaxThenDenies(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	l := QuestionsPerDay(DefaultQuestionsPerDay)
	now := electionMorning
	for i := range 10 {
		d := allowed(t, c, "riverton:42", l, now.Add(time.Duration(i)*time.Minute))
		require.Equal(t, Decision{Allowed: true, Remaining: 9 - i}, d, "question %d", i+1)
	}
	now = now.Add(10 * time.Minute)
	d := allowed(t, c, "riverton:42", l, now)
	require.False(t, d.Allowed)
	require.Zero(t, d.Remaining)
	// Ten at 09:00-09:09: the 11th comes back just after midnight (see ratelimit.go),
	// rounded up to the second.
	require.Equal(t, 14*time.Hour+50*time.Minute+time.Second, d.RetryAfter)
	requireRetryAfterExact(t, c, "riverton:42", l, now, d)
}

func TestDeniedAttemptsDoNotConsume(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	l := VotesPerHour(3)
	now := electionMorning.Add(20 * time.Minute)
	for range 3 {
		require.True(t, allowed(t, c, "riverton:42", l, now).Allowed)
	}
	first := allowed(t, c, "riverton:42", l, now)
	require.False(t, first.Allowed)
	free := now.Add(first.RetryAfter)
	// A resident who keeps clicking, every 7 seconds: each answer points at the same
	// moment, and that moment does not move.
	for tick := now; tick.Before(free); tick = tick.Add(7 * time.Second) {
		d := allowed(t, c, "riverton:42", l, tick)
		require.False(t, d.Allowed, "at %v", tick)
		require.Equal(t, free, tick.Add(d.RetryAfter), "at %v", tick)
	}
	require.True(t, allowed(t, c, "riverton:42", l, free).Allowed)
}

func TestQuotaComesBackAsTheWindowSlides(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	l := Limit{Name: "votes", Max: 5, Window: time.Hour}
	fill := electionMorning.Add(10 * time.Minute)
	for range 5 {
		require.True(t, allowed(t, c, "u", l, fill).Allowed)
	}
	// At 10:00 the previous hour still counts in full.
	require.False(t, allowed(t, c, "u", l, electionMorning.Add(time.Hour)).Allowed)
	// At 10:12 it counts for 4 of its 5: one more.
	at := electionMorning.Add(time.Hour + 12*time.Minute)
	d := allowed(t, c, "u", l, at)
	require.Equal(t, Decision{Allowed: true, Remaining: 0}, d)
	// The estimate is now 4 + 1, the limit: one more as soon as the weight is below 4.
	d = allowed(t, c, "u", l, at)
	require.False(t, d.Allowed)
	require.Equal(t, time.Second, d.RetryAfter)
	requireRetryAfterExact(t, c, "u", l, at, d)
	// Two in this window: the next when the previous hour weighs below 3, at 10:24.
	at = at.Add(time.Second)
	d = allowed(t, c, "u", l, at)
	require.False(t, d.Allowed)
	require.Equal(t, 12*time.Minute, d.RetryAfter)
	requireRetryAfterExact(t, c, "u", l, at, d)
	// Two windows on, nothing is left: the whole quota again.
	later := electionMorning.Add(3 * time.Hour)
	for i := range 5 {
		d := allowed(t, c, "u", l, later)
		require.Equal(t, Decision{Allowed: true, Remaining: 4 - i}, d)
	}
	require.False(t, allowed(t, c, "u", l, later).Allowed)
}

// The real clock: a short window, waited out.
func TestAllowWithTheRealClock(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	l := Limit{Name: "votes", Max: 2, Window: 200 * time.Millisecond}
	ctx := context.Background()
	for range 2 {
		d, err := c.Allow(ctx, "u", l)
		require.NoError(t, err)
		require.True(t, d.Allowed)
	}
	d, err := c.Allow(ctx, "u", l)
	require.NoError(t, err)
	require.False(t, d.Allowed)
	require.Equal(t, time.Second, d.RetryAfter, "rounded up to a whole second")
	time.Sleep(2 * l.Window) // two window boundaries: nothing counts any more
	for range 2 {
		d, err := c.Allow(ctx, "u", l)
		require.NoError(t, err)
		require.True(t, d.Allowed)
	}
}

// Hammering at random moments: every denial's RetryAfter is exact, and what is let
// through stays within the documented bounds: at most Max per calendar window and
// at most 2·Max in any sliding window.
func TestRetryAfterExactAndErrorBound(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	rng := rand.New(rand.NewPCG(1, 2))
	for run := range 6 {
		l := Limit{Name: "votes", Max: 1 + rng.IntN(12), Window: time.Hour}
		subject := fmt.Sprintf("run%d", run)
		now := electionMorning.Add(time.Duration(rng.Int64N(int64(time.Hour))))
		end := now.Add(8 * time.Hour)
		var admitted []time.Time
		for now.Before(end) {
			d := allowed(t, c, subject, l, now)
			if d.Allowed {
				admitted = append(admitted, now)
			} else {
				requireRetryAfterExact(t, c, subject, l, now, d)
				now = now.Add(d.RetryAfter)
				admitted = append(admitted, now)
			}
			now = now.Add(time.Duration(rng.Int64N(int64(l.Window) / int64(2*l.Max))))
		}
		perWindow := map[int64]int{}
		for i, at := range admitted {
			perWindow[at.UnixMilli()/l.Window.Milliseconds()]++
			n := 0
			for _, before := range admitted[:i+1] {
				if at.Sub(before) < l.Window {
					n++
				}
			}
			require.LessOrEqual(t, n, 2*l.Max, "sliding window ending %v", at)
		}
		for w, n := range perWindow {
			require.LessOrEqual(t, n, l.Max, "window %d", w)
		}
		// Hammered for 8 hours, a resident gets the limit's rate.
		require.GreaterOrEqual(t, len(admitted), 8*l.Max, "max %d", l.Max)
	}
}

// admits is the script's rule: an event is allowed while the estimate is below limit.
func admits(cur, prev, e, size, limit int64) bool { return prev*(size-e) < (limit-cur)*size }

// waitMillis and the Remaining formula, checked millisecond by millisecond against
// the rule itself (RetryAfter's rounding to seconds would hide an off-by-one).
func TestWaitMillisIsTheFirstAllowedMillisecond(t *testing.T) {
	const size = 40
	for limit := int64(1); limit <= 6; limit++ {
		for prev := int64(0); prev <= limit+1; prev++ { // +1: a city that lowered its limit
			for cur := int64(0); cur <= limit+1; cur++ {
				for e := int64(0); e < size; e++ {
					if admits(cur, prev, e, size, limit) {
						if cur >= limit {
							continue
						}
						want := int64(0) // Remaining after admitting one more
						for admits(cur+1+want, prev, e, size, limit) {
							want++
						}
						require.EqualValues(t, want, remaining(cur+1, prev, e, size, limit), "limit %d prev %d cur %d e %d", limit, prev, cur, e)
						continue
					}
					// Walk forward: the rest of this window, then the next one, in which
					// this window's count becomes the previous one.
					wait := int64(-1)
					for d := int64(1); d <= 2*size; d++ {
						at := e + d
						if (at < size && admits(cur, prev, at, size, limit)) ||
							(at >= size && admits(0, cur, at-size, size, limit)) {
							wait = d
							break
						}
					}
					require.Equal(t, wait, waitMillis(cur, prev, e, size, limit), "limit %d prev %d cur %d e %d", limit, prev, cur, e)
				}
			}
		}
	}
}

func TestLimitsAreIsolated(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	l := VotesPerHour(2)
	now := electionMorning
	for range 2 {
		require.True(t, allowed(t, c, "riverton:1", l, now).Allowed)
	}
	require.False(t, allowed(t, c, "riverton:1", l, now).Allowed)

	require.True(t, allowed(t, c, "riverton:2", l, now).Allowed, "another user")
	require.True(t, allowed(t, c, "lakeview:1", l, now).Allowed, "the same user id in another city")
	require.True(t, allowed(t, c, "riverton:1", QuestionsPerDay(2), now).Allowed, "another limit")
	require.True(t, allowed(t, c, "riverton:1", Limit{Name: "votes", Max: 2, Window: time.Minute}, now).Allowed,
		"another window")

	other := New(c.rdb, testenv.KeyPrefix(t), nil)
	require.True(t, allowed(t, other, "riverton:1", l, now).Allowed, "another key prefix")
}

func TestConcurrentAllowAdmitsExactlyMax(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	l := VotesPerHour(10)
	var ok, denied atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 3 {
				d, err := c.Allow(context.Background(), "riverton:42", l)
				if err != nil || d.FailedOpen {
					t.Errorf("Allow: %+v, %v", d, err)
					return
				}
				if d.Allowed {
					ok.Add(1)
				} else {
					denied.Add(1)
				}
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, 10, ok.Load())
	require.EqualValues(t, 140, denied.Load())
}

func TestRateKeyExpiresByItself(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	l := VotesPerHour(5)
	now := electionMorning.Add(15 * time.Minute)
	allowed(t, c, "u", l, now)
	ttl, err := c.rdb.PTTL(context.Background(), c.rateKey("u", l)).Result()
	require.NoError(t, err)
	// It counts until the end of the next window: 45 + 60 minutes.
	require.InDelta(t, float64(105*time.Minute), float64(ttl), float64(time.Second))
}

// An environment whose clock is a little behind, at a window boundary, must count
// in the window another environment already moved to, not wipe it.
func TestClockBehindDoesNotWipeNewerWindow(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	l := Limit{Name: "votes", Max: 10, Window: time.Hour}
	for range 5 {
		require.True(t, allowed(t, c, "u", l, electionMorning.Add(30*time.Minute)).Allowed)
	}
	boundary := electionMorning.Add(time.Hour)
	require.True(t, allowed(t, c, "u", l, boundary.Add(time.Millisecond)).Allowed, "ahead")
	require.True(t, allowed(t, c, "u", l, boundary.Add(-2*time.Millisecond)).Allowed, "behind")
	// Just after the boundary the previous hour's 5 still weigh almost 5, so 5 more
	// fit: 4 more after the two above. (Had the late environment reset the key to its
	// own window, the previous hour would weigh 1 and 9 would fit.)
	n := 0
	for range 10 {
		if allowed(t, c, "u", l, boundary.Add(time.Millisecond)).Allowed {
			n++
		}
	}
	require.Equal(t, 4, n)
}

func TestRedisDownFailsOpenFast(t *testing.T) {
	var logs bytes.Buffer
	rdb := NewClient(Options{Addr: testenv.ClosedPort(t), Timeout: 150 * time.Millisecond, PoolSize: 4})
	t.Cleanup(func() { _ = rdb.Close() })
	c := New(rdb, testenv.KeyPrefix(t), slog.New(slog.NewTextHandler(&logs, nil)))
	inv := metrics.NewInvocation("vote", false)
	ctx := metrics.WithInvocation(context.Background(), inv)

	start := time.Now()
	for range 20 {
		d, err := c.Allow(ctx, "riverton:42", VotesPerHour(100))
		require.NoError(t, err)
		require.Equal(t, Decision{Allowed: true, FailedOpen: true}, d)
	}
	require.Less(t, time.Since(start), time.Second)
	require.False(t, c.available(), "the error must open the breaker")

	var emf bytes.Buffer
	require.NoError(t, inv.WriteEMF(&emf, "CivicQ", time.Millisecond, time.Now()))
	require.Contains(t, emf.String(), "RateLimitFailOpen")
	var doc map[string]any
	require.NoError(t, json.Unmarshal(emf.Bytes(), &doc))
	require.EqualValues(t, 20, doc["RateLimitFailOpen"])
	require.EqualValues(t, 1, doc[metrics.MetricCacheErrors], "one error, then the breaker skips Redis")
	require.Contains(t, logs.String(), "rate limit not enforced")
	require.Contains(t, logs.String(), "limit=votes")
}

func TestCanceledRequestDoesNotOpenBreaker(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, err := c.Allow(ctx, "u", VotesPerHour(5))
	require.NoError(t, err)
	require.True(t, d.Allowed && d.FailedOpen)
	require.True(t, c.available(), "a caller that went away says nothing about Redis")
	d, err = c.Allow(context.Background(), "u", VotesPerHour(5))
	require.NoError(t, err)
	require.Equal(t, Decision{Allowed: true, Remaining: 4}, d)
}

func TestNilCacheFailsOpen(t *testing.T) {
	var c *Cache
	inv := metrics.NewInvocation("vote", false)
	d, err := c.Allow(metrics.WithInvocation(context.Background(), inv), "u", VotesPerHour(5))
	require.NoError(t, err)
	require.Equal(t, Decision{Allowed: true, FailedOpen: true}, d)
	var emf bytes.Buffer
	require.NoError(t, inv.WriteEMF(&emf, "CivicQ", time.Millisecond, time.Now()))
	require.Contains(t, emf.String(), `"RateLimitFailOpen":1`)
}

// A city may set questions_per_day to 0: nobody may post, whether or not Redis is up.
func TestMaxZeroAllowsNothing(t *testing.T) {
	down := newFaultCache(t, testenv.ClosedPort(t))
	inv := metrics.NewInvocation("question", false)
	ctx := metrics.WithInvocation(context.Background(), inv)
	for _, c := range []*Cache{newTestCache(t, testenv.RedisAddr(t)), down, nil} {
		for _, n := range []int{0, -1} {
			d, err := c.Allow(ctx, "riverton:42", QuestionsPerDay(n))
			require.NoError(t, err)
			require.Equal(t, Decision{RetryAfter: 24 * time.Hour}, d)
		}
	}
	require.True(t, down.available(), "Redis is not asked")
	var emf bytes.Buffer
	require.NoError(t, inv.WriteEMF(&emf, "CivicQ", time.Millisecond, time.Now()))
	require.NotContains(t, emf.String(), "RateLimitFailOpen")
}

func TestInvalidLimitIsAnError(t *testing.T) {
	c := newTestCache(t, testenv.RedisAddr(t))
	for _, l := range []Limit{
		{Name: "", Max: 1, Window: time.Hour},
		{Name: "a:b", Max: 1, Window: time.Hour},
		{Name: "votes", Max: 1, Window: 0},
		{Name: "votes", Max: 1, Window: time.Microsecond},
		{Name: "votes", Max: 1 << 40, Window: 24 * time.Hour},
	} {
		_, err := c.Allow(context.Background(), "u", l)
		require.Error(t, err, "%+v", l)
		var nilCache *Cache
		_, err = nilCache.Allow(context.Background(), "u", l)
		require.Error(t, err, "%+v on a nil cache", l)
	}
}

func BenchmarkAllow(b *testing.B) {
	rdb := NewClient(Options{Addr: testenv.RedisAddr(b), Timeout: time.Second, PoolSize: 8})
	b.Cleanup(func() { _ = rdb.Close() })
	c := New(rdb, testenv.KeyPrefix(b), nil)
	ctx := context.Background()
	l := Limit{Name: "votes", Max: 1 << 28, Window: time.Hour}
	b.ReportAllocs()
	for b.Loop() {
		d, err := c.Allow(ctx, "riverton:42", l)
		if err != nil || !d.Allowed || d.FailedOpen {
			b.Fatalf("Allow: %+v, %v", d, err)
		}
	}
}

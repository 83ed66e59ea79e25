package cache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/civicq/civicq/shared/metrics"
)

// Per-user rate limits, counted in Redis.
//
// # Algorithm: sliding-window counter
//
// Time is cut into fixed windows of the limit's length, aligned on the Unix epoch
// (for a day: UTC midnight). A subject keeps two counters, the current window's (cur)
// and the previous one's (prev), and estimates the events in the sliding window
// [now−Window, now] as
//
//	prev·(1−f) + cur
//
// where f is the fraction of the current window elapsed: the previous window counts
// for the part of it the sliding window still overlaps, as if its events had been
// spread evenly. An event is allowed while the estimate is below Max. With an empty
// previous window that admits exactly Max. The comparison is exact, in integer
// milliseconds.
//
// Why this rather than GCRA (a token bucket): both take O(1) memory and one round
// trip, but a token bucket of Max tokens refilled at Max per Window lets a resident
// post Max questions at once and then keep going at the refill rate, close to 2·Max
// in a day, every day. The sliding-window counter never admits more than Max within
// one calendar window, and only a resident who times events at a window boundary can
// come near the bound below.
//
// Error bound. Within one calendar window at most Max events are admitted, so over n
// consecutive windows at most n·Max: the long-run rate never exceeds Max per Window,
// and a resident who keeps trying gets exactly that. A sliding window (now−Window,
// now] holds at most the previous window's tail (≤ prev ≤ Max) plus the current
// window's events (fewer than Max − prev·(1−f) + 1), so at most 2·Max events, reached
// only when the previous window's events were bunched at its very end. The error
// also runs the other way: the estimate counts prev·(1−f) events even if they all
// happened before now−Window, so a resident can be refused while the true window
// holds fewer than Max; the quota then comes back one event per Window/prev.
// Example, 10 questions a day: ten questions at 09:00 UTC; the 11th is refused until
// just after midnight UTC, after which one more comes back every 2.4 hours.
//
// Denied events are not counted, so a resident who keeps clicking after the limit
// waits no longer than one who stops.
//
// # Storage
//
// One Redis hash per subject and limit, {w: window index, c: cur, p: prev}, read,
// checked and updated by one Lua script (one round trip, atomic, so concurrent
// requests can never together exceed the limit). The script touches a single key,
// so it needs no hash tag in cluster mode. The key expires by itself at the end of
// the next window, after which it would no longer count.
//
// The time comes from the caller (the Lambda's clock, NTP-synced), which lets tests
// simulate time. Should an environment whose clock runs behind meet a key already
// moved to the next window by another environment, the script counts in that newer
// window rather than wiping it.

// Limit is one rule: at most Max events per Window.
//
// Name names the kind of event ("questions", "votes"); it is part of the Redis key,
// so it must be non-empty and contain no ':'. Window must be at least a millisecond.
// Max is the per-city setting; Max <= 0 means the event is not allowed at all (a
// city whose questions_per_day is 0 takes no questions).
type Limit struct {
	Name   string
	Max    int
	Window time.Duration
}

// The defaults of the per-city settings (cities.questions_per_day and
// cities.votes_per_hour).
const (
	DefaultQuestionsPerDay = 10
	DefaultVotesPerHour    = 100
)

// QuestionsPerDay is the limit on the questions a user may submit in a day, n being
// the city's setting. Callers build limits here so that every route counts under
// the same name.
func QuestionsPerDay(n int) Limit { return Limit{Name: "questions", Max: n, Window: 24 * time.Hour} }

// VotesPerHour is the limit on the votes a user may cast in an hour, n being the
// city's setting.
func VotesPerHour(n int) Limit { return Limit{Name: "votes", Max: n, Window: time.Hour} }

// Decision is the outcome of Allow.
type Decision struct {
	// Allowed reports whether the event may happen; it was counted if so.
	Allowed bool
	// Remaining is how many more events would be allowed right now (0 when denied
	// and when FailedOpen).
	Remaining int
	// RetryAfter, when denied, is how long until one more event would be allowed,
	// in whole seconds and at least one: the value for a Retry-After header. It
	// assumes no other event of the subject is allowed meanwhile. 0 when allowed.
	RetryAfter time.Duration
	// FailedOpen reports that Redis could not be asked, so the event was allowed
	// without being counted.
	FailedOpen bool
}

// maxLimitProduct bounds Max times Window in milliseconds, so the script's
// arithmetic (Lua numbers are doubles, exact below 2^53) stays exact even with
// counts left over from a larger Max. At a day's window it allows Max up to 13
// million.
const maxLimitProduct = 1 << 50

// rateScript implements the sliding-window counter described above.
//
// KEYS[1]: the subject's hash. ARGV: window index, elapsed ms in the window, window
// ms, Max. Returns {allowed (0/1), cur, prev, the window index counted in}, cur
// including this event when allowed.
var rateScript = redis.NewScript(`
local w = tonumber(ARGV[1])
local e = tonumber(ARGV[2])
local size = tonumber(ARGV[3])
local max = tonumber(ARGV[4])
local s = redis.call('HMGET', KEYS[1], 'w', 'c', 'p')
local sw = tonumber(s[1])
local cur, prev = 0, 0
if sw and sw > w then
  w, e = sw, 0
end
if sw == w then
  cur, prev = tonumber(s[2]) or 0, tonumber(s[3]) or 0
elseif sw == w - 1 then
  prev = tonumber(s[2]) or 0
end
if prev * (size - e) >= (max - cur) * size then
  return {0, cur, prev, w}
end
cur = cur + 1
redis.call('HSET', KEYS[1], 'w', w, 'c', cur, 'p', prev)
redis.call('PEXPIRE', KEYS[1], 2 * size - e)
return {1, cur, prev, w}
`)

// Allow records one event for subject (for example "<city>:<user>") under l and
// says whether it is allowed. Denied events are not recorded.
//
// Like the rest of the package it fails open: when Redis is unavailable (the
// breaker is open, or the call fails) the event is allowed with FailedOpen set, the
// invocation's RateLimitFailOpen counter is incremented and a warning is logged;
// errors open the breaker. A nil *Cache fails open too, without logging. A limit
// with Max <= 0 denies without asking Redis, with RetryAfter one Window.
//
// The error is non-nil only for an invalid Limit (a programming mistake); Redis
// problems never produce one.
func (c *Cache) Allow(ctx context.Context, subject string, l Limit) (Decision, error) {
	return c.allowAt(ctx, subject, l, time.Now())
}

// allowAt is Allow at the given time, the seam that lets tests simulate time.
func (c *Cache) allowAt(ctx context.Context, subject string, l Limit, now time.Time) (Decision, error) {
	size := l.Window.Milliseconds()
	switch {
	case l.Name == "" || strings.Contains(l.Name, ":"):
		return Decision{}, fmt.Errorf("cache: rate limit name %q must be non-empty and contain no ':'", l.Name)
	case size < 1:
		return Decision{}, fmt.Errorf("cache: rate limit %q: window %v is shorter than a millisecond", l.Name, l.Window)
	case l.Max > 0 && int64(l.Max) > maxLimitProduct/size:
		return Decision{}, fmt.Errorf("cache: rate limit %q: %d per %v is too large", l.Name, l.Max, l.Window)
	}
	if l.Max <= 0 {
		return Decision{RetryAfter: retryAfter(size)}, nil
	}
	if c == nil {
		metrics.FromContext(ctx).Count("RateLimitFailOpen", 1)
		return Decision{Allowed: true, FailedOpen: true}, nil
	}
	if !c.available() {
		return c.failOpen(ctx, subject, l, "breaker open"), nil
	}

	ms := now.UnixMilli()
	w, e := ms/size, ms%size
	limit := int64(l.Max)
	res, err := rateScript.Run(ctx, c.rdb, []string{c.rateKey(subject, l)}, w, e, size, limit).Int64Slice()
	if err == nil && len(res) != 4 {
		err = fmt.Errorf("rate limit script returned %d values, want 4", len(res))
	}
	if err != nil {
		// A caller that gave up (a client that went away) says nothing about Redis:
		// the request is over, but the next ones should still be limited.
		if ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
			c.fail(ctx, "ratelimit "+l.Name, err)
		}
		return c.failOpen(ctx, subject, l, "error"), nil
	}
	allowed, cur, prev := res[0] == 1, res[1], res[2]
	if res[3] != w {
		e = 0 // counted in the next window (see the script); this one is over
	}
	if !allowed {
		return Decision{RetryAfter: retryAfter(waitMillis(cur, prev, e, size, limit))}, nil
	}
	return Decision{Allowed: true, Remaining: remaining(cur, prev, e, size, limit)}, nil
}

// remaining returns how many more events would be admitted now, cur counting the
// one just admitted: the largest n with prev·(size−e) < (limit−(cur+n−1))·size.
func remaining(cur, prev, e, size, limit int64) int {
	return int(max(limit-cur-prev*(size-e)/size, 0))
}

// waitMillis returns how long, in milliseconds from elapsed e into the current
// window, until one more event is allowed given the window's count cur and the
// previous one's prev, if nothing else is counted meanwhile.
func waitMillis(cur, prev, e, size, limit int64) int64 {
	if cur < limit {
		// Refused for the previous window's weight (so prev > 0), which falls to zero
		// by the end of this one: the first e' with prev·(size−e') < (limit−cur)·size.
		return size - ceilDiv((limit-cur)*size, prev) + 1 - e
	}
	// This window is full: in the next one, cur becomes the previous count, so the
	// first e' there with cur·(size−e') < limit·size.
	return size - e + size - ceilDiv(limit*size, cur) + 1
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// retryAfter rounds a wait in milliseconds up to whole seconds, at least one.
func retryAfter(ms int64) time.Duration {
	return time.Duration(max((ms+999)/1000, 1)) * time.Second
}

// failOpen allows an event Redis could not count, and says so.
func (c *Cache) failOpen(ctx context.Context, subject string, l Limit, reason string) Decision {
	metrics.FromContext(ctx).Count("RateLimitFailOpen", 1)
	c.log.WarnContext(ctx, "rate limit not enforced: redis unavailable", "limit", l.Name, "subject", subject, "reason", reason)
	return Decision{Allowed: true, FailedOpen: true}
}

// rateKey names the counters of one subject under one limit. The window's length is
// part of the key, so a change of Window starts afresh instead of misreading counts.
func (c *Cache) rateKey(subject string, l Limit) string {
	return c.prefix + "rl:" + l.Name + ":" + strconv.FormatInt(l.Window.Milliseconds(), 10) + ":" + subject
}

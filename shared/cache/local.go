package cache

import (
	"context"
	"sync"
	"time"

	"github.com/civicq/civicq/shared/metrics"
)

// local is the in-memory tier in front of Redis: what one execution environment read
// in the last ttl. A Lambda environment lives for minutes to hours and serves one
// request at a time, so on an election-night spike the same ballot is asked for
// thousands of times per second per city; keeping it for one second saves a Redis
// round trip on nearly all of them.
//
// The price is bounded staleness: a write made through another environment shows
// here at most ttl later (a write through this environment clears it at once). That
// is far below the CDN's own s-maxage, so no reader can tell the difference.
type local struct {
	ttl time.Duration
	max int

	mu      sync.RWMutex
	entries map[localKey]localEntry
}

type localKey struct{ city, name string }

type localEntry struct {
	val     []byte
	expires time.Time
}

func newLocal(ttl time.Duration, max int) *local {
	return &local{ttl: ttl, max: max, entries: make(map[localKey]localEntry)}
}

func (l *local) get(city, name string, now time.Time) ([]byte, bool) {
	if l.ttl <= 0 {
		return nil, false
	}
	l.mu.RLock()
	e, ok := l.entries[localKey{city, name}]
	l.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	return e.val, true
}

func (l *local) put(city, name string, val []byte, now time.Time) {
	if l.ttl <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) >= l.max {
		// Entries live a second: dropping them all is cheaper than tracking age.
		clear(l.entries)
	}
	l.entries[localKey{city, name}] = localEntry{val: val, expires: now.Add(l.ttl)}
}

func (l *local) dropCity(city string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range l.entries {
		if k.city == city {
			delete(l.entries, k)
		}
	}
}

// Recent returns what load produced for (scope, name) within the in-memory tier's
// lifetime, calling load at most once at a time per key in this environment
// (concurrent misses wait for the same load). It is for answers that change with
// every vote, such as a ranked page: they are not worth a Redis entry that every
// vote would have to invalidate, but a second's reuse absorbs a spike. Without the
// tier (TTL 0, or a nil Cache) every call loads.
func (c *Cache) Recent(ctx context.Context, scope, name string, load Loader) ([]byte, error) {
	if c == nil || c.local.ttl <= 0 {
		return load(ctx)
	}
	now := time.Now()
	if val, ok := c.local.get(scope, name, now); ok {
		metrics.FromContext(ctx).Count("CacheLocalHits", 1)
		return val, nil
	}
	v, err, _ := c.flight.Do(scope+"\x00"+name, func() (any, error) {
		val, err := load(ctx)
		if err == nil {
			c.local.put(scope, name, val, time.Now())
		}
		return val, err
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

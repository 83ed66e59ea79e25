package cache

import (
	"sync"
	"time"
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

package apigwjson

import (
	"hash/maphash"
	"sync/atomic"
)

// Most strings of an event are the same on every request to a function: header
// names and usual values, the route key, the stage, the method, the protocol. The
// decoder shares one copy of each short string through this table instead of
// allocating it again per request (a fifth of a decoded event's allocations).
// It is direct-mapped and lock-free: a slot holds the last string hashed to it, a
// hit is one hash and one compare, and a miss allocates as plain decoding would
// (plus the slot's pointer). Values that differ per request (request ids, times,
// bodies) do not go through it.
var (
	internSeed  = maphash.MakeSeed()
	internTable [1024]atomic.Pointer[string]
)

// internMax is the longest string interned; longer ones are rarely repeated (and
// a JWT, say, would only push useful entries out).
const internMax = 64

// intern returns string(b), shared when the same bytes were seen before.
func intern(b []byte) string {
	if len(b) > internMax {
		return string(b)
	}
	slot := &internTable[maphash.Bytes(internSeed, b)%uint64(len(internTable))]
	if p := slot.Load(); p != nil && *p == string(b) {
		return *p
	}
	s := string(b)
	slot.Store(&s)
	return s
}

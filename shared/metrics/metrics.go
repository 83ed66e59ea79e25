// Package metrics records what one Lambda invocation cost (database time, cache
// outcomes, custom counters) and writes it as a single CloudWatch Embedded Metric
// Format (EMF) document. CloudWatch Logs turns that log line into metrics, so the
// functions publish metrics without any API call on the request path.
//
// The runtime creates one Invocation per request with NewInvocation, puts it in
// the request context with WithInvocation and, when the handler returns, calls
// WriteEMF once. Everything in between (the store's query tracer, the cache,
// handlers) reaches it through FromContext.
package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Names of the dimensions and built-in metrics in every document. They are
// reserved: Count and SetProperty ignore them, so nothing can overwrite them.
const (
	DimFunction    = "Function"
	DimStatusClass = "StatusClass"

	MetricDuration    = "Duration"
	MetricColdStart   = "ColdStart"
	MetricDBTime      = "DBTime"
	MetricCacheHits   = "CacheHits"
	MetricCacheMisses = "CacheMisses"
	MetricCacheErrors = "CacheErrors"
	MetricInvocations = "Invocations"
)

// builtinMetrics is the fixed part of every directive's Metrics list, in output order.
var builtinMetrics = [...]struct{ name, unit string }{
	{MetricDuration, "Milliseconds"},
	{MetricColdStart, "Count"},
	{MetricDBTime, "Milliseconds"},
	{MetricCacheHits, "Count"},
	{MetricCacheMisses, "Count"},
	{MetricCacheErrors, "Count"},
	{MetricInvocations, "Count"},
}

// Limits from the EMF specification and CloudWatch.
const (
	maxMetrics      = 100 // metric definitions per directive
	maxCounters     = maxMetrics - len(builtinMetrics)
	maxNameLen      = 255  // CloudWatch metric and dimension names
	maxNamespaceLen = 1024 // EMF Namespace
	maxDimValueLen  = 1024 // dimension values
)

// Invocation collects the metrics of one Lambda invocation. All methods are safe
// for concurrent use, and all are no-ops on the discard Invocation that
// FromContext returns when the context has none.
type Invocation struct {
	function  string
	coldStart bool
	discard   bool

	// Hot paths (every query, every cache call) use atomics, not the mutex.
	dbTime      atomic.Int64 // nanoseconds
	cacheHits   atomic.Int64
	cacheMisses atomic.Int64
	cacheErrors atomic.Int64
	status      atomic.Int32

	// Counters and properties are few per invocation (a handful at most), so they
	// are short slices searched in order, starting in the arrays below: recording
	// them allocates nothing, where maps cost an allocation each per invocation.
	mu          sync.Mutex
	counters    []counter
	props       []property
	counterBuf  [2]counter
	propertyBuf [4]property
}

type counter struct {
	name string
	val  float64
}

type property struct {
	key string
	val any
}

// discard absorbs metrics recorded outside an instrumented invocation (tests,
// scripts, background work), so callers never need a nil check.
var discard = &Invocation{discard: true}

// NewInvocation starts the metrics of one invocation of the named function.
// coldStart reports whether this is the first invocation of the execution
// environment. An empty function name is reported as "unknown", because
// CloudWatch rejects empty dimension values.
func NewInvocation(function string, coldStart bool) *Invocation {
	if function == "" {
		function = "unknown"
	}
	i := &Invocation{function: function, coldStart: coldStart}
	i.counters, i.props = i.counterBuf[:0], i.propertyBuf[:0]
	return i
}

type ctxKey struct{}

// WithInvocation returns a copy of ctx that carries inv.
func WithInvocation(ctx context.Context, inv *Invocation) context.Context {
	return context.WithValue(ctx, ctxKey{}, inv)
}

// FromContext returns the Invocation carried by ctx. It never returns nil: when
// ctx carries none, it returns a shared Invocation that discards everything.
func FromContext(ctx context.Context) *Invocation {
	if inv, ok := ctx.Value(ctxKey{}).(*Invocation); ok && inv != nil {
		return inv
	}
	return discard
}

// off reports whether recording is disabled for i.
func (i *Invocation) off() bool { return i == nil || i.discard }

// AddDBTime adds d to the time spent waiting for the database.
func (i *Invocation) AddDBTime(d time.Duration) {
	if i.off() || d <= 0 {
		return
	}
	i.dbTime.Add(int64(d))
}

// CacheHit records a cache read that found its value.
func (i *Invocation) CacheHit() {
	if !i.off() {
		i.cacheHits.Add(1)
	}
}

// CacheMiss records a cache read that found nothing.
func (i *Invocation) CacheMiss() {
	if !i.off() {
		i.cacheMisses.Add(1)
	}
}

// CacheError records a cache call that failed (and so fell back to Postgres).
func (i *Invocation) CacheError() {
	if !i.off() {
		i.cacheErrors.Add(1)
	}
}

// Count adds n to the extra counter name, published with unit Count (for
// example "RateLimitFailOpen"). To keep the document valid, Count ignores empty
// names, names longer than 255 bytes, reserved names (the dimensions, the
// built-in metrics and "_aws"), non-finite n, and new names beyond the 93
// counters that fit next to the built-in metrics in one EMF directive.
func (i *Invocation) Count(name string, n float64) {
	if i.off() || name == "" || len(name) > maxNameLen || reserved(name) ||
		math.IsNaN(n) || math.IsInf(n, 0) {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if c := i.counter(name); c != nil {
		c.val += n
	} else if len(i.counters) < maxCounters {
		i.counters = append(i.counters, counter{name, n})
	}
}

// counter returns the named counter, nil if there is none (i.mu held).
func (i *Invocation) counter(name string) *counter {
	for n := range i.counters {
		if i.counters[n].name == name {
			return &i.counters[n]
		}
	}
	return nil
}

// SetStatus records the HTTP status the invocation answered with; the document
// reports its class ("2xx", "4xx", ...) as the StatusClass dimension.
func (i *Invocation) SetStatus(code int) {
	if i.off() {
		return
	}
	if code < 0 || code > 999 {
		code = 0 // not an HTTP status; also keeps the int32 conversion exact
	}
	i.status.Store(int32(code))
}

// SetProperty attaches a searchable, non-metric field (requestId, route, ...) to
// the document. v must be JSON-encodable; a value that is not is written as its
// fmt.Sprint text. Metric and dimension values always win over properties: a
// property whose key is "_aws", a dimension, a built-in metric or a name passed
// to Count (before or after) is left out of the document. An empty key is ignored.
func (i *Invocation) SetProperty(key string, v any) {
	if i.off() || key == "" {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	for n := range i.props {
		if i.props[n].key == key {
			i.props[n].val = v
			return
		}
	}
	i.props = append(i.props, property{key, v})
}

// reserved reports whether name belongs to the document's fixed members.
func reserved(name string) bool {
	if name == "_aws" || name == DimFunction || name == DimStatusClass {
		return true
	}
	for _, m := range builtinMetrics {
		if m.name == name {
			return true
		}
	}
	return false
}

// statusClassJSON maps an HTTP status to its class as a JSON string; "none" when no
// valid status was set.
func statusClassJSON(code int32) string {
	if code < 100 || code > 599 {
		return `"none"`
	}
	return statusClasses[code/100-1]
}

var statusClasses = [...]string{`"1xx"`, `"2xx"`, `"3xx"`, `"4xx"`, `"5xx"`}

// WriteEMF writes the invocation's metrics as one EMF document: a single line of
// JSON terminated by "\n", in a single w.Write call so that documents written
// concurrently to the same stdout never interleave. duration is the invocation's
// wall time and now its end, which becomes the metrics' timestamp. The discard
// Invocation writes nothing.
func (i *Invocation) WriteEMF(w io.Writer, namespace string, duration time.Duration, now time.Time) error {
	if i.off() {
		return nil
	}
	if namespace == "" || len(namespace) > maxNamespaceLen {
		return fmt.Errorf("metrics: namespace must be 1-%d characters, got %d", maxNamespaceLen, len(namespace))
	}
	function := i.function
	if len(function) > maxDimValueLen {
		function = function[:maxDimValueLen]
	}

	// Snapshot under the lock (on the stack for the usual few), sorted so the
	// document is deterministic.
	var counterBuf [8]counter
	var propBuf [8]property
	i.mu.Lock()
	counters := append(counterBuf[:0], i.counters...)
	props := propBuf[:0]
	for _, p := range i.props {
		if i.counter(p.key) == nil && !reserved(p.key) {
			props = append(props, p)
		}
	}
	i.mu.Unlock()
	slices.SortFunc(counters, func(a, b counter) int { return strings.Compare(a.name, b.name) })
	slices.SortFunc(props, func(a, b property) int { return strings.Compare(a.key, b.key) })

	// The document is assembled by hand rather than from a map so that "_aws"
	// comes first and the member order is stable, which keeps logs readable. Its
	// buffer is reused: an io.Writer may not keep what it is given.
	buf := docBuffers.Get().(*[]byte)
	defer docBuffers.Put(buf)
	b := (*buf)[:0]
	defer func() { *buf = b[:0] }()
	b = append(b, `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, now.UnixMilli(), 10)
	b = append(b, `,"CloudWatchMetrics":[{"Namespace":`...)
	b = appendString(b, namespace)
	b = append(b, `,"Dimensions":[["Function"],["Function","StatusClass"]],"Metrics":[`...)
	for n, m := range builtinMetrics {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendMetricDef(b, m.name, m.unit)
	}
	for _, c := range counters {
		b = append(b, ',')
		b = appendMetricDef(b, c.name, "Count")
	}
	b = append(b, `]}]}`...)

	b = append(b, `,"Function":`...)
	b = appendString(b, function)
	b = append(b, `,"StatusClass":`...)
	b = append(b, statusClassJSON(i.status.Load())...)
	b = appendNumberMember(b, MetricDuration, ms(duration))
	b = appendNumberMember(b, MetricColdStart, boolNum(i.coldStart))
	b = appendNumberMember(b, MetricDBTime, ms(time.Duration(i.dbTime.Load())))
	b = appendNumberMember(b, MetricCacheHits, float64(i.cacheHits.Load()))
	b = appendNumberMember(b, MetricCacheMisses, float64(i.cacheMisses.Load()))
	b = appendNumberMember(b, MetricCacheErrors, float64(i.cacheErrors.Load()))
	b = appendNumberMember(b, MetricInvocations, 1)
	for _, c := range counters {
		b = appendNumberMember(b, c.name, c.val)
	}
	for _, p := range props {
		b = append(b, ',')
		b = appendString(b, p.key)
		b = append(b, ':')
		b = appendValue(b, p.val)
	}
	b = append(b, "}\n"...)

	n, err := w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("metrics: write EMF: %w", err)
	}
	return nil
}

// docBuffers holds the buffers documents are assembled in.
var docBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func boolNum(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func appendMetricDef(b []byte, name, unit string) []byte {
	b = append(b, `{"Name":`...)
	b = appendString(b, name)
	b = append(b, `,"Unit":`...)
	b = appendString(b, unit)
	return append(b, '}')
}

// appendValue appends a property's value as JSON. Strings (request ids, routes:
// nearly every property) are written directly; anything else goes through
// encoding/json, and a value it cannot encode is written as its fmt.Sprint text,
// because a bad property must not cost the invocation its metrics.
func appendValue(b []byte, v any) []byte {
	if s, ok := v.(string); ok {
		return appendString(b, s)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return appendString(b, fmt.Sprint(v))
	}
	return append(b, j...)
}

func appendNumberMember(b []byte, key string, v float64) []byte {
	b = append(b, ',')
	b = appendString(b, key)
	b = append(b, ':')
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// appendString appends s as a JSON string. Names and most values are plain ASCII
// and are copied as they are; anything else goes through encoding/json, whose
// escaping is always right (and which cannot fail for a string).
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

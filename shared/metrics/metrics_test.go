package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

// validateEMF checks doc against the CloudWatch Embedded Metric Format
// specification: one JSON object on one line whose "_aws" metadata has an integer
// millisecond Timestamp and a non-empty CloudWatchMetrics array of directives;
// each directive has only a Namespace (1-1024 characters), Dimensions (an array of
// dimension sets of at most 30 names) and Metrics (at most 100 definitions with a
// Name and an allowed Unit); every dimension it names has a string value at the
// root and every metric a number (or an array of at most 100 numbers).
func validateEMF(doc []byte) error {
	if !bytes.HasSuffix(doc, []byte("\n")) || bytes.Count(doc, []byte("\n")) != 1 {
		return errors.New("document must be exactly one line ending in a newline")
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return fmt.Errorf("root is not a JSON object: %w", err)
	}
	if dec.More() {
		return errors.New("data after the root object")
	}
	aws, ok := root["_aws"].(map[string]any)
	if !ok {
		return errors.New(`root has no "_aws" object`)
	}
	for k := range aws {
		if k != "Timestamp" && k != "CloudWatchMetrics" && k != "LogGroupName" {
			return fmt.Errorf("_aws has unknown member %q", k)
		}
	}
	ts, ok := aws["Timestamp"].(json.Number)
	if !ok {
		return errors.New("_aws.Timestamp is missing or not a number")
	}
	if ms, err := ts.Int64(); err != nil || ms < 0 {
		return fmt.Errorf("_aws.Timestamp %q is not a non-negative integer of milliseconds", ts)
	}
	directives, ok := aws["CloudWatchMetrics"].([]any)
	if !ok || len(directives) == 0 {
		return errors.New("_aws.CloudWatchMetrics must be a non-empty array")
	}
	for n, d := range directives {
		if err := validateDirective(root, d); err != nil {
			return fmt.Errorf("CloudWatchMetrics[%d]: %w", n, err)
		}
	}
	return nil
}

var emfUnits = map[string]bool{}

func init() {
	for _, u := range strings.Fields(`Seconds Microseconds Milliseconds Bytes Kilobytes
		Megabytes Gigabytes Terabytes Bits Kilobits Megabits Gigabits Terabits Percent
		Count Bytes/Second Kilobytes/Second Megabytes/Second Gigabytes/Second
		Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second
		Terabits/Second Count/Second None`) {
		emfUnits[u] = true
	}
}

func validateDirective(root map[string]any, d any) error {
	dir, ok := d.(map[string]any)
	if !ok {
		return errors.New("directive is not an object")
	}
	for k := range dir {
		if k != "Namespace" && k != "Dimensions" && k != "Metrics" {
			return fmt.Errorf("unknown member %q", k)
		}
	}
	ns, ok := dir["Namespace"].(string)
	if !ok || strings.TrimSpace(ns) == "" || len(ns) > 1024 {
		return fmt.Errorf("Namespace %v must be a string of 1-1024 characters", dir["Namespace"])
	}
	sets, ok := dir["Dimensions"].([]any)
	if !ok {
		return errors.New("Dimensions must be an array of dimension sets")
	}
	dims := map[string]bool{}
	for _, s := range sets {
		set, ok := s.([]any)
		if !ok {
			return errors.New("a dimension set is not an array")
		}
		if len(set) > 30 {
			return fmt.Errorf("dimension set has %d names, more than 30", len(set))
		}
		for _, name := range set {
			key, ok := name.(string)
			if !ok || key == "" {
				return fmt.Errorf("dimension name %v is not a non-empty string", name)
			}
			if key == "_aws" {
				return errors.New(`"_aws" cannot be a dimension`)
			}
			v, ok := root[key].(string)
			if !ok || v == "" || len(v) > 1024 {
				return fmt.Errorf("dimension %q has no string value of 1-1024 characters at the root: %v", key, root[key])
			}
			dims[key] = true
		}
	}
	defs, ok := dir["Metrics"].([]any)
	if !ok {
		return errors.New("Metrics must be an array")
	}
	if len(defs) > 100 {
		return fmt.Errorf("%d metric definitions, more than 100", len(defs))
	}
	seen := map[string]bool{}
	for _, m := range defs {
		def, ok := m.(map[string]any)
		if !ok {
			return errors.New("metric definition is not an object")
		}
		for k := range def {
			if k != "Name" && k != "Unit" && k != "StorageResolution" {
				return fmt.Errorf("metric definition has unknown member %q", k)
			}
		}
		name, ok := def["Name"].(string)
		if !ok || name == "" || len(name) > 255 {
			return fmt.Errorf("metric Name %v must be a string of 1-255 characters", def["Name"])
		}
		if name == "_aws" || dims[name] || seen[name] {
			return fmt.Errorf("metric %q collides with _aws, a dimension or another metric", name)
		}
		seen[name] = true
		if u, has := def["Unit"]; has {
			if s, ok := u.(string); !ok || !emfUnits[s] {
				return fmt.Errorf("metric %q has invalid Unit %v", name, u)
			}
		}
		if r, has := def["StorageResolution"]; has {
			if n, ok := r.(json.Number); !ok || (n != "1" && n != "60") {
				return fmt.Errorf("metric %q has invalid StorageResolution %v", name, r)
			}
		}
		switch v := root[name].(type) {
		case json.Number:
		case []any:
			if len(v) > 100 {
				return fmt.Errorf("metric %q has %d values, more than 100", name, len(v))
			}
			for _, e := range v {
				if _, ok := e.(json.Number); !ok {
					return fmt.Errorf("metric %q has a non-numeric value %v", name, e)
				}
			}
		default:
			return fmt.Errorf("metric %q has no numeric value at the root: %v", name, root[name])
		}
	}
	return nil
}

// decode validates doc and returns its root with numbers as float64.
func decode(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	if err := validateEMF(doc); err != nil {
		t.Fatalf("invalid EMF: %v\n%s", err, doc)
	}
	var root map[string]any
	if err := json.Unmarshal(doc, &root); err != nil {
		t.Fatal(err)
	}
	return root
}

func write(t *testing.T, inv *Invocation) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := inv.WriteEMF(&buf, "CivicQ", 12300*time.Microsecond, time.UnixMilli(1700000000123)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteEMFFullInvocation(t *testing.T) {
	inv := NewInvocation("get-ballot", true)
	ctx := WithInvocation(context.Background(), inv)
	FromContext(ctx).AddDBTime(3100 * time.Microsecond)
	FromContext(ctx).CacheHit()
	FromContext(ctx).Count("RateLimitFailOpen", 1)
	FromContext(ctx).SetStatus(200)
	FromContext(ctx).SetProperty("requestId", "req-1")
	FromContext(ctx).SetProperty("route", "GET /api/cities/{city}/ballot")

	doc := write(t, inv)
	want := `{"_aws":{"Timestamp":1700000000123,"CloudWatchMetrics":[{"Namespace":"CivicQ",` +
		`"Dimensions":[["Function"],["Function","StatusClass"]],"Metrics":[` +
		`{"Name":"Duration","Unit":"Milliseconds"},{"Name":"ColdStart","Unit":"Count"},` +
		`{"Name":"DBTime","Unit":"Milliseconds"},{"Name":"CacheHits","Unit":"Count"},` +
		`{"Name":"CacheMisses","Unit":"Count"},{"Name":"CacheErrors","Unit":"Count"},` +
		`{"Name":"Invocations","Unit":"Count"},{"Name":"RateLimitFailOpen","Unit":"Count"}]}]},` +
		`"Function":"get-ballot","StatusClass":"2xx","Duration":12.3,"ColdStart":1,"DBTime":3.1,` +
		`"CacheHits":1,"CacheMisses":0,"CacheErrors":0,"Invocations":1,"RateLimitFailOpen":1,` +
		`"requestId":"req-1","route":"GET /api/cities/{city}/ballot"}` + "\n"
	if string(doc) != want {
		t.Fatalf("document\n got: %s\nwant: %s", doc, want)
	}
	decode(t, doc)
}

func TestWarmInvocationReportsColdStartZero(t *testing.T) {
	root := decode(t, write(t, NewInvocation("vote", false)))
	if root["ColdStart"] != 0.0 || root["StatusClass"] != "none" || root["DBTime"] != 0.0 {
		t.Fatalf("unexpected values: %v", root)
	}
}

func TestEmptyFunctionNameIsReportedAsUnknown(t *testing.T) {
	root := decode(t, write(t, NewInvocation("", false)))
	if root["Function"] != "unknown" {
		t.Fatalf("Function = %v", root["Function"])
	}
}

func TestDiscardInvocation(t *testing.T) {
	ctx := context.Background()
	inv := FromContext(ctx)
	if inv == nil {
		t.Fatal("FromContext returned nil")
	}
	if FromContext(WithInvocation(ctx, nil)) != inv {
		t.Fatal("a nil Invocation in the context should read back as the discard one")
	}
	// Every method is callable and records nothing.
	inv.AddDBTime(time.Second)
	inv.CacheHit()
	inv.CacheMiss()
	inv.CacheError()
	inv.Count("RateLimitFailOpen", 1)
	inv.SetStatus(500)
	inv.SetProperty("requestId", "x")
	var buf bytes.Buffer
	if err := inv.WriteEMF(&buf, "CivicQ", time.Second, time.Now()); err != nil || buf.Len() != 0 {
		t.Fatalf("discard wrote %q, err %v", buf.String(), err)
	}
	if inv.dbTime.Load() != 0 || inv.cacheHits.Load() != 0 || inv.counters != nil || inv.props != nil {
		t.Fatal("discard Invocation kept state")
	}

	// A nil *Invocation is as harmless.
	var nilInv *Invocation
	nilInv.CacheHit()
	nilInv.SetProperty("k", "v")
	if err := nilInv.WriteEMF(&buf, "CivicQ", 0, time.Now()); err != nil || buf.Len() != 0 {
		t.Fatal("nil Invocation wrote something")
	}
}

func TestConcurrentRecordingSumsCorrectly(t *testing.T) {
	const goroutines, iterations = 32, 500
	inv := NewInvocation("vote", false)
	ctx := WithInvocation(context.Background(), inv)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			m := FromContext(ctx)
			for range iterations {
				m.AddDBTime(time.Millisecond)
				m.CacheHit()
				m.CacheMiss()
				m.CacheError()
				m.Count("Retries", 0.5)
				m.SetProperty(fmt.Sprintf("worker%d", g), g)
				m.SetStatus(200)
			}
		})
	}
	// Writing while others record must be race-free too.
	wg.Go(func() {
		for range 20 {
			if err := inv.WriteEMF(io.Discard, "CivicQ", time.Millisecond, time.Now()); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()

	root := decode(t, write(t, inv))
	const n = goroutines * iterations
	for name, want := range map[string]float64{
		"DBTime": n, "CacheHits": n, "CacheMisses": n, "CacheErrors": n, "Retries": n / 2,
	} {
		if root[name] != want {
			t.Errorf("%s = %v, want %v", name, root[name], want)
		}
	}
	if root["worker7"] != 7.0 {
		t.Errorf("worker7 = %v", root["worker7"])
	}
}

func TestStatusClass(t *testing.T) {
	for code, want := range map[int]string{
		0: "none", 99: "none", 101: "1xx", 200: "2xx", 204: "2xx", 302: "3xx",
		400: "4xx", 429: "4xx", 500: "5xx", 503: "5xx", 600: "none", -1: "none", 1<<32 + 200: "none",
	} {
		inv := NewInvocation("f", false)
		inv.SetStatus(code)
		if got := decode(t, write(t, inv))["StatusClass"]; got != want {
			t.Errorf("SetStatus(%d): StatusClass = %v, want %s", code, got, want)
		}
	}
}

func TestExtraCounters(t *testing.T) {
	inv := NewInvocation("f", false)
	inv.Count("RateLimitFailOpen", 1)
	inv.Count("RateLimitFailOpen", 2)
	inv.Count("AuditRows", 5)
	// Ignored: reserved, empty, too long, not finite.
	inv.Count("CacheHits", 10)
	inv.Count("Function", 1)
	inv.Count("_aws", 1)
	inv.Count("", 1)
	inv.Count(strings.Repeat("x", 256), 1)
	inv.Count("Bad", math.NaN())
	inv.Count("Bad", math.Inf(1))

	doc := write(t, inv)
	root := decode(t, doc)
	if root["RateLimitFailOpen"] != 3.0 || root["AuditRows"] != 5.0 || root["CacheHits"] != 0.0 {
		t.Fatalf("counter values wrong: %s", doc)
	}
	if _, ok := root["Bad"]; ok {
		t.Fatalf("non-finite counter was written: %s", doc)
	}
	metrics := root["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)["Metrics"].([]any)
	var names []string
	for _, m := range metrics {
		def := m.(map[string]any)
		names = append(names, def["Name"].(string))
		if def["Name"] == "AuditRows" && def["Unit"] != "Count" {
			t.Errorf("AuditRows unit = %v", def["Unit"])
		}
	}
	if got := strings.Join(names, ","); got != "Duration,ColdStart,DBTime,CacheHits,CacheMisses,CacheErrors,Invocations,AuditRows,RateLimitFailOpen" {
		t.Fatalf("metric order = %s", got)
	}
}

func TestCountersAreCappedToFitOneDirective(t *testing.T) {
	inv := NewInvocation("f", false)
	for n := range 150 {
		inv.Count(fmt.Sprintf("C%03d", n), 1)
	}
	inv.Count("C000", 1) // existing names keep counting past the cap
	root := decode(t, write(t, inv))
	metrics := root["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)["Metrics"].([]any)
	if len(metrics) != 100 {
		t.Fatalf("%d metric definitions, want exactly 100", len(metrics))
	}
	if root["C000"] != 2.0 {
		t.Fatalf("C000 = %v", root["C000"])
	}
}

// Rule: metric and dimension values always win. A property whose key is "_aws",
// a dimension, a built-in metric or a Count name is left out of the document.
func TestPropertyCannotCorruptDocument(t *testing.T) {
	inv := NewInvocation("get-ballot", false)
	inv.SetStatus(404)
	inv.SetProperty("_aws", map[string]any{"CloudWatchMetrics": []any{}})
	inv.SetProperty("Function", "evil")
	inv.SetProperty("StatusClass", "2xx")
	inv.SetProperty("Duration", "slow")
	inv.SetProperty("Invocations", 1000)
	inv.SetProperty("Retries", "before") // set before the counter exists
	inv.Count("Retries", 2)
	inv.Count("Failures", 1)
	inv.SetProperty("Failures", "after") // set after the counter exists
	inv.SetProperty("", "empty key")
	inv.SetProperty("ch", make(chan int)) // not JSON-encodable
	inv.SetProperty("requestId", "r1")

	doc := write(t, inv)
	if n := bytes.Count(doc, []byte(`"_aws"`)); n != 1 {
		t.Fatalf(`"_aws" appears %d times: %s`, n, doc)
	}
	root := decode(t, doc)
	for key, want := range map[string]any{
		"Function": "get-ballot", "StatusClass": "4xx", "Duration": 12.3, "Invocations": 1.0,
		"Retries": 2.0, "Failures": 1.0, "requestId": "r1",
	} {
		if root[key] != want {
			t.Errorf("%s = %v, want %v", key, root[key], want)
		}
	}
	if _, ok := root["ch"].(string); !ok {
		t.Errorf("unencodable property should fall back to text, got %v", root["ch"])
	}
	if _, ok := root[""]; ok {
		t.Error("empty property key was written")
	}
}

type countingWriter struct {
	mu    sync.Mutex
	calls [][]byte
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, bytes.Clone(p))
	return len(p), nil
}

func TestWriteEMFIsOneWriteCallPerDocument(t *testing.T) {
	w := &countingWriter{}
	var wg sync.WaitGroup
	for n := range 16 {
		wg.Go(func() {
			inv := NewInvocation(fmt.Sprintf("f%d", n), false)
			inv.SetProperty("requestId", strings.Repeat("r", 1000))
			if err := inv.WriteEMF(w, "CivicQ", time.Millisecond, time.Now()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(w.calls) != 16 {
		t.Fatalf("%d Write calls for 16 documents", len(w.calls))
	}
	for _, doc := range w.calls {
		if err := validateEMF(doc); err != nil {
			t.Fatal(err)
		}
	}
}

type errWriter struct{ n int }

func (w errWriter) Write(p []byte) (int, error) {
	if w.n >= 0 {
		return w.n, nil
	}
	return 0, errors.New("closed")
}

func TestWriteEMFErrors(t *testing.T) {
	inv := NewInvocation("f", false)
	if err := inv.WriteEMF(io.Discard, "", 0, time.Now()); err == nil {
		t.Error("empty namespace accepted")
	}
	if err := inv.WriteEMF(io.Discard, strings.Repeat("n", 1025), 0, time.Now()); err == nil {
		t.Error("1025-character namespace accepted")
	}
	if err := inv.WriteEMF(errWriter{n: -1}, "CivicQ", 0, time.Now()); err == nil {
		t.Error("write error not returned")
	}
	if err := inv.WriteEMF(errWriter{n: 3}, "CivicQ", 0, time.Now()); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("short write: err = %v", err)
	}
}

// The validator must reject what the specification forbids, or the tests above
// prove nothing.
func TestValidatorRejectsInvalidDocuments(t *testing.T) {
	ok := `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["D"]],"Metrics":[{"Name":"M","Unit":"Count"}]}]},"D":"d","M":1}`
	if err := validateEMF([]byte(ok + "\n")); err != nil {
		t.Fatalf("valid document rejected: %v", err)
	}
	many := func(n int, f func(int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = f(i)
		}
		return strings.Join(parts, ",")
	}
	bad := map[string]string{
		"no newline":           ok,
		"two lines":            ok + "\n" + ok + "\n",
		"no _aws":              `{"D":"d"}` + "\n",
		"float timestamp":      strings.Replace(ok, `"Timestamp":1`, `"Timestamp":1.5`, 1),
		"string timestamp":     strings.Replace(ok, `"Timestamp":1`, `"Timestamp":"1"`, 1),
		"no timestamp":         strings.Replace(ok, `"Timestamp":1,`, ``, 1),
		"empty directives":     `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]}}`,
		"empty namespace":      strings.Replace(ok, `"Namespace":"N"`, `"Namespace":""`, 1),
		"long namespace":       strings.Replace(ok, `"Namespace":"N"`, `"Namespace":"`+strings.Repeat("n", 1025)+`"`, 1),
		"extra directive key":  strings.Replace(ok, `"Namespace":"N"`, `"Namespace":"N","X":1`, 1),
		"bad unit":             strings.Replace(ok, `"Unit":"Count"`, `"Unit":"Requests"`, 1),
		"dimension missing":    strings.Replace(ok, `"D":"d",`, ``, 1),
		"dimension not string": strings.Replace(ok, `"D":"d"`, `"D":1`, 1),
		"metric missing":       strings.Replace(ok, `,"M":1`, ``, 1),
		"metric not number":    strings.Replace(ok, `"M":1`, `"M":"1"`, 1),
		"metric bad array":     strings.Replace(ok, `"M":1`, `"M":[1,"2"]`, 1),
		"metric named _aws":    strings.Replace(ok, `{"Name":"M"`, `{"Name":"_aws"`, 1),
		"31 dimensions": `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[` +
			many(31, func(i int) string { return fmt.Sprintf(`"D%d"`, i) }) + `]],"Metrics":[]}]},` +
			many(31, func(i int) string { return fmt.Sprintf(`"D%d":"d"`, i) }) + `}`,
		"101 metrics": `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[],"Metrics":[` +
			many(101, func(i int) string { return fmt.Sprintf(`{"Name":"M%d"}`, i) }) + `]}]},` +
			many(101, func(i int) string { return fmt.Sprintf(`"M%d":1`, i) }) + `}`,
	}
	for name, doc := range bad {
		if !strings.HasSuffix(doc, "\n") && name != "no newline" {
			doc += "\n"
		}
		if err := validateEMF([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func BenchmarkWriteEMF(b *testing.B) {
	inv := NewInvocation("get-ballot", true)
	inv.AddDBTime(3 * time.Millisecond)
	inv.CacheHit()
	inv.CacheMiss()
	inv.Count("RateLimitFailOpen", 1)
	inv.SetStatus(200)
	inv.SetProperty("requestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef")
	inv.SetProperty("route", "GET /api/cities/{city}/ballot")
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if err := inv.WriteEMF(io.Discard, "CivicQ", 12*time.Millisecond, now); err != nil {
			b.Fatal(err)
		}
	}
}

func TestStringsAreEscaped(t *testing.T) {
	inv := NewInvocation(`f"n<1>`, false)
	inv.SetProperty("key \"quoted\"\n", "é <b> & \\ \t")
	inv.Count("Ünïcode", 1)
	root := decode(t, write(t, inv))
	if root["Function"] != `f"n<1>` || root["key \"quoted\"\n"] != "é <b> & \\ \t" || root["Ünïcode"] != 1.0 {
		t.Fatalf("round trip failed: %v", root)
	}
}

package perf

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestPercentile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	for p, want := range map[float64]float64{50: 5, 95: 10, 90: 9, 0: 1, 100: 10} {
		if got := Percentile(xs, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("no samples must give 0")
	}
}

func TestBudgetsCheck(t *testing.T) {
	b := Budgets{Defaults: Limit{BinaryBytes: 100, ColdStartP50Ms: 60, PeakMemoryMB: 20},
		Functions: map[string]Limit{"a": {PeakMemoryMB: 30}}}
	ok := Row{Result: Result{Name: "a", ColdMs: []float64{5, 6, 70}, PeakKB: 25 * 1024}, ArmBytes: 90}
	if got := b.Check([]Row{ok}); len(got) != 0 {
		t.Errorf("within budget, got %v", got)
	}
	bad := Row{Result: Result{Name: "a", ColdMs: []float64{65, 66, 70}, PeakKB: 31 * 1024}, ArmBytes: 101}
	got := strings.Join(b.Check([]Row{bad}), "\n")
	for _, s := range []string{"arm64 bootstrap is 101 bytes", "cold start p50 66.0 ms", "peak RSS 31.0 MB, budget 30.0 MB"} {
		if !strings.Contains(got, s) {
			t.Errorf("missing %q in:\n%s", s, got)
		}
	}
	if got := b.Check([]Row{{Result: Result{Name: "new"}}}); len(got) != 1 || !strings.Contains(got[0], "no entry") {
		t.Errorf("an unbudgeted function must be reported, got %v", got)
	}
}

func TestUniqueAsk(t *testing.T) {
	ev := []byte(`{"body":"{\"text\":\"Will you fix the roads?\",\"tags\":[\"roads\"]}","version":"2.0"}`)
	a, b := unique("ask-question", ev, 1), unique("ask-question", ev, 2)
	var ea, eb struct{ Body string }
	if json.Unmarshal(a, &ea) != nil || json.Unmarshal(b, &eb) != nil || ea.Body == eb.Body || !strings.Contains(ea.Body, "Will you fix the roads?") {
		t.Errorf("asks not made unique: %s / %s", a, b)
	}
	if string(unique("get-ballot", ev, 1)) != string(ev) {
		t.Error("other functions' events must be left alone")
	}
}

func TestRegexps(t *testing.T) {
	if m := initReportRE.FindStringSubmatch("27 Nov 2026 03:42:04,493 [INFO] (rapid) INIT REPORT(durationMs: 10.284000)"); m == nil || m[1] != "10.284000" {
		t.Errorf("INIT REPORT: %v", m)
	}
	if d, ok := reportDuration("REPORT RequestId: 1a90\tDuration: 1.01 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t"); !ok || d != 1.01 {
		t.Errorf("REPORT: %v %v", d, ok)
	}
	if d, ok := reportDuration("REPORT RequestId: 22c4\tInit Duration: 0.66 ms\tDuration: 22.63 ms\tBilled Duration: 23 ms"); !ok || d != 22.63 {
		t.Errorf("REPORT with init: %v %v", d, ok)
	}
}

func TestVmHWMOfSelf(t *testing.T) {
	if kb := vmHWM(os.Getpid()); kb <= 0 {
		t.Errorf("VmHWM of this process = %d kB", kb)
	}
}

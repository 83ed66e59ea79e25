package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseReportText(t *testing.T) {
	r, ok := parseReport("REPORT RequestId: 3f1c2d4e-0000-4000-8000-000000000001\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 45 MB\tInit Duration: 67.89 ms\t")
	if !ok {
		t.Fatal("REPORT line not recognised")
	}
	want := reportLine{Duration: 12.34, Billed: 13, Init: 67.89, MemorySize: 128, MaxMemory: 45}
	if r != want {
		t.Errorf("got %+v, want %+v", r, want)
	}
	// Spaces instead of tabs, no init (a warm invocation).
	r, ok = parseReport("REPORT RequestId: x Duration: 1.50 ms Billed Duration: 2 ms Memory Size: 256 MB Max Memory Used: 46 MB")
	if !ok || r.Duration != 1.5 || r.Billed != 2 || r.Init != 0 || r.MemorySize != 256 || r.MaxMemory != 46 {
		t.Errorf("warm line: got %+v ok=%v", r, ok)
	}
	if _, ok := parseReport("START RequestId: x Version: $LATEST"); ok {
		t.Error("a START line was taken for a REPORT")
	}
}

func TestFromLogsJSONExport(t *testing.T) {
	recs, err := readExport(filepath.Join("testdata", "export.json"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := fromLogs(recs)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]stats{}
	for _, r := range rows {
		by[r.Name] = r
	}
	b, ok := by["get-ballot"] // named through the EMF documents of its log group
	if !ok {
		t.Fatalf("no get-ballot row in %+v", rows)
	}
	if b.ColdN != 1 || b.ColdP50 != 67.89 || b.WarmN != 2 || b.WarmP50 != 1.5 || b.WarmP95 != 2.5 ||
		b.PeakMB != 47 || b.MemoryMB != 128 || b.HandlerP50 != 0.9 {
		t.Errorf("get-ballot: %+v", b)
	}
	// JSON-format platform.report, in a group without EMF: named after the group.
	v, ok := by["CivicQ-VoteQuestionFn-XyZ789"]
	if !ok || v.WarmP50 != 4.2 || v.PeakMB != 52 || v.MemoryMB != 256 {
		t.Errorf("vote row: %+v (rows %+v)", v, rows)
	}
}

func TestFromLogsCSVExport(t *testing.T) {
	recs, err := readExport(filepath.Join("testdata", "export.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := fromLogs(recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Name != "get-ballot" || rows[0].ColdP50 != 67.89 || rows[0].WarmP50 != 1.5 || rows[0].PeakMB != 46 {
		t.Errorf("rows: %+v", rows)
	}
}

func TestCostAndRecommendation(t *testing.T) {
	// 1M invocations of 2 ms at 128 MB: 2000 s × 0.125 GB × $0.0000133334 + $0.20.
	if got, want := costPerMillion(2, 128), 2000*0.125*0.0000133334+0.20; math.Abs(got-want) > 1e-9 {
		t.Errorf("costPerMillion(2, 128) = %v, want %v", got, want)
	}
	// Warm p50 1.2 ms bills 2 ms; the 1% cold ones bill ceil(1.2+6.5) = 8 ms.
	if got, want := billedMs(stats{WarmP50: 1.2, ColdP50: 6.5}, 0.01), 0.99*2+0.01*8; math.Abs(got-want) > 1e-9 {
		t.Errorf("billedMs = %v, want %v", got, want)
	}
	for peak, want := range map[float64]int{13: 128, 64: 128, 65: 256, 200: 512, 300: 640} {
		if got := recommend(peak); got != want {
			t.Errorf("recommend(%v) = %d, want %d", peak, got, want)
		}
	}
}

func TestReportFromLogsWritesBothFormats(t *testing.T) {
	out := t.TempDir()
	if err := run(filepath.Join("testdata", "export.json"), 0, 0, 0.01, out); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(out, "cost-report.md"))
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(out, "cost-report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"CloudWatch Logs Insights export", "get-ballot", "| **128 MB** |"} {
		if !strings.Contains(string(md), s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
	for _, s := range []string{"<svg", "</svg>", "get-ballot", "Logs Insights"} {
		if !strings.Contains(string(html), s) {
			t.Errorf("html lacks %q", s)
		}
	}
	if strings.Contains(string(html), "<script") || strings.Contains(string(html), "<link") {
		t.Error("the page must not load external JS or CSS")
	}
}

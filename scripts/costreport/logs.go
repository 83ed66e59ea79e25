package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/civicq/civicq/scripts/perf"
)

// record is one row of a CloudWatch Logs Insights export: the message and the log
// group it came from.
type record struct {
	Message, Log string
}

// readExport reads a Logs Insights export: "Export results → JSON" (an array of
// objects with @message and @log), the same objects one per line, or "→ CSV" (a
// header row naming @message and @log).
func readExport(path string) ([]record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(bytes.TrimSpace(data), []byte("\xef\xbb\xbf"))
	if len(data) == 0 {
		return nil, fmt.Errorf("%s is empty", path)
	}
	type row map[string]any
	conv := func(r row) record {
		msg, _ := r["@message"].(string)
		lg, _ := r["@log"].(string)
		if lg == "" {
			lg, _ = r["@logStream"].(string)
		}
		return record{Message: msg, Log: lg}
	}
	switch data[0] {
	case '[':
		var rows []row
		if err := json.Unmarshal(data, &rows); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out := make([]record, 0, len(rows))
		for _, r := range rows {
			out = append(out, conv(r))
		}
		return out, nil
	case '{':
		var out []record
		dec := json.NewDecoder(bytes.NewReader(data))
		for dec.More() {
			var r row
			if err := dec.Decode(&r); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			out = append(out, conv(r))
		}
		return out, nil
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: not JSON, and as CSV: %w", path, err)
	}
	msgCol, logCol := -1, -1
	for i, h := range rows[0] {
		switch strings.TrimSpace(h) {
		case "@message":
			msgCol = i
		case "@log":
			logCol = i
		}
	}
	if msgCol < 0 {
		return nil, fmt.Errorf("%s: the CSV header has no @message column", path)
	}
	var out []record
	for _, r := range rows[1:] {
		if msgCol >= len(r) {
			continue
		}
		rec := record{Message: r[msgCol]}
		if logCol >= 0 && logCol < len(r) {
			rec.Log = r[logCol]
		}
		out = append(out, rec)
	}
	return out, nil
}

// reportLine is one Lambda REPORT line's figures.
type reportLine struct {
	Duration, Billed, Init float64 // ms; Init is 0 on a warm invocation
	MemorySize, MaxMemory  float64 // MB
}

var reportField = regexp.MustCompile(`(Init Duration|Billed Duration|Duration|Memory Size|Max Memory Used): ([0-9.]+)`)

// parseReport reads a text REPORT line ("REPORT RequestId: ... Duration: 12.34 ms
// Billed Duration: 13 ms Memory Size: 128 MB Max Memory Used: 45 MB Init Duration:
// 67.89 ms") or a JSON-format platform.report record.
func parseReport(msg string) (reportLine, bool) {
	var r reportLine
	msg = strings.TrimSpace(msg)
	if strings.HasPrefix(msg, "REPORT RequestId:") {
		for _, m := range reportField.FindAllStringSubmatch(msg, -1) {
			v, _ := strconv.ParseFloat(m[2], 64)
			switch m[1] {
			case "Duration":
				r.Duration = v
			case "Billed Duration":
				r.Billed = v
			case "Init Duration":
				r.Init = v
			case "Memory Size":
				r.MemorySize = v
			case "Max Memory Used":
				r.MaxMemory = v
			}
		}
		return r, r.Duration > 0 || r.Billed > 0
	}
	if strings.HasPrefix(msg, "{") && strings.Contains(msg, `"platform.report"`) {
		var doc struct {
			Type   string `json:"type"`
			Record struct {
				Metrics struct {
					DurationMs       float64 `json:"durationMs"`
					BilledDurationMs float64 `json:"billedDurationMs"`
					MemorySizeMB     float64 `json:"memorySizeMB"`
					MaxMemoryUsedMB  float64 `json:"maxMemoryUsedMB"`
					InitDurationMs   float64 `json:"initDurationMs"`
				} `json:"metrics"`
			} `json:"record"`
		}
		if json.Unmarshal([]byte(msg), &doc) != nil || doc.Type != "platform.report" {
			return r, false
		}
		m := doc.Record.Metrics
		return reportLine{Duration: m.DurationMs, Billed: m.BilledDurationMs, Init: m.InitDurationMs,
			MemorySize: m.MemorySizeMB, MaxMemory: m.MaxMemoryUsedMB}, true
	}
	return r, false
}

// emf is the part of an EMF document the report uses.
type emf struct {
	Function  string  `json:"Function"`
	Duration  float64 `json:"Duration"`
	ColdStart float64 `json:"ColdStart"`
}

func parseEMF(msg string) (emf, bool) {
	var e emf
	msg = strings.TrimSpace(msg)
	if !strings.HasPrefix(msg, "{") || !strings.Contains(msg, `"_aws"`) {
		return e, false
	}
	if json.Unmarshal([]byte(msg), &e) != nil || e.Function == "" {
		return e, false
	}
	return e, true
}

// fromLogs turns an export into per-function stats. REPORT lines carry no
// function name: they are attributed through their log group, which the EMF
// documents of the same group name (else the group's last path segment is used).
func fromLogs(recs []record) ([]stats, error) {
	groupFn := map[string]string{}
	for _, r := range recs {
		if e, ok := parseEMF(r.Message); ok && r.Log != "" {
			groupFn[r.Log] = e.Function
		}
	}
	type acc struct {
		cold, warm, billed, handler []float64
		peak, mem                   float64
		coldEMF                     int
	}
	by := map[string]*acc{}
	get := func(fn string) *acc {
		if by[fn] == nil {
			by[fn] = &acc{}
		}
		return by[fn]
	}
	for _, r := range recs {
		if e, ok := parseEMF(r.Message); ok {
			a := get(e.Function)
			a.handler = append(a.handler, e.Duration)
			if e.ColdStart > 0 {
				a.coldEMF++
			}
			continue
		}
		rep, ok := parseReport(r.Message)
		if !ok {
			continue
		}
		fn := groupFn[r.Log]
		if fn == "" {
			fn = r.Log[strings.LastIndex(r.Log, "/")+1:]
			if fn == "" {
				fn = "unknown"
			}
		}
		a := get(fn)
		if rep.Init > 0 {
			a.cold = append(a.cold, rep.Init)
		} else {
			a.warm = append(a.warm, rep.Duration)
			a.billed = append(a.billed, rep.Billed)
		}
		a.peak = max(a.peak, rep.MaxMemory)
		if rep.MemorySize > 0 {
			a.mem = rep.MemorySize
		}
	}
	if len(by) == 0 {
		return nil, fmt.Errorf("the export holds no REPORT lines and no EMF documents: check the query")
	}
	root, _ := perf.Root()
	var out []stats
	for fn, a := range by {
		s := stats{
			Name: fn, ColdP50: perf.Percentile(a.cold, 50), ColdP95: perf.Percentile(a.cold, 95),
			WarmP50: perf.Percentile(a.warm, 50), WarmP95: perf.Percentile(a.warm, 95),
			HandlerP50: perf.Percentile(a.handler, 50), PeakMB: a.peak, MemoryMB: int(a.mem),
			ColdN: len(a.cold), WarmN: len(a.warm),
		}
		if root != "" {
			s.ArmBytes = perf.FileSize(root + "/build/" + fn + "/bootstrap")
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

package perf

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// Limit is one function's budget. A zero field is not checked.
type Limit struct {
	BinaryBytes    int64   `json:"binaryBytes"`    // the linux/arm64 bootstrap
	ColdStartP50Ms float64 `json:"coldStartP50Ms"` // INIT REPORT durationMs under the emulator, median
	PeakMemoryMB   float64 `json:"peakMemoryMB"`   // the bootstrap's VmHWM
}

// Budgets is budgets.json: defaults, and per-function limits that override them
// field by field.
type Budgets struct {
	Comment   string           `json:"comment,omitempty"`
	Defaults  Limit            `json:"defaults"`
	Functions map[string]Limit `json:"functions"`
}

// LoadBudgets reads a budgets file.
func LoadBudgets(path string) (Budgets, error) {
	var b Budgets
	data, err := os.ReadFile(path)
	if err != nil {
		return b, err
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return b, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// For returns the limits of one function.
func (b Budgets) For(name string) Limit {
	l := b.Defaults
	if f, ok := b.Functions[name]; ok {
		if f.BinaryBytes != 0 {
			l.BinaryBytes = f.BinaryBytes
		}
		if f.ColdStartP50Ms != 0 {
			l.ColdStartP50Ms = f.ColdStartP50Ms
		}
		if f.PeakMemoryMB != 0 {
			l.PeakMemoryMB = f.PeakMemoryMB
		}
	}
	return l
}

// Check lists every broken budget, with the figures; functions missing from the
// budgets file are reported too, so a new function cannot go unbudgeted.
func (b Budgets) Check(rows []Row) []string {
	var out []string
	for _, r := range rows {
		if _, ok := b.Functions[r.Name]; !ok {
			out = append(out, fmt.Sprintf("%s: no entry in the budgets file (add one)", r.Name))
		}
		l := b.For(r.Name)
		if l.BinaryBytes > 0 && r.ArmBytes > l.BinaryBytes {
			out = append(out, fmt.Sprintf("%s: arm64 bootstrap is %d bytes (%.2f MiB), budget %d (%.2f MiB)",
				r.Name, r.ArmBytes, MiB(r.ArmBytes), l.BinaryBytes, MiB(l.BinaryBytes)))
		}
		if p50 := Percentile(r.ColdMs, 50); l.ColdStartP50Ms > 0 && p50 > l.ColdStartP50Ms {
			out = append(out, fmt.Sprintf("%s: cold start p50 %.1f ms under the emulator (samples %v), budget %.0f ms",
				r.Name, p50, rounded(r.ColdMs), l.ColdStartP50Ms))
		}
		if l.PeakMemoryMB > 0 && r.PeakMB() > l.PeakMemoryMB {
			out = append(out, fmt.Sprintf("%s: peak RSS %.1f MB, budget %.1f MB", r.Name, r.PeakMB(), l.PeakMemoryMB))
		}
	}
	return out
}

func rounded(xs []float64) []float64 {
	out := slices.Clone(xs)
	for i, x := range out {
		out[i] = float64(int(x*10+0.5)) / 10
	}
	return out
}

package perf

import (
	"math"
	"slices"
)

// Percentile returns the p-th percentile (0-100) of xs by the nearest-rank method,
// or 0 for no samples.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = max(1, min(rank, len(s)))
	return s[rank-1]
}

// Mean is the arithmetic mean of xs, or 0.
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var t float64
	for _, x := range xs {
		t += x
	}
	return t / float64(len(xs))
}

// MiB turns bytes into mebibytes.
func MiB(b int64) float64 { return float64(b) / (1 << 20) }

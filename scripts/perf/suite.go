package perf

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"text/tabwriter"
)

// Row is one function's figures: the emulator's measurements and binary sizes.
type Row struct {
	Result
	HostBytes int64 // the bootstrap the emulator ran (this machine's architecture)
	ArmBytes  int64 // the linux/arm64 bootstrap Lambda runs, as `make build` builds it
}

// SuiteOptions configures MeasureAll.
type SuiteOptions struct {
	Root      string
	Env       []string // DATABASE_URL=..., REDIS_ADDR=..., CACHE_PREFIX=...
	Cold      int
	Warm      int
	Log       io.Writer // progress; nil for none
	OnlyBuild bool      // stop after the builds (sizes only)
}

// MeasureAll builds every function twice into a temporary folder (linux/arm64 for
// the sizes Lambda sees, and this machine's architecture for the emulator: an
// arm64 binary cannot run on an x86 host), then measures each function under the
// emulator, one after the other so they do not disturb each other's timings.
func MeasureAll(ctx context.Context, so SuiteOptions, names []string) ([]Row, error) {
	rie, err := EnsureRIE(ctx, so.Root)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "civicq-perf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	host, arm := filepath.Join(work, goruntime.GOARCH), filepath.Join(work, "arm64")
	logf(so.Log, "building %d functions for linux/%s (the emulator) and linux/arm64 (sizes)", len(names), goruntime.GOARCH)
	if err := Build(ctx, so.Root, host, "", names); err != nil {
		return nil, err
	}
	if goruntime.GOARCH == "arm64" {
		arm = host
	} else if err := Build(ctx, so.Root, arm, "arm64", names); err != nil {
		return nil, err
	}
	var rows []Row
	for _, n := range names {
		row := Row{
			HostBytes: FileSize(filepath.Join(host, n, "bootstrap")),
			ArmBytes:  FileSize(filepath.Join(arm, n, "bootstrap")),
		}
		row.Name, row.MemoryMB = n, MemoryOf(n)
		if !so.OnlyBuild {
			logf(so.Log, "measuring %s (%d cold starts, %d warm invocations)", n, so.Cold, so.Warm)
			res, err := Measure(ctx, n, Options{
				Root: so.Root, RIE: rie, Bootstrap: filepath.Join(host, n, "bootstrap"),
				Env: so.Env, MemoryMB: row.MemoryMB, Cold: so.Cold, Warm: so.Warm,
			})
			if err != nil {
				return rows, err
			}
			row.Result = res
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

// Table writes the rows as an aligned text table.
func Table(w io.Writer, rows []Row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "function\tcold p50 ms\tcold p95 ms\twarm p50 ms\twarm p95 ms\thandler p50 ms\tpeak RSS MB\tarm64 MiB\thost MiB\tmemory MB\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f\t%.1f\t%.2f\t%.2f\t%d\t\n", r.Name,
			Percentile(r.ColdMs, 50), Percentile(r.ColdMs, 95), Percentile(r.WarmMs, 50), Percentile(r.WarmMs, 95),
			Percentile(r.HandlerMs, 50), r.PeakMB(), MiB(r.ArmBytes), MiB(r.HostBytes), r.MemoryMB)
	}
	tw.Flush()
	for _, r := range rows {
		if len(r.Problems) > 0 {
			fmt.Fprintf(w, "%s: unexpected answers: %s\n", r.Name, strings.Join(r.Problems, "; "))
		}
	}
}

// StackEnv is the environment a function needs to run against a stack.
func StackEnv(dsn, redisAddr, prefix string) []string {
	// Uploads are presigned with the credentials Lambda would put in the
	// environment; nothing here talks to S3.
	return []string{"DATABASE_URL=" + dsn, "REDIS_ADDR=" + redisAddr, "CACHE_PREFIX=" + prefix,
		"UPLOADS_BUCKET=civicq-dev-uploads", "MEDIA_BUCKET=civicq-dev-media",
		"AWS_ACCESS_KEY_ID=AKIDPERF", "AWS_SECRET_ACCESS_KEY=perf-secret"}
}

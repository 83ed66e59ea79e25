// Command costreport writes what each CivicQ function costs and why: cold start
// p50/p95, warm duration p50/p95, peak memory, binary size, and the cost of a
// million invocations at arm64 Lambda prices for 128, 256 and 512 MB, with a
// recommended memory setting, as build/cost-report.md and build/cost-report.html
// (an inline SVG chart, no external files).
//
// By default the figures come from running every bootstrap under the AWS Lambda
// Runtime Interface Emulator (see scripts/coldstart); with -from-logs they come
// from a CloudWatch Logs Insights export of a real deployment (JSON or CSV, REPORT
// lines and EMF documents). The report says which.
//
//	go run ./scripts/costreport [-cold 20] [-warm 100] [-out build]
//	go run ./scripts/costreport -from-logs export.json
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/civicq/civicq/scripts/perf"
	"github.com/civicq/civicq/shared/routes"
)

// arm64 (Graviton) Lambda prices, us-east-1.
const (
	pricePerGBSecond = 0.0000133334
	pricePerMillion  = 0.20
)

// sizes are the memory settings the report prices.
var sizes = []int{128, 256, 512}

// stats is one function's figures, whatever their source.
type stats struct {
	Name             string
	ColdP50, ColdP95 float64 // init, ms
	WarmP50, WarmP95 float64 // invocation duration as Lambda reports it, ms
	HandlerP50       float64 // the handler's own time (EMF Duration), ms
	PeakMB           float64
	ArmBytes         int64
	MemoryMB         int // the current setting (route table, or the REPORT lines)
	ColdN, WarmN     int // samples
}

func main() {
	logs := flag.String("from-logs", "", "CloudWatch Logs Insights export (JSON or CSV) to read instead of running the emulator")
	cold := flag.Int("cold", 20, "cold starts per function under the emulator")
	warm := flag.Int("warm", 100, "warm invocations per function under the emulator")
	coldShare := flag.Float64("cold-share", 0.01, "share of invocations that are cold starts, for the cost (init is billed)")
	out := flag.String("out", "build", "folder for cost-report.md and cost-report.html")
	flag.Parse()
	if err := run(*logs, *cold, *warm, *coldShare, *out); err != nil {
		fmt.Fprintln(os.Stderr, "costreport:", err)
		os.Exit(1)
	}
}

func run(logsPath string, cold, warm int, coldShare float64, out string) error {
	var (
		rows   []stats
		source string
	)
	if logsPath != "" {
		recs, err := readExport(logsPath)
		if err != nil {
			return err
		}
		if rows, err = fromLogs(recs); err != nil {
			return err
		}
		source = fmt.Sprintf("CloudWatch Logs Insights export `%s` (%d log records): REPORT lines (Duration, Billed Duration, Memory Size, Max Memory Used, Init Duration) and EMF documents, from a real deployment.", filepath.Base(logsPath), len(recs))
	} else {
		var err error
		if rows, err = fromEmulator(cold, warm); err != nil {
			return err
		}
		source = fmt.Sprintf("AWS Lambda Runtime Interface Emulator on this machine (%d cold starts and %d warm invocations per function, on its fixtures, against a throwaway database and Redis). Binaries built for the host (linux/amd64 here) because arm64 binaries cannot run on it; sizes are the linux/arm64 bootstraps. Cold start is the emulator's `INIT REPORT(durationMs)`, peak memory the bootstrap's VmHWM.", cold, warm)
	}
	rep := buildReport(rows, source, coldShare)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	md, html := filepath.Join(out, "cost-report.md"), filepath.Join(out, "cost-report.html")
	if err := os.WriteFile(md, []byte(rep.markdown()), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(html, []byte(rep.html()), 0o644); err != nil {
		return err
	}
	fmt.Print(rep.markdown())
	fmt.Fprintf(os.Stderr, "wrote %s and %s\n", md, html)
	return nil
}

func fromEmulator(cold, warm int) ([]stats, error) {
	ctx := context.Background()
	root, err := perf.Root()
	if err != nil {
		return nil, err
	}
	stack, err := perf.NewStack(ctx, os.Getenv("CIVICQ_TEST_DATABASE_URL"), os.Getenv("CIVICQ_TEST_REDIS_ADDR"), "costreport")
	if err != nil {
		return nil, err
	}
	defer stack.Close()
	res, err := perf.MeasureAll(ctx, perf.SuiteOptions{
		Root: root, Env: perf.StackEnv(stack.DSN, stack.RedisAddr, stack.Prefix), Cold: cold, Warm: warm, Log: os.Stderr,
	}, routes.Names())
	if err != nil {
		return nil, err
	}
	var rows []stats
	for _, r := range res {
		rows = append(rows, stats{
			Name: r.Name, ColdP50: perf.Percentile(r.ColdMs, 50), ColdP95: perf.Percentile(r.ColdMs, 95),
			WarmP50: perf.Percentile(r.WarmMs, 50), WarmP95: perf.Percentile(r.WarmMs, 95),
			HandlerP50: perf.Percentile(r.HandlerMs, 50), PeakMB: r.PeakMB(), ArmBytes: r.ArmBytes,
			MemoryMB: r.MemoryMB, ColdN: len(r.ColdMs), WarmN: len(r.WarmMs),
		})
	}
	return rows, nil
}

// line is a function's priced row.
type line struct {
	stats
	BilledMs    float64         // mean billed ms per invocation, cold share included
	PerMillion  map[int]float64 // memory MB → dollars per million invocations
	Recommended int
}

type report struct {
	Source    string
	ColdShare float64
	Lines     []line
	When      time.Time
}

// billedMs is the mean billed duration of an invocation: warm p50 rounded up to
// the millisecond, and for the cold share, warm p50 plus the init (Lambda bills the
// init phase), rounded up.
func billedMs(s stats, coldShare float64) float64 {
	warm := math.Ceil(s.WarmP50)
	coldInv := math.Ceil(s.WarmP50 + s.ColdP50)
	return (1-coldShare)*warm + coldShare*coldInv
}

// costPerMillion prices a million invocations of billed ms each at memory mb.
func costPerMillion(billed float64, mb int) float64 {
	return 1e6*(billed/1000)*(float64(mb)/1024)*pricePerGBSecond + pricePerMillion
}

// recommend is the smallest priced size with 2x headroom over the peak memory.
// Duration is assumed not to fall with more memory (I/O-bound functions waiting on
// Postgres and Redis); CPU scaling cannot be measured locally.
func recommend(peakMB float64) int {
	for _, s := range sizes {
		if float64(s) >= 2*peakMB {
			return s
		}
	}
	return int(math.Ceil(2*peakMB/64)) * 64
}

func buildReport(rows []stats, source string, coldShare float64) report {
	r := report{Source: source, ColdShare: coldShare, When: time.Now().UTC()}
	for _, s := range rows {
		l := line{stats: s, BilledMs: billedMs(s, coldShare), PerMillion: map[int]float64{}, Recommended: recommend(s.PeakMB)}
		for _, mb := range sizes {
			l.PerMillion[mb] = costPerMillion(l.BilledMs, mb)
		}
		r.Lines = append(r.Lines, l)
	}
	return r
}

func mib(b int64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f MiB", perf.MiB(b))
}

// opt formats v with prec decimals, or "–" when there were no samples (0).
func opt(v float64, prec int, unit string) string {
	if v == 0 {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', prec, 64) + unit
}

func (r report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# CivicQ cost report\n\nGenerated %s.\n\n**Source:** %s\n\n", r.When.Format(time.RFC3339), r.Source)
	b.WriteString("| function | cold p50 | cold p95 | warm p50 | warm p95 | handler p50 | peak memory | arm64 binary | set now | $/M @128 MB | $/M @256 MB | $/M @512 MB | recommended |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, l := range r.Lines {
		fmt.Fprintf(&b, "| %s | %s | %s | %.2f ms | %.2f ms | %s | %.1f MB | %s | %d MB | $%.4f | $%.4f | $%.4f | **%d MB** |\n",
			l.Name, opt(l.ColdP50, 1, " ms"), opt(l.ColdP95, 1, " ms"), l.WarmP50, l.WarmP95, opt(l.HandlerP50, 2, " ms"), l.PeakMB, mib(l.ArmBytes), l.MemoryMB,
			l.PerMillion[128], l.PerMillion[256], l.PerMillion[512], l.Recommended)
	}
	fmt.Fprintf(&b, `
How it is computed:

- Prices: arm64 Lambda, $%.10f per GB-second and $%.2f per million requests; billed duration rounded up to 1 ms.
- Billed duration per invocation: warm p50 rounded up to 1 ms for %.0f%% of invocations, and warm p50 + cold start p50 (Lambda bills the init of provided.al2023 functions) rounded up for the %.0f%% that start cold (`+"`-cold-share`"+`).
- The same duration is used at every memory size: CivicQ's functions are I/O-bound (they wait on PostgreSQL and Redis), so more memory (more CPU) is assumed not to shorten them. That cannot be measured locally; check it against `+"`-from-logs`"+` figures from a deployment before raising memory for speed.
- Recommended memory: the smallest of 128, 256 and 512 MB that is at least twice the peak memory (2x headroom for bigger pages, GC and concurrency in the runtime). Raise it only if a deployment shows duration falling a lot with more memory (CPU-bound work).
- – means no samples (a function that writes no EMF document, or no cold start in the export). Warm duration is Lambda's (the emulator's) REPORT Duration; "handler p50" is the function's own time from its EMF document, the rest being the runtime's round trip.
`, pricePerGBSecond, pricePerMillion, 100*(1-r.ColdShare), 100*r.ColdShare)
	return b.String()
}

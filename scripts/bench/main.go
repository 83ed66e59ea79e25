// Command bench measures CivicQ's hot paths through the local gateway, each beside
// a plain net/http hello-world measured the same way in the same run: the
// hello-world is this machine's ceiling for one HTTP round trip, so each ratio is
// what the gateway, the Lambda entry path, the api-proxy, Redis and Postgres cost.
// Everything runs in this process on loopback, against a throwaway database and
// Redis key prefix (both removed at the end); the load is vegeta.
//
// Targets: hello (the ceiling); bytes (the ballot's exact response from a plain
// handler: what of the gap is the payload's size); ballot (warm cache); list (the
// top page of the mayor race, warm sorted set); votes (verified residents voting at
// random on the race's questions, JWTs verified by the gateway).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/civicq/civicq/scripts/perf"
	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/gateway"
	"github.com/civicq/civicq/shared/jwtauth"
	"github.com/civicq/civicq/shared/jwtauth/jwttest"
	"github.com/civicq/civicq/shared/localdev"
	"github.com/civicq/civicq/shared/registry"
	"github.com/civicq/civicq/shared/routes"
)

// referenceRPS is what the system CivicQ replaces claims on 2 vCPUs.
const referenceRPS = 500

func main() {
	duration := flag.Duration("duration", 6*time.Second, "length of each measured run")
	workers := flag.Uint64("workers", 32, "concurrent requests in flight")
	rounds := flag.Int("rounds", 2, "alternating rounds of each target (the machine is noisy)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the measured runs to this file")
	memProfile := flag.String("memprofile", "", "write an allocation profile of the whole run to this file")
	only := flag.String("only", "", "comma-separated targets to measure (hello,bytes,ballot,list,votes), e.g. to profile one")
	flag.Parse()
	err := run(*duration, *workers, *rounds, *only, *cpuProfile)
	if err == nil && *memProfile != "" {
		err = writeHeapProfile(*memProfile)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("allocs").WriteTo(f, 0)
}

// target is one thing to load.
type target struct {
	key, name string
	targeter  vegeta.Targeter
}

func run(duration time.Duration, workers uint64, rounds int, only, cpuProfile string) error {
	// The functions run in this process: with the collector setting they have in Lambda.
	localdev.UseFunctionGC()
	ctx := context.Background()
	env, cleanup, err := setup(ctx)
	defer cleanup()
	if err != nil {
		return err
	}
	out := env.stdout

	ballot := env.gateway + "/api/cities/" + demo.CitySlug + "/ballot"
	list := env.gateway + "/api/cities/" + demo.CitySlug + "/contests/" + demo.RaceContestID + "/questions?sort=top"
	for _, u := range []string{ballot, list} { // warm the caches and the sorted set
		for i := 0; i < 100; i++ {
			if err := get(u); err != nil {
				return err
			}
		}
	}
	sameBytes, ballotSize, err := captured(ballot)
	if err != nil {
		return err
	}
	_, listSize, err := captured(list)
	if err != nil {
		return err
	}
	bytesURL, err := serve(sameBytes)
	if err != nil {
		return err
	}
	targets := []target{
		{"hello", "hello-world (ceiling)", static(env.hello + "/")},
		{"bytes", "ballot bytes, plain net/http", static(bytesURL + "/")},
		{"ballot", "ballot via gateway (warm)", static(ballot)},
		{"list", "ranked list via gateway (warm)", static(list)},
		{"votes", "votes via gateway", env.votes()},
	}

	// Profile the measured runs only, not the setup (signing 1,000 tokens).
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	fmt.Fprintf(out, "bench: %d workers, %v per run, %d rounds, GOMAXPROCS=%d, GOGC=%d (the functions' Lambda setting unless GOGC is set)\n", workers, duration, rounds, goruntime.GOMAXPROCS(0), gcPercent())
	fmt.Fprintf(out, "response bodies as sent (gzip): ballot %d bytes, ranked list page %d bytes\n", ballotSize, listSize)
	fmt.Fprintf(out, "%-32s %10s %9s %9s %9s %8s %10s\n", "target", "req/s", "p50", "p95", "p99", "errors", "cpu/req")
	best := map[string]vegeta.Metrics{}
	cpu := map[string][]time.Duration{}
	for r := 0; r < rounds; r++ {
		for _, t := range targets {
			if only != "" && !strings.Contains(","+only+",", ","+t.key+",") {
				continue
			}
			cpu0 := cpuTime()
			m := attack(t.targeter, duration, workers)
			perReq := (cpuTime() - cpu0) / time.Duration(max(m.Requests, 1))
			cpu[t.key] = append(cpu[t.key], perReq)
			fmt.Fprintf(out, "%-32s %10.0f %9s %9s %9s %7.2f%% %10s\n", t.name, m.Throughput,
				round(m.Latencies.P50), round(m.Latencies.P95), round(m.Latencies.P99), 100*(1-m.Success), perReq.Round(time.Microsecond))
			if len(m.Errors) > 0 {
				fmt.Fprintf(out, "    first errors: %v\n", m.Errors[:min(3, len(m.Errors))])
			}
			if m.Throughput > best[t.key].Throughput {
				best[t.key] = m
			}
		}
	}
	if h := best["hello"].Throughput; h > 0 {
		fmt.Fprintln(out, "best runs, as a share of the hello-world ceiling (target: at least 50%):")
		for _, t := range targets[1:] {
			if m, ok := best[t.key]; ok {
				fmt.Fprintf(out, "  %-30s %5.0f%%   (%.1fx the reference design's %d req/s)\n", t.name, 100*m.Throughput/h,
					m.Throughput/referenceRPS, referenceRPS)
			}
		}
	}
	if h := median(cpu["hello"]); h > 0 {
		// On a machine shared with other work, req/s swings with what the others
		// do; the CPU this process spends per request (server, client and GC,
		// all in this process; Postgres and Redis not counted) is steadier.
		fmt.Fprintln(out, "median CPU per request in this process, and the hello-world's as a share of it:")
		for _, t := range targets {
			if c := median(cpu[t.key]); c > 0 {
				fmt.Fprintf(out, "  %-30s %9s  %4.0f%%\n", t.name, c.Round(time.Microsecond), 100*float64(h)/float64(c))
			}
		}
	}
	if m, ok := best["votes"]; ok {
		fmt.Fprintf(out, "votes: %.0f/s, p95 %s (target: at least 2,000/s with p95 under 50 ms)\n", m.Throughput, round(m.Latencies.P95))
	}
	return nil
}

// benchEnv is the running stack.
type benchEnv struct {
	stdout   io.Writer
	gateway  string
	hello    string
	tokens   []string
	question []string
}

// setup builds a throwaway database and Redis key prefix (perf.NewStack: migrated,
// demo city) with 50 more questions in the mayor race, the functions against it, a token
// issuer the gateway trusts, and the two servers.
func setup(ctx context.Context) (*benchEnv, func(), error) {
	var cleanups []func()
	cleanup := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	stack, err := perf.NewStack(ctx, os.Getenv("CIVICQ_TEST_DATABASE_URL"), os.Getenv("REDIS_ADDR"), "bench")
	if err != nil {
		return nil, cleanup, err
	}
	cleanups = append(cleanups, stack.Close)
	env := &benchEnv{stdout: os.Stdout}
	if env.question, err = addQuestions(ctx, stack.DSN, 50); err != nil {
		return nil, cleanup, err
	}

	os.Setenv("DATABASE_URL", stack.DSN)
	os.Setenv("DATABASE_READ_URL", stack.DSN)
	os.Setenv("CACHE_PREFIX", stack.Prefix)
	os.Setenv("DB_MAX_CONNS", "8")
	os.Setenv("REDIS_POOL_SIZE", "64")
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, cleanup, err
	}

	// The functions log a line and an EMF document per invocation to stdout, as in
	// Lambda; they still do all that work here, into the void.
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, cleanup, err
	}
	os.Stdout = devnull
	var mounts []gateway.Mount
	for _, row := range routes.Table {
		f, err := registry.Build(row.Name, cfg)
		if err != nil {
			return nil, cleanup, err
		}
		cleanups = append(cleanups, f.Close)
		mounts = append(mounts, gateway.Mount{Route: row, Handler: f.Handler})
	}
	issuer, err := jwttest.Start()
	if err != nil {
		return nil, cleanup, err
	}
	cleanups = append(cleanups, issuer.Close)
	auth, err := jwtauth.New(ctx, jwtauth.Config{Issuer: issuer.URL, JWKSURL: issuer.JWKSURL, Audiences: []string{issuer.ClientID}})
	if err != nil {
		return nil, cleanup, err
	}
	// 1,000 residents: enough that the default limit of 100 votes an hour each is
	// never what the benchmark measures.
	for i := 0; i < 1000; i++ {
		tok, err := issuer.Sign(fmt.Sprintf("bench-resident-%04d", i), nil)
		if err != nil {
			return nil, cleanup, err
		}
		env.tokens = append(env.tokens, tok)
	}
	gw, err := gateway.New(mounts, auth, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, cleanup, err
	}
	if env.gateway, err = serve(gw); err != nil {
		return nil, cleanup, err
	}
	env.hello, err = serve(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "hello, world\n")
	}))
	return env, cleanup, err
}

// votes targets random vote changes by the simulated residents, round robin.
func (e *benchEnv) votes() vegeta.Targeter {
	var n atomic.Uint64
	return func(t *vegeta.Target) error {
		i := n.Add(1)
		q := e.question[rand.IntN(len(e.question))]
		t.Method = "PUT"
		t.URL = e.gateway + "/api/cities/" + demo.CitySlug + "/questions/" + q + "/vote"
		t.Body = []byte(fmt.Sprintf(`{"value":%d}`, rand.IntN(3)-1))
		t.Header = http.Header{
			"Authorization": []string{"Bearer " + e.tokens[i%uint64(len(e.tokens))]},
			"Content-Type":  []string{"application/json"},
		}
		return nil
	}
}

// static targets one URL with GETs as browsers send them. Setting Accept-Encoding
// explicitly also keeps Go's client from decompressing, which is the client's
// cost, not the server's.
func static(u string) vegeta.Targeter {
	return vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: u,
		Header: http.Header{"Accept-Encoding": []string{"gzip, deflate, br"}}})
}

func attack(tr vegeta.Targeter, duration time.Duration, workers uint64) vegeta.Metrics {
	// MaxBody(0): every response is still read to its end, into io.Discard, but
	// not kept in memory as vegeta does by default (a copy per response, which
	// measured the load tool rather than the server, more so the larger the body).
	a := vegeta.NewAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers), vegeta.KeepAlive(true),
		vegeta.Connections(int(workers)), vegeta.Timeout(10*time.Second), vegeta.MaxBody(0))
	var m vegeta.Metrics
	for res := range a.Attack(tr, vegeta.Rate{Freq: 0}, duration, "bench") {
		m.Add(res)
	}
	m.Close()
	return m
}

func addQuestions(ctx context.Context, dsn string, n int) ([]string, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	var ids []string
	for i := 0; i < n; i++ {
		text := fmt.Sprintf("Benchmark question %03d: what would you do about potholes on street %d?", i, i)
		var id string
		if err := conn.QueryRow(ctx, `INSERT INTO questions (city_id, contest_id, author_id, text, normalized_text, status)
			VALUES ($1, $2, $3, $4, $5, 'approved') RETURNING id`, demo.CityID, demo.RaceContestID, demo.ResidentUserID,
			text, domain.NormalizeQuestion(text)).Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func get(u string) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("warm-up: %s answered %d", u, resp.StatusCode)
	}
	return nil
}

// captured fetches url once as a browser would and returns a handler that answers
// every request with exactly that status, those headers and that body.
func captured(u string) (http.Handler, int, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, err
	}
	header := resp.Header.Clone()
	header.Del("Date")
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
	}), len(body), nil
}

func serve(h http.Handler) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = http.Serve(l, h) }()
	return "http://" + l.Addr().String(), nil
}

// cpuTime is the user and system CPU time this process has used (all threads).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func round(d time.Duration) string {
	return d.Round(10 * time.Microsecond).String()
}

// gcPercent is the collector's current target (debug has no getter).
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

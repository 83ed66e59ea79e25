// Command load is the election-night load test: the reference design's traffic
// mix against the local gateway (every route of shared/routes, built in this
// process as the gateway of `make dev` builds them), bound to 127.0.0.1, on a
// throwaway database (migrated, the demo cities, 50 more approved questions) and a
// Redis key prefix of its own, both removed at the end. The load is vegeta.
//
// Mix: 70% browsing (ballot, contest, questions by top/hot/new, question page,
// similar questions), 20% voting (PUT vote by -users simulated verified residents,
// JWTs verified by the gateway, so no one resident's rate limit is what is
// measured), 5% asking (POST question, every text unique, the city's per-user
// limit raised), 3% candidate profiles, 2% moderation (the public moderation log,
// and the moderation queue as the demo city's moderator).
//
// Phases: ramp up (linear from a tenth of -rate to -rate), steady (-rate), peak
// (-rate × -peak), ramp down (linear back to a tenth). Thresholds: p95 under -p95
// and errors under -max-errors over the whole run; any 4xx/5xx is an error (the mix
// is built to produce none). Exit status 1 when a threshold is broken.
//
//	go run ./scripts/load [-rate 300] [-duration 60s] [-peak 1.5]
//	go run ./scripts/load -find   # steady steps of -step, rate × 1.25 until a threshold breaks
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	goruntime "runtime"
	"sort"
	"strings"
	"sync/atomic"
	"text/tabwriter"
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

// referenceRPS is what the reference design claims on 2 vCPUs.
const referenceRPS = 500

type settings struct {
	rate      float64
	peak      float64
	duration  time.Duration
	workers   uint64
	p95       time.Duration
	maxErrors float64
	users     int
	find      bool
	step      time.Duration
}

func main() {
	var s settings
	flag.Float64Var(&s.rate, "rate", 300, "steady rate, requests/s")
	flag.Float64Var(&s.peak, "peak", 1.5, "peak rate as a multiple of -rate")
	flag.DurationVar(&s.duration, "duration", 60*time.Second, "whole run: ramp up 15%, steady 40%, peak 25%, ramp down 20%")
	flag.Uint64Var(&s.workers, "workers", 256, "most requests in flight")
	flag.DurationVar(&s.p95, "p95", 500*time.Millisecond, "threshold: p95 latency")
	flag.Float64Var(&s.maxErrors, "max-errors", 0.01, "threshold: share of failed requests")
	flag.IntVar(&s.users, "users", 2000, "simulated verified residents")
	flag.BoolVar(&s.find, "find", false, "find the highest steady rate that holds the thresholds instead of running the phases")
	flag.DurationVar(&s.step, "step", 10*time.Second, "with -find: length of each steady step")
	flag.Parse()
	ok, err := run(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func run(s settings) (bool, error) {
	// The functions run in this process: with the collector setting they have in Lambda.
	localdev.UseFunctionGC()
	out := os.Stdout
	ctx := context.Background()
	env, err := setup(ctx, s.users)
	if env != nil {
		defer env.close()
	}
	if err != nil {
		return false, err
	}
	fmt.Fprintf(out, "load: gateway %s, GOMAXPROCS=%d (load generator and gateway share the machine), %d residents, %d questions\n",
		env.gateway, goruntime.GOMAXPROCS(0), len(env.tokens), len(env.questions))
	env.warm()
	if s.find {
		return find(env, s, out), nil
	}
	type phase struct {
		name  string
		pacer vegeta.Pacer
		d     time.Duration
	}
	low := math.Max(1, s.rate/10)
	up, steady, peak := s.duration*15/100, s.duration*40/100, s.duration*25/100
	down := s.duration - up - steady - peak
	phases := []phase{
		{"ramp up", linear(low, s.rate, up), up},
		{"steady", vegeta.ConstantPacer{Freq: int(s.rate), Per: time.Second}, steady},
		{"peak", vegeta.ConstantPacer{Freq: int(s.rate * s.peak), Per: time.Second}, peak},
		{"ramp down", linear(s.rate, low, down), down},
	}
	total := newTally()
	fmt.Fprintf(out, "%-10s %8s %9s %9s %9s %9s %8s\n", "phase", "time", "req/s", "p50", "p95", "p99", "errors")
	for _, p := range phases {
		t := env.attack(p.name, p.pacer, p.d, s.workers)
		total.merge(t)
		m := t.all
		fmt.Fprintf(out, "%-10s %8s %9.0f %9s %9s %9s %7.2f%%\n", p.name, p.d, m.Rate, r(m.Latencies.P50), r(m.Latencies.P95), r(m.Latencies.P99), 100*(1-m.Success))
	}
	total.close()
	fmt.Fprintln(out)
	total.table(out, s.duration)
	ok := total.all.Latencies.P95 < s.p95 && 1-total.all.Success < s.maxErrors
	verdict := "HELD"
	if !ok {
		verdict = "BROKEN"
	}
	fmt.Fprintf(out, "\nthresholds (p95 < %s, errors < %.1f%%): %s — whole run p95 %s, errors %.2f%%; steady %.0f req/s, peak %.0f req/s (reference design: %d req/s on 2 vCPUs)\n",
		s.p95, 100*s.maxErrors, verdict, r(total.all.Latencies.P95), 100*(1-total.all.Success), s.rate, s.rate*s.peak, referenceRPS)
	for _, n := range total.routes() {
		if p := total.byRoute[n].Latencies.P95; p >= s.p95 {
			fmt.Fprintf(out, "warning: %s alone has p95 %s, over %s (the thresholds apply to the whole mix)\n", n, r(p), s.p95)
		}
	}
	return ok, nil
}

// find runs steady steps from -rate up by 25% each until one breaks a threshold.
func find(env *stack, s settings, out io.Writer) bool {
	fmt.Fprintf(out, "%-10s %9s %9s %9s %9s %8s\n", "target/s", "req/s", "p50", "p95", "p99", "errors")
	best := 0.0
	for rate := s.rate; ; rate *= 1.25 {
		t := env.attack("find", vegeta.ConstantPacer{Freq: int(rate), Per: time.Second}, s.step, s.workers)
		t.close()
		m := t.all
		held := m.Latencies.P95 < s.p95 && 1-m.Success < s.maxErrors && m.Throughput >= 0.95*rate
		fmt.Fprintf(out, "%-10.0f %9.0f %9s %9s %9s %7.2f%%  %s\n", rate, m.Throughput, r(m.Latencies.P50), r(m.Latencies.P95), r(m.Latencies.P99), 100*(1-m.Success), map[bool]string{true: "held", false: "BROKEN"}[held])
		if !held {
			break
		}
		best = rate
	}
	fmt.Fprintf(out, "highest steady rate that held p95 < %s and errors < %.1f%%: %.0f req/s (reference design: %d req/s on 2 vCPUs)\n", s.p95, 100*s.maxErrors, best, referenceRPS)
	return best > 0
}

// linear ramps from `from` to `to` requests/s over d.
func linear(from, to float64, d time.Duration) vegeta.Pacer {
	return vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: int(from), Per: time.Second}, Slope: (to - from) / d.Seconds()}
}

func r(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }

// tally is the metrics of a run, overall and per route.
type tally struct {
	all      *vegeta.Metrics
	byRoute  map[string]*vegeta.Metrics
	codes    map[string]map[uint16]int
	firstErr map[string]string
	results  []routed
}

func newTally() *tally {
	return &tally{all: &vegeta.Metrics{}, byRoute: map[string]*vegeta.Metrics{}, codes: map[string]map[uint16]int{}, firstErr: map[string]string{}}
}

func (t *tally) add(route string, res *vegeta.Result) {
	t.all.Add(res)
	m := t.byRoute[route]
	if m == nil {
		m = &vegeta.Metrics{}
		t.byRoute[route] = m
		t.codes[route] = map[uint16]int{}
	}
	m.Add(res)
	t.codes[route][res.Code]++
	if (res.Code >= 400 || res.Code == 0) && t.firstErr[route] == "" {
		t.firstErr[route] = fmt.Sprintf("%d %s %s", res.Code, res.Error, strings.TrimSpace(string(res.Body[:min(len(res.Body), 160)])))
	}
}

func (t *tally) merge(o *tally) {
	// vegeta.Metrics cannot be merged, so each tally keeps its results' copies: the
	// phases re-add theirs into the total (see attack).
	for _, res := range o.results {
		t.add(res.route, res.res)
	}
}

func (t *tally) close() {
	t.all.Close()
	for _, m := range t.byRoute {
		m.Close()
	}
}

// routes lists the routes seen, sorted.
func (t *tally) routes() []string {
	names := make([]string, 0, len(t.byRoute))
	for n := range t.byRoute {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (t *tally) table(w io.Writer, d time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "route\trequests\treq/s\tp50\tp95\tp99\terrors\tstatuses\t")
	names := t.routes()
	for _, n := range names {
		m := t.byRoute[n]
		var codes []string
		for c, k := range t.codes[n] {
			codes = append(codes, fmt.Sprintf("%d×%d", c, k))
		}
		sort.Strings(codes)
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t%s\t%.2f%%\t%s\t\n", n, m.Requests, float64(m.Requests)/d.Seconds(),
			r(m.Latencies.P50), r(m.Latencies.P95), r(m.Latencies.P99), 100*(1-m.Success), strings.Join(codes, " "))
	}
	m := t.all
	fmt.Fprintf(tw, "all\t%d\t%.1f\t%s\t%s\t%s\t%.2f%%\t\t\n", m.Requests, float64(m.Requests)/d.Seconds(), r(m.Latencies.P50), r(m.Latencies.P95), r(m.Latencies.P99), 100*(1-m.Success))
	tw.Flush()
	for _, n := range names {
		if e := t.firstErr[n]; e != "" {
			fmt.Fprintf(w, "  %s first error: %s\n", n, e)
		}
	}
}

// stack is the running gateway and what the mix needs to know.
type stack struct {
	gateway    string
	tokens     []string
	modToken   string   // the demo moderator's token (the moderation queue)
	questions  []string // approved questions of the mayor race
	contests   []string // contests of the upcoming Riverton election
	candidates []string
	mux        *http.ServeMux // route patterns → route names, to name results
	close      func()
	seq        atomic.Uint64
}

func setup(ctx context.Context, users int) (*stack, error) {
	var cleanups []func()
	st := &stack{close: func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}}
	redisAddr := os.Getenv("CIVICQ_TEST_REDIS_ADDR")
	db, err := perf.NewStack(ctx, os.Getenv("CIVICQ_TEST_DATABASE_URL"), redisAddr, "load")
	if err != nil {
		return st, err
	}
	cleanups = append(cleanups, db.Close)
	if err := st.loadIDs(ctx, db.DSN); err != nil {
		return st, err
	}
	os.Setenv("DATABASE_URL", db.DSN)
	os.Setenv("DATABASE_READ_URL", db.DSN)
	os.Setenv("REDIS_ADDR", redisAddr)
	os.Setenv("CACHE_PREFIX", db.Prefix)
	os.Setenv("DB_MAX_CONNS", "8")
	os.Setenv("REDIS_POOL_SIZE", "64")
	cfg, err := config.FromEnv()
	if err != nil {
		return st, err
	}
	// The functions write a log line and an EMF document per invocation to stdout,
	// as in Lambda; here that goes to the void (the work is still done).
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return st, err
	}
	stdout := os.Stdout
	os.Stdout = devnull
	mounts, closeAll, err := registry.Mounts(cfg)
	os.Stdout = stdout
	if err != nil {
		return st, err
	}
	cleanups = append(cleanups, closeAll)
	issuer, err := jwttest.Start()
	if err != nil {
		return st, err
	}
	cleanups = append(cleanups, issuer.Close)
	auth, err := jwtauth.New(ctx, jwtauth.Config{Issuer: issuer.URL, JWKSURL: issuer.JWKSURL, Audiences: []string{issuer.ClientID}})
	if err != nil {
		return st, err
	}
	for i := 0; i < users; i++ {
		tok, err := issuer.Sign(fmt.Sprintf("load-resident-%05d", i), nil)
		if err != nil {
			return st, err
		}
		st.tokens = append(st.tokens, tok)
	}
	// The demo moderator's subject: their role in the demo city is in Postgres.
	if st.modToken, err = issuer.Sign(demo.ModeratorUserSubject, nil); err != nil {
		return st, err
	}
	gw, err := gateway.New(mounts, auth, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return st, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return st, err
	}
	srv := &http.Server{Handler: gw}
	go func() { _ = srv.Serve(l) }()
	cleanups = append(cleanups, func() { _ = srv.Close() })
	st.gateway = "http://" + l.Addr().String()
	st.mux = http.NewServeMux()
	for _, row := range routes.Table {
		st.mux.Handle(row.Pattern(), http.NotFoundHandler())
	}
	return st, nil
}

// loadIDs adds 50 approved questions to the mayor race (as scripts/bench does) and
// reads the ids the mix picks from.
func (st *stack) loadIDs(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for i := 0; i < 50; i++ {
		text := fmt.Sprintf("Load question %03d: what would you do about potholes on street %d?", i, i)
		if _, err := conn.Exec(ctx, `INSERT INTO questions (city_id, contest_id, author_id, text, normalized_text, status)
			VALUES ($1, $2, $3, $4, $5, 'approved')`, demo.CityID, demo.RaceContestID, demo.ResidentUserID,
			text, domain.NormalizeQuestion(text)); err != nil {
			return err
		}
	}
	ids := func(q string, args ...any) ([]string, error) {
		rows, err := conn.Query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if st.questions, err = ids(`SELECT id::text FROM questions WHERE contest_id = $1 AND status = 'approved'`, demo.RaceContestID); err != nil {
		return err
	}
	if st.contests, err = ids(`SELECT id::text FROM contests WHERE election_id = $1`, demo.ElectionID); err != nil {
		return err
	}
	if st.candidates, err = ids(`SELECT id::text FROM candidates WHERE city_id = $1 AND contest_id IN
		(SELECT id FROM contests WHERE election_id = $2)`, demo.CityID, demo.ElectionID); err != nil {
		return err
	}
	if len(st.questions) == 0 || len(st.contests) == 0 || len(st.candidates) == 0 {
		return fmt.Errorf("the demo data has no questions, contests or candidates to load")
	}
	return nil
}

func pick(xs []string) string { return xs[rand.IntN(len(xs))] }

var similarTexts = []string{"rent", "potholes", "police overtime", "parks levy", "housing", "bus lanes", "library hours"}

// next fills t with one request of the mix.
func (st *stack) next(t *vegeta.Target) error {
	city := st.gateway + "/api/cities/" + demo.CitySlug
	t.Method, t.Body = http.MethodGet, nil
	t.Header = http.Header{"Accept-Encoding": []string{"gzip, deflate, br"}}
	token := func() { t.Header.Set("Authorization", "Bearer "+pick(st.tokens)) }
	switch n := rand.IntN(100); {
	// 70% browsing
	case n < 20:
		t.URL = city + "/ballot"
	case n < 30:
		t.URL = city + "/contests/" + pick(st.contests)
	case n < 40:
		t.URL = city + "/contests/" + demo.RaceContestID + "/questions?sort=top"
	case n < 48:
		t.URL = city + "/contests/" + demo.RaceContestID + "/questions?sort=hot"
	case n < 55:
		t.URL = city + "/contests/" + demo.RaceContestID + "/questions?sort=new"
	case n < 65:
		t.URL = city + "/questions/" + pick(st.questions)
	case n < 70:
		t.URL = city + "/contests/" + demo.RaceContestID + "/questions/similar?q=" + url.QueryEscape(pick(similarTexts))
	// 20% voting
	case n < 90:
		t.Method = http.MethodPut
		t.URL = city + "/questions/" + pick(st.questions) + "/vote"
		t.Body = []byte(fmt.Sprintf(`{"value":%d}`, rand.IntN(3)-1))
		t.Header.Set("Content-Type", "application/json")
		token()
	// 5% asking: unique texts, so no 409 duplicates
	case n < 95:
		t.Method = http.MethodPost
		t.URL = city + "/contests/" + demo.RaceContestID + "/questions"
		t.Body = []byte(fmt.Sprintf(`{"text":"Question %d from the election-night load test: how will you fund road repair %s?","tags":["roads"]}`,
			st.seq.Add(1), perf.Suffix()))
		t.Header.Set("Content-Type", "application/json")
		token()
	// 3% candidate profiles
	case n < 98:
		t.URL = city + "/candidates/" + pick(st.candidates)
	// 2% moderation: the public log, and the queue as the demo moderator
	case n < 99:
		t.URL = city + "/moderation/log"
	default:
		t.URL = city + "/moderation/queue"
		t.Header.Set("Authorization", "Bearer "+st.modToken)
	}
	return nil
}

// warm sends each route a few requests so the run measures warm caches, as a
// deployed system at election night would have.
func (st *stack) warm() {
	var t vegeta.Target
	c := &http.Client{Timeout: 10 * time.Second}
	for i := 0; i < 300; i++ {
		_ = st.next(&t)
		if t.Method != http.MethodGet {
			continue
		}
		req, _ := http.NewRequest(t.Method, t.URL, nil)
		req.Header = t.Header
		if resp, err := c.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}

// routeOf names a result by the route pattern its URL matches.
func (st *stack) routeOf(method, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "?"
	}
	req := &http.Request{Method: method, URL: u, Host: u.Host}
	_, pattern := st.mux.Handler(req)
	for _, row := range routes.Table {
		if row.Pattern() == pattern {
			if row.Name == "list-questions" {
				return row.Name + " (" + u.Query().Get("sort") + ")"
			}
			return row.Name
		}
	}
	return method + " " + u.Path
}

type routed struct {
	route string
	res   *vegeta.Result
}

// attack runs one phase and returns its tally (the results are kept for the total).
func (st *stack) attack(name string, p vegeta.Pacer, d time.Duration, workers uint64) *tally {
	a := vegeta.NewAttacker(vegeta.Workers(min(workers, 32)), vegeta.MaxWorkers(workers), vegeta.KeepAlive(true),
		vegeta.Connections(int(workers)), vegeta.Timeout(10*time.Second), vegeta.MaxBody(512))
	t := newTally()
	for res := range a.Attack(st.next, p, d, name) {
		rt := st.routeOf(res.Method, res.URL)
		t.add(rt, res)
		t.results = append(t.results, routed{rt, res})
	}
	t.all.Close()
	return t
}

// Command bench measures the ballot read through the local gateway with a warm
// cache, beside a plain net/http hello-world handler measured the same way in the
// same run: the hello-world figure is this machine's ceiling for one HTTP round
// trip, so the ratio is what the gateway, the Lambda entry path, the api-proxy and
// Redis cost. Both servers run in this process on loopback; the load is vegeta at
// its maximum rate with a fixed number of workers (a closed loop).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	goruntime "runtime"
	"runtime/pprof"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/gateway"
	"github.com/civicq/civicq/shared/localdev"
	"github.com/civicq/civicq/shared/registry"
)

func main() {
	duration := flag.Duration("duration", 8*time.Second, "length of each measured run")
	workers := flag.Uint64("workers", 32, "concurrent requests in flight")
	rounds := flag.Int("rounds", 2, "alternating rounds of each target (the machine is noisy)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	only := flag.String("only", "", "measure one target only (hello or ballot), e.g. to profile it")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*duration, *workers, *rounds, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(duration time.Duration, workers uint64, rounds int, only string) error {
	os.Setenv("DB_MAX_CONNS", "8")
	os.Setenv("REDIS_POOL_SIZE", "64")
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	ctx := context.Background()
	if _, err := localdev.Prepare(ctx, cfg.DatabaseURL, true); err != nil {
		return err
	}
	// The functions write a log line and an EMF document per invocation to stdout,
	// as in Lambda; they still do all that work here, into the void.
	out := os.Stdout
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	os.Stdout = devnull

	mounts, closeAll, err := registry.Mounts(cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	gw, err := gateway.New(mounts, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	gwURL, err := serve(gw)
	if err != nil {
		return err
	}
	helloURL, err := serve(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "hello, world\n")
	}))
	if err != nil {
		return err
	}

	ballot := gwURL + "/api/cities/" + demo.CitySlug + "/ballot"
	// Warm the cache (and every connection pool) before measuring.
	for i := 0; i < 200; i++ {
		resp, err := http.Get(ballot)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("warm-up: %s answered %d", ballot, resp.StatusCode)
		}
	}

	// The same bytes the gateway sends, from a plain handler: what of the gap between
	// hello-world and the ballot is the size of the answer, and what is the gateway.
	sameBytes, err := captured(ballot)
	if err != nil {
		return err
	}
	bytesURL, err := serve(sameBytes)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "bench: %d workers, %v per run, %d rounds, GOMAXPROCS=%d\n", workers, duration, rounds, runtimeProcs())
	fmt.Fprintf(out, "%-28s %10s %9s %9s %9s %8s\n", "target", "req/s", "p50", "p95", "p99", "errors")
	best := map[string]float64{}
	for r := 0; r < rounds; r++ {
		for _, t := range []struct{ key, name, url string }{
			{"hello", "hello-world (ceiling)", helloURL + "/"},
			{"bytes", "ballot bytes, plain net/http", bytesURL + "/"},
			{"ballot", "ballot via gateway (warm)", ballot},
		} {
			if only != "" && only != t.key {
				continue
			}
			m := attack(t.url, duration, workers)
			fmt.Fprintf(out, "%-28s %10.0f %9s %9s %9s %7.2f%%\n", t.name, m.Throughput,
				round(m.Latencies.P50), round(m.Latencies.P95), round(m.Latencies.P99), 100*(1-m.Success))
			best[t.key] = max(best[t.key], m.Throughput)
		}
	}
	if only == "" {
		fmt.Fprintf(out, "ballot/ceiling throughput (best runs): %.0f%% (target: at least 50%%); same bytes without the gateway: %.0f%%\n",
			100*best["ballot"]/best["hello"], 100*best["bytes"]/best["hello"])
	}
	return nil
}

// attack loads url as fast as the workers go. Requests say what browsers say,
// Accept-Encoding: gzip; setting it explicitly also keeps Go's client from
// decompressing, which is the client's cost, not the server's.
func attack(url string, duration time.Duration, workers uint64) vegeta.Metrics {
	a := vegeta.NewAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers), vegeta.KeepAlive(true),
		vegeta.Connections(int(workers)), vegeta.Timeout(10*time.Second))
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: url,
		Header: http.Header{"Accept-Encoding": []string{"gzip, deflate, br"}}})
	var m vegeta.Metrics
	for res := range a.Attack(tr, vegeta.Rate{Freq: 0}, duration, url) {
		m.Add(res)
	}
	m.Close()
	return m
}

// captured fetches url once as a browser would and returns a handler that answers
// every request with exactly that status, those headers and that body.
func captured(url string) (http.Handler, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	header := resp.Header.Clone()
	header.Del("Date")
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
	}), nil
}

func serve(h http.Handler) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = http.Serve(l, h) }()
	return "http://" + l.Addr().String(), nil
}

func round(d time.Duration) string {
	return d.Round(10 * time.Microsecond).String()
}

func runtimeProcs() int { return goruntime.GOMAXPROCS(0) }

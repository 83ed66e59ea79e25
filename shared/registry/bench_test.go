package registry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/gateway"
	"github.com/civicq/civicq/shared/localdev"
	"github.com/civicq/civicq/shared/routes"
	"github.com/civicq/civicq/shared/testenv"
)

// BenchmarkGatewayBallotWarm is the ballot read through the local gateway and the
// Lambda entry path, in process (no sockets but Redis), with a warm cache: the
// per-request cost of everything CivicQ adds on top of net/http.
func BenchmarkGatewayBallotWarm(b *testing.B) {
	benchGateway(b, "/api/cities/"+demo.CitySlug+"/ballot")
}

// BenchmarkGatewayListWarm is the top page of the mayor race's ranked questions, the
// same way (the page is kept in memory for a second, the city's policy too).
func BenchmarkGatewayListWarm(b *testing.B) {
	benchGateway(b, "/api/cities/"+demo.CitySlug+"/contests/"+demo.RaceContestID+"/questions?sort=top")
}

func benchGateway(b *testing.B, target string) {
	// As the functions run in Lambda (routes.GOGC); GOGC=100 in the environment
	// measures them with Go's default instead.
	localdev.UseFunctionGC()
	dsn := testenv.EmptyDB(b)
	if _, err := localdev.Prepare(context.Background(), dsn, true); err != nil {
		b.Fatal(err)
	}
	cfg := config.Config{DatabaseURL: dsn, DatabaseReadURL: dsn, DBMaxConns: 4, DBConnectTimeout: 2e9,
		RedisAddr: testenv.RedisAddr(b), RedisTimeout: 2e8, RedisPoolSize: 32, CachePrefix: testenv.KeyPrefix(b), CacheLocalTTL: time.Second,
		MetricsNamespace: "CivicQBench"}
	var mounts []gateway.Mount
	for _, row := range routes.Table {
		f, err := Build(row.Name, cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		f.Runtime.Metrics = io.Discard
		mounts = append(mounts, gateway.Mount{Route: row, Handler: f.Handler})
	}
	gw, err := gateway.New(mounts, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	get := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, target, strings.NewReader(""))
		req.Header.Set("Accept-Encoding", "gzip, deflate, br") // as browsers and CloudFront send
		gw.ServeHTTP(rec, req)
		return rec
	}
	if warm := get(); warm.Code != 200 {
		b.Fatalf("warm-up answered %d", warm.Code)
	} else {
		b.SetBytes(int64(warm.Body.Len()))
	}
	b.ReportAllocs()
	cpu := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if rec := get(); rec.Code != 200 {
				b.Errorf("status %d", rec.Code)
			}
		}
	})
	b.StopTimer()
	// CPU time per request (the process's user+system time, all threads, GC
	// included) is steadier than ns/op on a machine shared with other work.
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package registry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
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
	target := "/api/cities/" + demo.CitySlug + "/ballot"
	warm := httptest.NewRecorder()
	gw.ServeHTTP(warm, httptest.NewRequest(http.MethodGet, target, nil))
	if warm.Code != 200 {
		b.Fatalf("warm-up answered %d", warm.Code)
	}
	b.SetBytes(int64(warm.Body.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, target, strings.NewReader(""))
			req.Header.Set("Accept-Encoding", "gzip, deflate, br") // as browsers and CloudFront send
			gw.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Errorf("status %d", rec.Code)
			}
		}
	})
}

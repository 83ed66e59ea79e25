package api_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/cache"
	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/localdev"
	"github.com/civicq/civicq/shared/routes"
	"github.com/civicq/civicq/shared/store"
	"github.com/civicq/civicq/shared/testenv"
)

// env is one test's world: a migrated database with the demo city, and handlers
// wired to it and to a Redis at redisAddr.
type env struct {
	dsn   string
	store *store.Store
	exec  func(sql string, args ...any)
	mux   *http.ServeMux
	deps  *api.Deps
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newEnv(t *testing.T, redisAddr string) *env {
	t.Helper()
	ctx := context.Background()
	dsn := testenv.EmptyDB(t)
	_, err := localdev.Prepare(ctx, dsn, true)
	require.NoError(t, err)
	return newEnvOn(t, dsn, redisAddr)
}

func newEnvOn(t *testing.T, dsn, redisAddr string) *env {
	t.Helper()
	ctx := context.Background()
	pool, err := store.NewPool(ctx, dsn, store.PoolOptions{MaxConns: 2, ConnectTimeout: time.Second})
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	var c *cache.Cache
	if redisAddr != "" {
		rdb := cache.NewClient(cache.Options{Addr: redisAddr, Timeout: 150 * time.Millisecond, PoolSize: 2})
		t.Cleanup(func() { _ = rdb.Close() })
		c = cache.New(rdb, testenv.KeyPrefix(t), quiet)
	}
	e := &env{dsn: dsn, store: store.New(pool, nil), mux: http.NewServeMux()}
	e.exec = func(sql string, args ...any) {
		_, err := pool.Exec(ctx, sql, args...)
		require.NoError(t, err)
	}
	e.deps = &api.Deps{Function: "test", Store: e.store, Cache: c, Log: quiet, Now: time.Now}
	for name, build := range api.Handlers() {
		row, ok := routes.ByName(name)
		require.True(t, ok)
		e.mux.Handle(row.Pattern(), build(e.deps))
	}
	return e
}

func (e *env) get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v), rec.Body.String())
	return v
}

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	return decode[api.ErrorBody](t, rec).Error.Code
}

func TestBallotIsTheUpcomingElectionInDisplayOrder(t *testing.T) {
	e := newEnv(t, testenv.RedisAddr(t))
	rec := e.get(t, "/api/cities/riverton/ballot")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Header().Get("Cache-Control"), "public")
	require.Contains(t, rec.Header().Get("Cache-Control"), "s-maxage=")
	b := decode[domain.Ballot](t, rec)
	require.Equal(t, "riverton", b.City.Slug)
	require.Equal(t, demo.ElectionID, b.Election.ID, "the upcoming election, not the past one")
	require.Equal(t, "2027-05-18", b.Election.Date)

	var races, measures, candidates int
	for i, c := range b.Contests {
		if i > 0 {
			require.Greater(t, c.DisplayOrder, b.Contests[i-1].DisplayOrder, "contests in display order")
		}
		switch c.Kind {
		case domain.KindRace:
			races++
			require.GreaterOrEqual(t, len(c.Candidates), 2, "race %q", c.Title)
			for j := 1; j < len(c.Candidates); j++ {
				require.GreaterOrEqual(t, c.Candidates[j].DisplayOrder, c.Candidates[j-1].DisplayOrder)
			}
			for _, cd := range c.Candidates {
				require.NotEmpty(t, cd.Name)
			}
			candidates += len(c.Candidates)
			require.Nil(t, c.Measure)
		case domain.KindMeasure:
			measures++
			require.NotNil(t, c.Measure, "measure contest %q", c.Title)
			m := c.Measure
			for _, s := range []string{m.Number, m.Title, m.Summary} {
				require.NotEmpty(t, s)
			}
			// The full text, fiscal note and arguments are the contest route's.
			page := decode[domain.ContestPage](t, e.get(t, "/api/cities/riverton/contests/"+c.ID))
			full := page.Contest.Measure
			require.NotNil(t, full)
			for _, s := range []string{full.FullText, full.FiscalNote, full.ProArgument, full.ConArgument} {
				require.NotEmpty(t, s)
			}
			require.Equal(t, m.Summary, full.Summary)
		}
	}
	require.GreaterOrEqual(t, races, 4, "mayor, two council seats, school board")
	require.Equal(t, 2, measures)
	// Bios are the contest and candidate routes' too; the ballot stays small.
	require.NotContains(t, rec.Body.String(), `"bio"`)
	require.NotContains(t, rec.Body.String(), `"fullText"`)
	require.GreaterOrEqual(t, candidates, 10)
}

func TestBadInputGetsPreciseErrors(t *testing.T) {
	e := newEnv(t, testenv.RedisAddr(t))
	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"/api/cities/atlantis/ballot", 404, "city_not_found"},
		{"/api/cities/Riverton/ballot", 400, "invalid_city"},
		{"/api/cities/r/ballot", 400, "invalid_city"},
		{"/api/cities/riverton/contests/42", 400, "invalid_contest_id"},
		{"/api/cities/riverton/contests/00000000-0000-4000-8000-000000000000", 404, "contest_not_found"},
		{"/api/cities/riverton/candidates/xyz", 400, "invalid_candidate_id"},
		{"/api/cities/lakeview/candidates/" + demo.CandidateID, 404, "candidate_not_found"},
		{"/api/cities/atlantis/contests/" + demo.RaceContestID, 404, "contest_not_found"},
	} {
		rec := e.get(t, tc.path)
		require.Equal(t, tc.status, rec.Code, "%s: %s", tc.path, rec.Body.String())
		require.Equal(t, tc.code, errorCode(t, rec), tc.path)
		require.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "errors must not be cached: %s", tc.path)
	}
}

func TestCityWithoutUpcomingElection(t *testing.T) {
	e := newEnv(t, testenv.RedisAddr(t))
	e.exec(`UPDATE elections SET status = 'past' WHERE city_id = $1`, demo.CityID)
	rec := e.get(t, "/api/cities/riverton/ballot")
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Equal(t, "no_upcoming_election", errorCode(t, rec))
}

func TestContestAndCandidatePages(t *testing.T) {
	e := newEnv(t, testenv.RedisAddr(t))
	rec := e.get(t, "/api/cities/riverton/contests/"+demo.RaceContestID)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	p := decode[domain.ContestPage](t, rec)
	require.Equal(t, demo.RaceContestID, p.Contest.ID)
	require.GreaterOrEqual(t, len(p.Contest.Candidates), 2)
	require.Equal(t, demo.ElectionID, p.Election.ID)

	rec = e.get(t, "/api/cities/riverton/contests/"+demo.MeasureContestID)
	require.Equal(t, http.StatusOK, rec.Code)
	p = decode[domain.ContestPage](t, rec)
	require.NotNil(t, p.Contest.Measure)
	require.Empty(t, p.Contest.Candidates)

	rec = e.get(t, "/api/cities/riverton/candidates/"+demo.CandidateID)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	c := decode[domain.CandidateProfile](t, rec)
	require.Equal(t, demo.CandidateID, c.Candidate.ID)
	require.Equal(t, c.Contest.ID, c.Candidate.ContestID)
}

func TestListCities(t *testing.T) {
	e := newEnv(t, testenv.RedisAddr(t))
	rec := e.get(t, "/api/cities")
	require.Equal(t, http.StatusOK, rec.Code)
	var page struct{ Cities []domain.CitySummary }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &page))
	slugs := map[string]bool{}
	for _, c := range page.Cities {
		slugs[c.Slug] = true
		require.NotNil(t, c.NextElection, c.Slug)
	}
	require.True(t, slugs["riverton"] && slugs["lakeview"], "%v", slugs)
}

// Reads are cached in Redis; a write that invalidates the city shows at once.
func TestBallotIsCachedAndInvalidatedPerCity(t *testing.T) {
	e := newEnv(t, testenv.RedisAddr(t))
	first := e.get(t, "/api/cities/riverton/ballot").Body.String()
	e.exec(`UPDATE contests SET title = 'Mayor of Riverton' WHERE id = $1`, demo.RaceContestID)
	require.Equal(t, first, e.get(t, "/api/cities/riverton/ballot").Body.String(), "served from the cache until invalidated")
	require.NoError(t, e.deps.Cache.InvalidateCity(context.Background(), "riverton"))
	require.Contains(t, e.get(t, "/api/cities/riverton/ballot").Body.String(), "Mayor of Riverton")
}

// Redis pointed at a closed port: the same answers come from Postgres, fast.
func TestRedisDownStillServesTheBallot(t *testing.T) {
	healthy := newEnv(t, testenv.RedisAddr(t))
	want := healthy.get(t, "/api/cities/riverton/ballot").Body.String()

	down := newEnvOn(t, healthy.dsn, testenv.ClosedPort(t))
	start := time.Now()
	for i := 0; i < 20; i++ {
		rec := down.get(t, "/api/cities/riverton/ballot")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.JSONEq(t, want, rec.Body.String())
	}
	require.Less(t, time.Since(start), 3*time.Second, "no long stall with Redis down")

	rec := down.get(t, "/api/health")
	require.Equal(t, http.StatusOK, rec.Code)
	h := decode[domain.Health](t, rec)
	require.Equal(t, "degraded", h.Status)
	require.Equal(t, "unreachable", h.Checks["redis"])
}

// Postgres unreachable: 503 with Retry-After, quickly, never a 500.
func TestPostgresDownAnswers503Fast(t *testing.T) {
	down := newEnvOn(t, "postgres://postgres@"+testenv.ClosedPort(t)+"/civicq?sslmode=disable", testenv.RedisAddr(t))
	start := time.Now()
	for _, path := range []string{"/api/cities/riverton/ballot", "/api/cities", "/api/health",
		"/api/cities/riverton/contests/" + demo.RaceContestID, "/api/cities/riverton/candidates/" + demo.CandidateID} {
		rec := down.get(t, path)
		require.Equal(t, http.StatusServiceUnavailable, rec.Code, "%s: %s", path, rec.Body.String())
		require.Equal(t, "5", rec.Header().Get("Retry-After"), path)
	}
	require.Less(t, time.Since(start), 3*time.Second)
}

func TestHealthOK(t *testing.T) {
	e := newEnv(t, testenv.RedisAddr(t))
	rec := e.get(t, "/api/health")
	require.Equal(t, http.StatusOK, rec.Code)
	h := decode[domain.Health](t, rec)
	require.Equal(t, "ok", h.Status)
	require.Equal(t, map[string]string{"postgres": "ok", "redis": "ok"}, h.Checks)
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
}

// Clients that accept gzip get the cached compressed bytes as they are; others get
// the same JSON uncompressed.
func TestGzipForClientsThatAcceptIt(t *testing.T) {
	e := newEnv(t, testenv.RedisAddr(t))
	plain := e.get(t, "/api/cities/riverton/ballot")
	require.Empty(t, plain.Header().Get("Content-Encoding"))
	for _, ae := range []string{"gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "*"} {
		req := httptest.NewRequest(http.MethodGet, "/api/cities/riverton/ballot", nil)
		req.Header.Set("Accept-Encoding", ae)
		rec := httptest.NewRecorder()
		e.mux.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, "gzip", rec.Header().Get("Content-Encoding"), ae)
		require.Equal(t, "Accept-Encoding", rec.Header().Get("Vary"))
		zr, err := gzip.NewReader(rec.Body)
		require.NoError(t, err)
		body, err := io.ReadAll(zr)
		require.NoError(t, err)
		require.JSONEq(t, plain.Body.String(), string(body))
		require.Less(t, rec.Body.Len(), plain.Body.Len()/2, "compressed")
	}
	for _, ae := range []string{"", "identity", "gzip;q=0", "br"} {
		req := httptest.NewRequest(http.MethodGet, "/api/cities/riverton/ballot", nil)
		if ae != "" {
			req.Header.Set("Accept-Encoding", ae)
		}
		rec := httptest.NewRecorder()
		e.mux.ServeHTTP(rec, req)
		require.Empty(t, rec.Header().Get("Content-Encoding"), ae)
		require.JSONEq(t, plain.Body.String(), rec.Body.String(), ae)
	}
}

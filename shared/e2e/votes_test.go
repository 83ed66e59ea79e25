package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/gateway"
	"github.com/civicq/civicq/shared/jwtauth"
	"github.com/civicq/civicq/shared/jwtauth/jwttest"
	"github.com/civicq/civicq/shared/localdev"
	"github.com/civicq/civicq/shared/registry"
	"github.com/civicq/civicq/shared/routes"
	"github.com/civicq/civicq/shared/testenv"
)

// stack is the local stack for one test: its own database (demo city loaded), its
// own redis-server, every route behind the gateway on an httptest server, and a
// token issuer the gateway trusts.
type stack struct {
	db     *pgxpool.Pool
	redis  *testenv.RedisServer
	url    string
	issuer *jwttest.Issuer
	prefix string
	client *http.Client
	cfg    config.Config
}

func newStack(t *testing.T) *stack { return newStackWith(t, nil) }

// newStackWith is newStack with the functions' configuration edited first.
func newStackWith(t *testing.T, edit func(*config.Config)) *stack {
	t.Helper()
	ctx := context.Background()
	dsn := testenv.EmptyDB(t)
	_, err := localdev.Prepare(ctx, dsn, true)
	require.NoError(t, err)
	db, err := pgxpool.New(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	s := &stack{db: db, redis: testenv.StartRedis(t), issuer: jwttest.New(t), prefix: testenv.KeyPrefix(t)}
	cfg := config.Config{DatabaseURL: dsn, DatabaseReadURL: dsn, DBMaxConns: 16, DBConnectTimeout: 2 * time.Second,
		RedisAddr: s.redis.Addr, RedisTimeout: 150 * time.Millisecond, RedisPoolSize: 64, CachePrefix: s.prefix,
		CacheLocalTTL: 0, MetricsNamespace: "CivicQTest"} // no in-memory tier: the checks read the sorted sets themselves
	if edit != nil {
		edit(&cfg)
	}
	s.cfg = cfg
	var mounts []gateway.Mount
	for _, row := range routes.Table {
		f, err := registry.Build(row.Name, cfg)
		require.NoError(t, err)
		t.Cleanup(f.Close)
		f.Runtime.Metrics = io.Discard
		mounts = append(mounts, gateway.Mount{Route: row, Handler: f.Handler})
	}
	auth, err := jwtauth.New(ctx, jwtauth.Config{Issuer: s.issuer.URL, JWKSURL: s.issuer.JWKSURL, Audiences: []string{s.issuer.ClientID}})
	require.NoError(t, err)
	gw, err := gateway.New(mounts, auth, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	s.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
	return s
}

// exec runs SQL on the test database.
func (s *stack) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	_, err := s.db.Exec(context.Background(), sql, args...)
	require.NoError(t, err)
}

// do sends one request and returns the status and body.
func (s *stack) do(t *testing.T, method, path, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// addQuestions inserts n approved questions in the demo mayor race.
func (s *stack) addQuestions(t *testing.T, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		text := fmt.Sprintf("Question %03d: how will you fund street repairs in district %d?", i, i)
		require.NoError(t, s.db.QueryRow(context.Background(), `INSERT INTO questions
			(city_id, contest_id, author_id, text, normalized_text, status, created_at)
			VALUES ($1, $2, $3, $4, $5, 'approved', now() - make_interval(mins => $6)) RETURNING id`,
			demo.CityID, demo.RaceContestID, demo.ResidentUserID, text, domain.NormalizeQuestion(text), i).Scan(&ids[i]))
	}
	return ids
}

// listAll reads a whole ranked list through the API, page by page.
func (s *stack) listAll(t *testing.T, sort domain.Sort) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for page := 0; page < 100; page++ {
		path := "/api/cities/riverton/contests/" + demo.RaceContestID + "/questions?limit=17&sort=" + string(sort)
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		status, body := s.do(t, "GET", path, "", "")
		require.Equal(t, http.StatusOK, status, string(body))
		var resp struct {
			Questions []struct{ ID string }
			Next      string
		}
		require.NoError(t, json.Unmarshal(body, &resp))
		for _, q := range resp.Questions {
			ids = append(ids, q.ID)
		}
		if resp.Next == "" {
			return ids
		}
		cursor = resp.Next
	}
	t.Fatal("the list never ended")
	return nil
}

// pgRanking is what Postgres says: each public question of the mayor race with
// its scores, and the order of each sort (score descending, id descending on ties,
// as the sorted sets order them).
func (s *stack) pgRanking(t *testing.T) (map[string]domain.SortScores, map[domain.Sort][]string) {
	t.Helper()
	rows, err := s.db.Query(context.Background(), `SELECT id, upvotes, downvotes, created_at FROM questions
		WHERE contest_id = $1 AND status = 'approved' AND NOT hidden`, demo.RaceContestID)
	require.NoError(t, err)
	scores := map[string]domain.SortScores{}
	var ids []string
	for rows.Next() {
		var id string
		var in domain.RankInput
		require.NoError(t, rows.Scan(&id, &in.Up, &in.Down, &in.Created))
		scores[id] = domain.Scores(in)
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	order := map[domain.Sort][]string{}
	for _, sort := range domain.Sorts {
		o := slices.Clone(ids)
		slices.SortFunc(o, func(a, b string) int {
			sa, sb := scores[a].Of(sort), scores[b].Of(sort)
			switch {
			case sa > sb:
				return -1
			case sa < sb:
				return 1
			}
			return strings.Compare(b, a)
		})
		order[sort] = o
	}
	return scores, order
}

// checkExact asserts the invariant: every question's counters equal its vote rows.
func (s *stack) checkExact(t *testing.T) {
	t.Helper()
	rows, err := s.db.Query(context.Background(), `SELECT q.id, q.upvotes, q.downvotes,
			count(v.*) FILTER (WHERE v.value = 1), count(v.*) FILTER (WHERE v.value = -1)
		FROM questions q LEFT JOIN votes v ON v.question_id = q.id GROUP BY q.id`)
	require.NoError(t, err)
	n := 0
	for rows.Next() {
		var id string
		var up, down, rowsUp, rowsDown int
		require.NoError(t, rows.Scan(&id, &up, &down, &rowsUp, &rowsDown))
		require.Equal(t, rowsUp, up, "question %s: upvotes", id)
		require.Equal(t, rowsDown, down, "question %s: downvotes", id)
		n++
	}
	require.NoError(t, rows.Err())
	require.Positive(t, n)
	var total, distinct int
	require.NoError(t, s.db.QueryRow(context.Background(),
		`SELECT count(*), count(DISTINCT (question_id, user_id)) FROM votes`).Scan(&total, &distinct))
	require.Equal(t, distinct, total, "duplicate vote rows")
}

// checkRanking asserts that the API's lists and the Redis sorted sets agree with
// the ranking computed from Postgres.
func (s *stack) checkRanking(t *testing.T) {
	t.Helper()
	scores, order := s.pgRanking(t)
	for _, sort := range domain.Sorts {
		require.Equal(t, order[sort], s.listAll(t, sort), "the %s list differs from Postgres", sort)
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.redis.Addr})
	defer rdb.Close()
	for _, sort := range domain.Sorts {
		key := s.prefix + "rank:{" + demo.RaceContestID + "}:" + string(sort)
		zs, err := rdb.ZRangeWithScores(context.Background(), key, 0, -1).Result()
		require.NoError(t, err)
		require.Len(t, zs, len(scores), "members of %s", key)
		for _, z := range zs {
			want, ok := scores[z.Member.(string)]
			require.True(t, ok, "%s holds %v, which is not a public question", key, z.Member)
			require.Equal(t, want.Of(sort), z.Score, "score of %v in %s", z.Member, key)
		}
	}
}

// TestVotesStayExact: 64 residents make 2,000 random vote changes each over 50
// questions, at once. Afterwards every counter equals its vote rows, no vote row
// is duplicated, and the ranking in Redis (and the lists served from it) equals the
// ranking computed from Postgres. The second run kills Redis halfway and starts it
// again: no vote may fail, and the ranking must be right again afterwards.
func TestVotesStayExact(t *testing.T) {
	clients, perClient, questions := 64, 2000, 50
	if testing.Short() {
		clients, perClient = 16, 100
	}
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("redis-restart=%v", restart), func(t *testing.T) {
			s := newStack(t)
			s.exec(t, `UPDATE cities SET votes_per_hour = 100000 WHERE id = $1`, demo.CityID)
			ids := s.addQuestions(t, questions)
			tokens := make([]string, clients)
			for i := range tokens {
				tokens[i] = s.issuer.IDToken(t, fmt.Sprintf("voter-%02d", i), nil)
			}
			// Warm the ranking so votes update an existing set.
			_ = s.listAll(t, domain.SortTop)

			total := int64(clients * perClient)
			var done, failures atomic.Int64
			var firstFailure atomic.Value
			stopped, restarted := make(chan struct{}), make(chan struct{})
			if restart {
				go func() {
					for done.Load() < total/2 {
						time.Sleep(5 * time.Millisecond)
					}
					s.redis.Stop()
					close(stopped)
					for done.Load() < total*6/10 {
						time.Sleep(5 * time.Millisecond)
					}
					s.redis.Start()
					close(restarted)
				}()
			}
			start := time.Now()
			var wg sync.WaitGroup
			for c := 0; c < clients; c++ {
				wg.Add(1)
				go func(c int) {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(c), 42))
					for i := 0; i < perClient; i++ {
						q := ids[rng.IntN(len(ids))]
						body := fmt.Sprintf(`{"value":%d}`, rng.IntN(3)-1)
						req, _ := http.NewRequest("PUT", s.url+"/api/cities/riverton/questions/"+q+"/vote", strings.NewReader(body))
						req.Header.Set("Authorization", "Bearer "+tokens[c])
						req.Header.Set("Content-Type", "application/json")
						resp, err := s.client.Do(req)
						if err == nil {
							_, _ = io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
						}
						if err != nil || resp.StatusCode != http.StatusOK {
							failures.Add(1)
							firstFailure.CompareAndSwap(nil, fmt.Sprint(err, resp))
						}
						done.Add(1)
					}
				}(c)
			}
			wg.Wait()
			elapsed := time.Since(start)
			if restart {
				<-stopped
				<-restarted
			}
			t.Logf("%d votes from %d clients in %v: %.0f votes/s", total, clients, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
			require.Zero(t, failures.Load(), "votes failed; first: %v", firstFailure.Load())
			s.checkExact(t)
			s.checkRanking(t)
		})
	}
}

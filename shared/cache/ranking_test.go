package cache

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/metrics"
	"github.com/civicq/civicq/shared/testenv"
)

const rankContest = "c2000000-0000-4000-8000-000000000005"

func rankQID(i int) string { return fmt.Sprintf("q%04d", i) }

// rankItem gives question i the same score s under every sort.
func rankItem(i int, seq int64, s float64) RankItem {
	return RankItem{QuestionID: rankQID(i), Seq: seq, Scores: domain.SortScores{Top: s, New: s, Hot: s, Controversial: s}}
}

// newRankCache is newTestCache on the test Redis, deleting its keys at the end.
func newRankCache(t *testing.T) *Cache {
	c := newTestCache(t, testenv.RedisAddr(t))
	t.Cleanup(func() { rankDeleteKeys(c) })
	return c
}

// newRankCacheWith is newRankCache over a client with its own options.
func newRankCacheWith(t *testing.T, o Options) *Cache {
	rdb := NewClient(o)
	t.Cleanup(func() { _ = rdb.Close() })
	c := New(rdb, testenv.KeyPrefix(t), nil)
	t.Cleanup(func() { rankDeleteKeys(c) })
	return c
}

func rankDeleteKeys(c *Cache) {
	ctx := context.Background()
	iter := c.rdb.Scan(ctx, 0, c.prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		_ = c.rdb.Del(ctx, iter.Val()).Err()
	}
}

func rankFixed(items []RankItem) RebuildFunc {
	return func(context.Context) ([]RankItem, error) { return items, nil }
}

// rankNoRebuild fails the test if RankPage tries to rebuild.
func rankNoRebuild(t *testing.T) RebuildFunc {
	return func(context.Context) ([]RankItem, error) {
		t.Errorf("unexpected rebuild")
		return nil, errors.New("unexpected rebuild")
	}
}

// rankExpected orders items as Redis does: score descending, then id descending.
func rankExpected(items []RankItem, sort domain.Sort) []RankedID {
	out := make([]RankedID, 0, len(items))
	for _, it := range items {
		out = append(out, RankedID{ID: it.QuestionID, Score: it.Scores.Of(sort)})
	}
	slices.SortFunc(out, func(a, b RankedID) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out
}

func rankUnsorted(items []RankItem, sort domain.Sort) []RankedID {
	out := make([]RankedID, 0, len(items))
	for _, it := range items {
		out = append(out, RankedID{ID: it.QuestionID, Score: it.Scores.Of(sort)})
	}
	return out
}

// The Postgres fallback pages exactly as Redis does, and their cursors mix.
func TestPageOfMatchesRankPage(t *testing.T) {
	c := newRankCache(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 5))
	created := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	var items []RankItem
	for i := range 150 {
		in := domain.RankInput{Up: rng.IntN(4), Down: rng.IntN(3), Created: created.Add(time.Duration(rng.IntN(5)) * time.Second)}
		items = append(items, NewRankItem(rankQID(i), 1, in))
	}
	_, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 1, rankFixed(items))
	require.NoError(t, err)
	for _, sort := range domain.Sorts {
		ranked := rankUnsorted(items, sort)
		orig := slices.Clone(ranked)
		for _, limit := range []int{1, 7, 150, 200} {
			cursor := ""
			for n := 0; ; n++ {
				want, err := c.RankPage(ctx, rankContest, sort, cursor, limit, rankNoRebuild(t))
				require.NoError(t, err)
				got, err := PageOf(sort, ranked, cursor, limit)
				require.NoError(t, err)
				require.Equal(t, want.Items, got.Items, "%s limit %d page %d", sort, limit, n)
				require.Equal(t, want.Next, got.Next)
				require.Equal(t, want.Total, got.Total)
				if want.Next == "" {
					break
				}
				// Alternate which one issued the cursor.
				if n%2 == 0 {
					cursor = got.Next
				} else {
					cursor = want.Next
				}
			}
		}
		require.Equal(t, orig, ranked, "PageOf must not reorder the caller's slice")
	}
	// A cursor whose item is gone still positions exactly.
	p, err := PageOf(domain.SortTop, []RankedID{{"a", 1}, {"b", 2}, {"c", 2}}, base64.RawURLEncoding.EncodeToString([]byte("1|top|2|bb")), 10)
	require.NoError(t, err)
	require.Equal(t, []RankedID{{"b", 2}, {"a", 1}}, p.Items)
	_, err = PageOf(domain.SortHot, nil, p.Next+"x", 10)
	require.ErrorIs(t, err, ErrBadCursor)
	first, err := PageOf(domain.SortTop, []RankedID{{"a", 1}, {"b", 2}}, "", 1)
	require.NoError(t, err)
	_, err = PageOf(domain.SortNew, []RankedID{{"a", 1}, {"b", 2}}, first.Next, 1)
	require.ErrorIs(t, err, ErrBadCursor, "a cursor of another sort")
	empty, err := PageOf(domain.SortNew, nil, "", 10)
	require.NoError(t, err)
	require.Empty(t, empty.Items)
	require.Empty(t, empty.Next)
}

// rankAll reads every page of a list.
func rankAll(t *testing.T, c *Cache, sort domain.Sort, limit int, rebuild RebuildFunc) []RankedID {
	t.Helper()
	var out []RankedID
	cursor := ""
	for n := 0; ; n++ {
		require.Less(t, n, 10000, "paging does not end")
		p, err := c.RankPage(context.Background(), rankContest, sort, cursor, limit, rebuild)
		require.NoError(t, err)
		require.LessOrEqual(t, len(p.Items), limit)
		out = append(out, p.Items...)
		if p.Next == "" {
			return out
		}
		cursor = p.Next
	}
}

// rankScoreOf returns question id's score in sort's set, and whether it is there.
func rankScoreOf(t *testing.T, c *Cache, sort domain.Sort, id string) (float64, bool) {
	t.Helper()
	s, err := c.rdb.ZScore(context.Background(), c.rankKeys(rankContest).set(sort), id).Result()
	if errors.Is(err, redis.Nil) {
		return 0, false
	}
	require.NoError(t, err)
	return s, true
}

func TestRankPagesCoverEveryQuestionOnceInOrder(t *testing.T) {
	c := newRankCache(t)
	inv := metrics.NewInvocation("test", false)
	ctx := metrics.WithInvocation(context.Background(), inv)
	rng := rand.New(rand.NewPCG(1, 2))
	created := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	var items []RankItem
	for i := range 230 {
		// Few distinct vote counts: many ties in every sort (all 0-vote questions
		// tie at 0 in top and controversial; "new" ties by creation second).
		in := domain.RankInput{Up: rng.IntN(4), Down: rng.IntN(3), Created: created.Add(time.Duration(rng.IntN(5)) * time.Second)}
		items = append(items, NewRankItem(rankQID(i), 1, in))
	}
	var rebuilds atomic.Int32
	rebuild := func(context.Context) ([]RankItem, error) {
		rebuilds.Add(1)
		return items, nil
	}
	first, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rebuild)
	require.NoError(t, err)
	require.EqualValues(t, 1, rebuilds.Load())
	require.EqualValues(t, 230, first.Total)
	require.False(t, first.Stale)
	require.Equal(t, rankExpected(items, domain.SortTop)[:10], first.Items)

	for _, sort := range domain.Sorts {
		want := rankExpected(items, sort)
		for _, limit := range []int{1, 7, 10, 100, 229, 230, 231, 1000} {
			got := rankAll(t, c, sort, limit, rankNoRebuild(t))
			require.Equal(t, want, got, "sort %s limit %d", sort, limit)
		}
	}
	require.EqualValues(t, 1, rebuilds.Load(), "the marker makes the lists trusted")

	// Stats of the first read: one miss (the rebuild); then hits.
	_, err = c.RankPage(ctx, rankContest, domain.SortHot, "", 10, rankNoRebuild(t))
	require.NoError(t, err)
	d := rankEMF(t, inv)
	require.EqualValues(t, 1, d["CacheMisses"])
	require.EqualValues(t, 1, d["CacheHits"])

	// An empty contest is a ready, empty list.
	p, err := c.RankPage(ctx, "c2000000-0000-4000-8000-000000000099", domain.SortNew, "", 10, rankFixed(nil))
	require.NoError(t, err)
	require.Empty(t, p.Items)
	require.Empty(t, p.Next)
	require.Zero(t, p.Total)
	_, err = c.RankPage(ctx, "c2000000-0000-4000-8000-000000000099", domain.SortNew, "", 10, rankNoRebuild(t))
	require.NoError(t, err)
}

// rankEMF renders the invocation's metrics document and returns its values.
func rankEMF(t *testing.T, inv *metrics.Invocation) map[string]any {
	t.Helper()
	var b strings.Builder
	require.NoError(t, inv.WriteEMF(&b, "test", time.Millisecond, time.Now()))
	var d map[string]any
	require.NoError(t, json.Unmarshal([]byte(b.String()), &d))
	return d
}

func TestRankCursorIsStableWhileOtherQuestionsMove(t *testing.T) {
	c := newRankCache(t)
	ctx := context.Background()
	for round := range 20 {
		rng := rand.New(rand.NewPCG(uint64(round), 7))
		const n = 120
		scores := make(map[string]float64)
		seq := make(map[string]int64)
		var items []RankItem
		for i := range n {
			s := float64(rng.IntN(6)) / 4 // ties
			items = append(items, rankItem(i, 1, s))
			scores[rankQID(i)], seq[rankQID(i)] = s, 1
		}
		contest := fmt.Sprintf("c%03d", round)
		_, err := c.RankPage(ctx, contest, domain.SortTop, "", 1, rankFixed(items))
		require.NoError(t, err)

		changed := map[string]int{}
		seen := map[string]int{}
		cursor := ""
		for pages := 0; ; pages++ {
			require.Less(t, pages, 1000)
			p, err := c.RankPage(ctx, contest, domain.SortTop, cursor, 1+rng.IntN(9), rankNoRebuild(t))
			require.NoError(t, err)
			for i, it := range p.Items {
				seen[it.ID]++
				require.Equal(t, scores[it.ID], it.Score)
				if i > 0 {
					prev := p.Items[i-1]
					require.True(t, prev.Score > it.Score || prev.Score == it.Score && prev.ID > it.ID, "order within a page")
				}
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
			// Between pages, other residents vote: some questions move (into and out
			// of the cursor's tie group, above and below it), some are removed,
			// sometimes the cursor's own question.
			var batch []RankItem
			for range 1 + rng.IntN(8) {
				id := rankQID(rng.IntN(n))
				if rng.IntN(4) == 0 {
					id = p.Items[len(p.Items)-1].ID
				}
				seq[id]++
				changed[id]++
				if rng.IntN(6) == 0 {
					require.NoError(t, c.RankRemove(ctx, contest, id, seq[id]))
					delete(scores, id)
					continue
				}
				s := float64(rng.IntN(6)) / 4
				if rng.IntN(2) == 0 {
					s = p.Items[len(p.Items)-1].Score
				}
				var i int
				_, _ = fmt.Sscanf(id, "q%d", &i)
				batch = append(batch, rankItem(i, seq[id], s))
				scores[id] = s
			}
			require.NoError(t, c.RankSet(ctx, contest, batch))
		}
		for i := range n {
			id := rankQID(i)
			if changed[id] == 0 {
				require.Equal(t, 1, seen[id], "round %d: unchanged %s must be listed exactly once", round, id)
			} else {
				require.LessOrEqual(t, seen[id], changed[id]+1, "each move can show a question once more, no more")
			}
		}
	}
}

func TestRankSeqGuard(t *testing.T) {
	c := newRankCache(t)
	ctx := context.Background()
	_, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rankFixed(nil))
	require.NoError(t, err)

	require.NoError(t, c.RankSet(ctx, rankContest, []RankItem{rankItem(1, 5, 0.5)}))
	require.NoError(t, c.RankSet(ctx, rankContest, []RankItem{rankItem(1, 3, 0.3)}), "an older update is not an error")
	for _, sort := range domain.Sorts {
		s, ok := rankScoreOf(t, c, sort, rankQID(1))
		require.True(t, ok)
		require.Equal(t, 0.5, s, "an older seq arriving late changes nothing (%s)", sort)
	}
	require.NoError(t, c.RankSet(ctx, rankContest, []RankItem{rankItem(1, 5, 0.9)}))
	s, _ := rankScoreOf(t, c, domain.SortHot, rankQID(1))
	require.Equal(t, 0.5, s, "the same seq applies once")
	require.NoError(t, c.RankSet(ctx, rankContest, []RankItem{rankItem(1, 6, 0.6)}))
	s, _ = rankScoreOf(t, c, domain.SortControversial, rankQID(1))
	require.Equal(t, 0.6, s)

	// In one call, each item is guarded on its own.
	require.NoError(t, c.RankSet(ctx, rankContest, []RankItem{rankItem(1, 4, 0.1), rankItem(2, 1, 0.2), rankItem(2, 2, 0.25)}))
	require.Equal(t, []RankedID{{rankQID(1), 0.6}, {rankQID(2), 0.25}}, rankAll(t, c, domain.SortNew, 10, rankNoRebuild(t)))

	// Removed: a late older update cannot re-add it; a newer one (re-approved) can.
	require.NoError(t, c.RankRemove(ctx, rankContest, rankQID(1), 7))
	for _, sort := range domain.Sorts {
		_, ok := rankScoreOf(t, c, sort, rankQID(1))
		require.False(t, ok, sort)
	}
	require.NoError(t, c.RankSet(ctx, rankContest, []RankItem{rankItem(1, 6, 0.6)}))
	require.NoError(t, c.RankRemove(ctx, rankContest, rankQID(1), 2), "an older removal is ignored too")
	require.Equal(t, []RankedID{{rankQID(2), 0.25}}, rankAll(t, c, domain.SortTop, 10, rankNoRebuild(t)))
	require.NoError(t, c.RankSet(ctx, rankContest, []RankItem{rankItem(1, 8, 0.8)}))
	require.Equal(t, []RankedID{{rankQID(1), 0.8}, {rankQID(2), 0.25}}, rankAll(t, c, domain.SortTop, 10, rankNoRebuild(t)))
	require.NoError(t, c.RankRemove(ctx, rankContest, rankQID(2), 2), "the same seq does not remove")
	require.Equal(t, []RankedID{{rankQID(1), 0.8}, {rankQID(2), 0.25}}, rankAll(t, c, domain.SortTop, 10, rankNoRebuild(t)))
}

func TestRankRebuild(t *testing.T) {
	c := newRankCache(t)
	ctx := context.Background()

	// Before any rebuild, updates land in the sets but the lists are not trusted.
	require.NoError(t, c.RankSet(ctx, rankContest, []RankItem{rankItem(4, 1, 0.4)}))

	// The rebuild reads Postgres; while it does, a vote on q1 commits and its
	// RankSet lands, and q3 is approved (not in the rebuild's snapshot).
	rebuild := func(ctx context.Context) ([]RankItem, error) {
		require.NoError(t, c.RankSet(ctx, rankContest, []RankItem{rankItem(1, 8, 0.9), rankItem(3, 1, 0.3)}))
		return []RankItem{rankItem(1, 7, 0.1), rankItem(2, 1, 0.2)}, nil
	}
	p, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rebuild)
	require.NoError(t, err)
	require.Equal(t, []RankedID{{rankQID(1), 0.9}, {rankQID(3), 0.3}, {rankQID(2), 0.2}}, p.Items,
		"the newer vote wins over the snapshot, a question approved during the rebuild stays, q4 (not approved at the snapshot) is gone")
	for _, sort := range domain.Sorts {
		_, ok := rankScoreOf(t, c, sort, rankQID(4))
		require.False(t, ok)
	}
	require.Equal(t, p.Items, rankAll(t, c, domain.SortTop, 2, rankNoRebuild(t)), "the marker is set")

	// Invalidation forces the next read to rebuild; a member the sets lost (with its
	// seq unchanged) comes back.
	require.NoError(t, c.rdb.ZRem(ctx, c.rankKeys(rankContest).set(domain.SortTop), rankQID(2)).Err())
	require.NoError(t, c.RankInvalidate(ctx, rankContest))
	var calls atomic.Int32
	snapshot := []RankItem{rankItem(1, 8, 0.9), rankItem(2, 1, 0.2), rankItem(3, 1, 0.3)}
	counted := func(context.Context) ([]RankItem, error) { calls.Add(1); return snapshot, nil }
	require.Equal(t, p.Items, rankAll(t, c, domain.SortTop, 10, counted))
	require.EqualValues(t, 1, calls.Load())

	// An invalidation while a rebuild reads Postgres: that rebuild may predate the
	// change, so it applies its snapshot but leaves the lists untrusted.
	require.NoError(t, c.RankInvalidate(ctx, rankContest))
	racing := func(ctx context.Context) ([]RankItem, error) {
		calls.Add(1)
		require.NoError(t, c.RankInvalidate(ctx, rankContest))
		return snapshot, nil
	}
	_, err = c.RankPage(ctx, rankContest, domain.SortTop, "", 10, racing)
	require.NoError(t, err)
	_, err = c.RankPage(ctx, rankContest, domain.SortTop, "", 10, counted)
	require.NoError(t, err)
	require.EqualValues(t, 3, calls.Load(), "rebuilt again after the invalidation")
	_, err = c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rankNoRebuild(t))
	require.NoError(t, err)

	// A failing rebuild (Postgres down) returns its error.
	require.NoError(t, c.RankInvalidate(ctx, rankContest))
	boom := errors.New("postgres down")
	_, err = c.RankPage(ctx, rankContest, domain.SortTop, "", 10, func(context.Context) ([]RankItem, error) { return nil, boom })
	require.ErrorIs(t, err, boom)
}

func TestRankRebuildOfALargeContestInChunks(t *testing.T) {
	c := newRankCache(t)
	ctx := context.Background()
	// Members left from before (their removal never arrived) and a question that is
	// approved while the rebuild runs.
	require.NoError(t, c.RankSet(ctx, rankContest, []RankItem{rankItem(5000, 1, 9), rankItem(5001, 1, 9)}))
	var items []RankItem
	for i := range 3*rankRebuildChunk + 17 {
		items = append(items, rankItem(i, 1, float64(i%10)))
	}
	rebuild := func(ctx context.Context) ([]RankItem, error) {
		require.NoError(t, c.RankSet(ctx, rankContest, []RankItem{rankItem(6000, 1, 0.5), rankItem(7, 2, 100)}))
		return items, nil
	}
	p, err := c.RankPage(ctx, rankContest, domain.SortNew, "", 2, rebuild)
	require.NoError(t, err)
	require.Equal(t, []RankedID{{rankQID(7), 100}, {rankQID(1509), 9}}, p.Items)
	want := append(slices.Clone(items), rankItem(6000, 1, 0.5))
	want[7] = rankItem(7, 2, 100)
	require.Equal(t, rankExpected(want, domain.SortHot), rankAll(t, c, domain.SortHot, 100, rankNoRebuild(t)))
}

func TestRankKeysShareOneSlotAndOutliveTheMarker(t *testing.T) {
	c := newRankCache(t)
	ctx := context.Background()
	_, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rankFixed([]RankItem{rankItem(1, 1, 1)}))
	require.NoError(t, err)
	keys, err := c.rdb.Keys(ctx, c.prefix+"*").Result()
	require.NoError(t, err)
	slices.Sort(keys)
	base := c.prefix + "rank:{" + rankContest + "}:"
	require.Equal(t, []string{base + "controversial", base + "hot", base + "new", base + "ready", base + "seen", base + "seq", base + "top", base + "touch"}, keys)
	ready, err := c.rdb.PTTL(ctx, base+"ready").Result()
	require.NoError(t, err)
	require.Greater(t, ready, time.Duration(0))
	require.LessOrEqual(t, ready, rankReadyTTL)
	for _, k := range keys {
		ttl, err := c.rdb.PTTL(ctx, k).Result()
		require.NoError(t, err)
		require.Greater(t, ttl, time.Duration(0), "%s must expire", k)
		if k != base+"ready" {
			require.Greater(t, ttl, ready, "%s must outlive the marker", k)
		}
	}
}

func TestRankConcurrentUpdatesEndAtTheHighestSeq(t *testing.T) {
	// This test is about which write wins, not about timeouts: a pool as wide as
	// the workers and a generous timeout keep a loaded CI machine from turning it
	// into a test of Redis latency.
	c := newRankCacheWith(t, Options{Addr: testenv.RedisAddr(t), Timeout: 2 * time.Second, PoolSize: 16})
	ctx := context.Background()
	_, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rankFixed(nil))
	require.NoError(t, err)
	const questions, workers, calls = 25, 16, 150
	score := func(q int, seq int64) float64 { return float64(q)*1000 + float64(seq) }
	var mu sync.Mutex
	maxSeq := map[int]int64{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 3))
			for range calls {
				var batch []RankItem
				for range 1 + rng.IntN(3) {
					q, seq := rng.IntN(questions), int64(1+rng.IntN(500))
					it := rankItem(q, seq, score(q, seq))
					it.Scores.Hot = -score(q, seq)
					batch = append(batch, it)
					mu.Lock()
					maxSeq[q] = max(maxSeq[q], seq)
					mu.Unlock()
				}
				if err := c.RankSet(ctx, rankContest, batch); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.Len(t, maxSeq, questions)
	for _, sort := range domain.Sorts {
		got := rankAll(t, c, sort, 7, rankNoRebuild(t))
		require.Len(t, got, questions)
		for _, it := range got {
			var q int
			_, _ = fmt.Sscanf(it.ID, "q%d", &q)
			want := score(q, maxSeq[q])
			if sort == domain.SortHot {
				want = -want
			}
			require.Equal(t, want, it.Score, "%s %s", sort, it.ID)
		}
	}
}

func TestRankRedisDownIsUnavailableFast(t *testing.T) {
	c := newFaultCache(t, testenv.ClosedPort(t))
	inv := metrics.NewInvocation("test", false)
	ctx := metrics.WithInvocation(context.Background(), inv)
	start := time.Now()
	for range 20 {
		_, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rankNoRebuild(t))
		require.ErrorIs(t, err, ErrRankUnavailable)
		require.ErrorIs(t, c.RankSet(ctx, rankContest, []RankItem{rankItem(1, 1, 1)}), ErrRankUnavailable)
		require.ErrorIs(t, c.RankRemove(ctx, rankContest, rankQID(1), 2), ErrRankUnavailable)
		require.ErrorIs(t, c.RankInvalidate(ctx, rankContest), ErrRankUnavailable)
	}
	require.Less(t, time.Since(start), time.Second)
	require.False(t, c.available())
	require.EqualValues(t, 1, rankEMF(t, inv)["CacheErrors"], "one error opens the breaker; the rest skip Redis")

	var nilCache *Cache
	_, err := nilCache.RankPage(ctx, rankContest, domain.SortTop, "", 10, rankNoRebuild(t))
	require.ErrorIs(t, err, ErrRankUnavailable)
	require.NoError(t, nilCache.RankSet(ctx, rankContest, []RankItem{rankItem(1, 1, 1)}), "no cache: nothing to keep in sync")
	require.NoError(t, nilCache.RankRemove(ctx, rankContest, rankQID(1), 1))
	require.NoError(t, nilCache.RankInvalidate(ctx, rankContest))
}

// rankOutage makes every command of a client fail while down is set.
type rankOutage struct{ down *atomic.Bool }

func (o rankOutage) DialHook(next redis.DialHook) redis.DialHook { return next }

func (o rankOutage) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if o.down.Load() {
			return errors.New("simulated outage")
		}
		return next(ctx, cmd)
	}
}

func (o rankOutage) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if o.down.Load() {
			return errors.New("simulated outage")
		}
		return next(ctx, cmds)
	}
}

func TestRankLostUpdateForcesARebuild(t *testing.T) {
	rdb := NewClient(Options{Addr: testenv.RedisAddr(t), Timeout: 150 * time.Millisecond, PoolSize: 4})
	t.Cleanup(func() { _ = rdb.Close() })
	var down atomic.Bool
	rdb.AddHook(rankOutage{&down})
	c := New(rdb, testenv.KeyPrefix(t), nil)
	t.Cleanup(func() { rankDeleteKeys(c) })
	c.SetCooldown(20 * time.Millisecond)
	ctx := context.Background()
	const other = "c2000000-0000-4000-8000-000000000077"

	db := []RankItem{rankItem(1, 1, 0.1), rankItem(2, 1, 0.2)} // "Postgres"
	var rebuilds atomic.Int32
	rebuild := func(context.Context) ([]RankItem, error) { rebuilds.Add(1); return slices.Clone(db), nil }
	_, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rebuild)
	require.NoError(t, err)
	_, err = c.RankPage(ctx, other, domain.SortTop, "", 10, rebuild)
	require.NoError(t, err)
	require.EqualValues(t, 2, rebuilds.Load())

	// A vote commits; its update cannot reach Redis.
	db[0] = rankItem(1, 2, 0.9)
	down.Store(true)
	require.ErrorIs(t, c.RankSet(ctx, rankContest, []RankItem{db[0]}), ErrRankUnavailable)
	_, err = c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rebuild)
	require.ErrorIs(t, err, ErrRankUnavailable, "breaker open: serve from Postgres")
	down.Store(false)
	time.Sleep(30 * time.Millisecond)

	// Redis is back: the next read of that contest rebuilds it; other contests are untouched.
	p, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rebuild)
	require.NoError(t, err)
	require.EqualValues(t, 3, rebuilds.Load())
	require.Equal(t, []RankedID{{rankQID(1), 0.9}, {rankQID(2), 0.2}}, p.Items)
	_, err = c.RankPage(ctx, other, domain.SortTop, "", 10, rankNoRebuild(t))
	require.NoError(t, err)
	_, err = c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rankNoRebuild(t))
	require.NoError(t, err, "once rebuilt, the contest is clean")

	// An update skipped by the open breaker is lost too; the next successful update
	// of the contest invalidates it first.
	c.fail(ctx, "test", errors.New("simulated"))
	db[1] = rankItem(2, 2, 0.95)
	require.ErrorIs(t, c.RankSet(ctx, rankContest, []RankItem{db[1]}), ErrRankUnavailable)
	time.Sleep(30 * time.Millisecond)
	require.NoError(t, c.RankSet(ctx, rankContest, []RankItem{rankItem(3, 1, 0.5)}))
	db = append(db, rankItem(3, 1, 0.5))
	p, err = c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rebuild)
	require.NoError(t, err)
	require.EqualValues(t, 4, rebuilds.Load())
	require.Equal(t, []RankedID{{rankQID(2), 0.95}, {rankQID(1), 0.9}, {rankQID(3), 0.5}}, p.Items)

	// So does a lost invalidation.
	down.Store(true)
	require.ErrorIs(t, c.RankInvalidate(ctx, rankContest), ErrRankUnavailable)
	down.Store(false)
	time.Sleep(30 * time.Millisecond)
	_, err = c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rebuild)
	require.NoError(t, err)
	require.EqualValues(t, 5, rebuilds.Load())
}

func TestRankOneRebuildAtATime(t *testing.T) {
	c := newRankCache(t)
	ctx := context.Background()
	items := []RankItem{rankItem(1, 1, 0.1), rankItem(2, 1, 0.2)}
	started, release := make(chan struct{}), make(chan struct{})
	slow := func(context.Context) ([]RankItem, error) {
		close(started)
		<-release
		return items, nil
	}
	done := make(chan error)
	go func() {
		_, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 10, slow)
		done <- err
	}()
	<-started
	// Nothing built yet: the others serve from Postgres rather than all rebuilding.
	_, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rankNoRebuild(t))
	require.ErrorIs(t, err, ErrRankUnavailable)
	require.True(t, c.available(), "not a Redis failure: the breaker stays closed")
	close(release)
	require.NoError(t, <-done)

	// Built before: while one environment rebuilds, the others serve the lists.
	require.NoError(t, c.RankInvalidate(ctx, rankContest))
	started, release = make(chan struct{}), make(chan struct{})
	go func() {
		_, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 10, slow)
		done <- err
	}()
	<-started
	p, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rankNoRebuild(t))
	require.NoError(t, err)
	require.True(t, p.Stale)
	require.Equal(t, []RankedID{{rankQID(2), 0.2}, {rankQID(1), 0.1}}, p.Items)
	close(release)
	require.NoError(t, <-done)
	p, err = c.RankPage(ctx, rankContest, domain.SortTop, "", 10, rankNoRebuild(t))
	require.NoError(t, err)
	require.False(t, p.Stale)
}

func TestRankBadCursor(t *testing.T) {
	c := newRankCache(t)
	ctx := context.Background()
	var items []RankItem
	for i := range 5 {
		items = append(items, rankItem(i, 1, float64(i)))
	}
	p, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 2, rankFixed(items))
	require.NoError(t, err)
	require.NotEmpty(t, p.Next)

	_, err = c.RankPage(ctx, rankContest, domain.SortHot, p.Next, 2, rankNoRebuild(t))
	require.ErrorIs(t, err, ErrBadCursor, "a cursor of another sort")
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, bad := range []string{
		"!!!", "not a cursor", p.Next + "=", strings.Repeat("A", 300),
		enc("1|top"), enc("2|top|1|q0001"), enc("1|top|NaN|q0001"), enc("1|top|+Inf|q0001"),
		enc("1|top|one|q0001"), enc("1|top|1|"), enc("1|top|1|" + strings.Repeat("x", 200)),
	} {
		_, err := c.RankPage(ctx, rankContest, domain.SortTop, bad, 2, rankNoRebuild(t))
		require.ErrorIs(t, err, ErrBadCursor, "%q", bad)
		var nilCache *Cache
		_, err = nilCache.RankPage(ctx, rankContest, domain.SortTop, bad, 2, rankNoRebuild(t))
		require.ErrorIs(t, err, ErrBadCursor, "a bad cursor is the client's mistake, Redis or not")
	}
	p2, err := c.RankPage(ctx, rankContest, domain.SortTop, p.Next, 2, rankNoRebuild(t))
	require.NoError(t, err)
	require.Equal(t, []RankedID{{rankQID(2), 2}, {rankQID(1), 1}}, p2.Items)
	// A cursor naming a question that no longer exists still positions exactly.
	p3, err := c.RankPage(ctx, rankContest, domain.SortTop, enc("1|top|2.5|zzz"), 10, rankNoRebuild(t))
	require.NoError(t, err)
	require.Equal(t, []RankedID{{rankQID(2), 2}, {rankQID(1), 1}, {rankQID(0), 0}}, p3.Items)

	_, err = c.RankPage(ctx, rankContest, "best", "", 2, rankNoRebuild(t))
	require.Error(t, err)
	_, err = c.RankPage(ctx, rankContest, domain.SortTop, "", 0, rankNoRebuild(t))
	require.Error(t, err)
	_, err = c.RankPage(ctx, "a}b", domain.SortTop, "", 10, rankNoRebuild(t))
	require.Error(t, err)
}

func BenchmarkRankPage(b *testing.B) {
	rdb := NewClient(Options{Addr: testenv.RedisAddr(b), Timeout: time.Second, PoolSize: 8})
	b.Cleanup(func() { _ = rdb.Close() })
	c := New(rdb, testenv.KeyPrefix(b), nil)
	b.Cleanup(func() { rankDeleteKeys(c) })
	ctx := context.Background()
	created := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 1))
	var items []RankItem
	for i := range 2000 {
		in := domain.RankInput{Created: created.Add(time.Duration(i) * time.Minute)}
		if i%4 == 0 { // three in four questions have no votes yet: they all tie at 0 in top
			in.Up, in.Down = rng.IntN(50), rng.IntN(20)
		}
		items = append(items, NewRankItem(rankQID(i), 1, in))
	}
	p, err := c.RankPage(ctx, rankContest, domain.SortHot, "", 20, rankFixed(items))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.RankPage(ctx, rankContest, domain.SortHot, "", 20, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cursor", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.RankPage(ctx, rankContest, domain.SortHot, p.Next, 20, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ties", func(b *testing.B) { // a cursor inside 1500 questions tied at 0
		q, err := c.RankPage(ctx, rankContest, domain.SortTop, "", 1000, nil)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := c.RankPage(ctx, rankContest, domain.SortTop, q.Next, 20, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("set", func(b *testing.B) {
		seq := int64(1)
		for b.Loop() {
			seq++
			if err := c.RankSet(ctx, rankContest, []RankItem{NewRankItem(rankQID(int(seq)%2000), seq, domain.RankInput{Up: int(seq), Created: created})}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

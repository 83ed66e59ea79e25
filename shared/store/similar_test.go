package store

// Internal test (package store): the tuning sweep calls similarQuestions with
// other thresholds. It prepares the database as localdev.Prepare does (migrate,
// then load the demo city); localdev itself imports this package.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/migrate"
	"github.com/civicq/civicq/shared/testenv"
)

type similarPair struct {
	A     string `json:"a"`
	B     string `json:"b"`
	Same  bool   `json:"same"`
	Topic string `json:"topic"`
}

// Floors asserted at SimilarityThreshold: what the method honestly reaches
// (TestSimilarPairs logs the tables), less a small margin, so a change that makes
// it worse fails. They are NOT the precision 0.85 / recall 0.75 first asked for:
// lexical matching cannot tell a paraphrase from a same-topic question that swaps
// one noun ("a dog park" / "a skate park"), so precision stays near the share of
// paraphrases in the sets (0.51 and 0.55). The held-out set was written before the
// thesaurus, weights and threshold were chosen and never used to tune them.
const (
	minDevPrecision     = 0.62 // measured 0.667
	minDevRecall        = 0.85 // measured 0.905
	minHoldoutPrecision = 0.40 // measured 0.448
	minHoldoutRecall    = 0.55 // measured 0.591
)

type similarEnv struct {
	ctx   context.Context
	store *Store
	pool  *pgxpool.Pool
	next  int // display_order of the next test contest
}

func newSimilarEnv(t testing.TB) *similarEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	dsn := testenv.EmptyDB(t)
	_, err := migrate.Up(ctx, dsn)
	require.NoError(t, err)
	pool, err := NewPool(ctx, dsn, PoolOptions{MaxConns: 4})
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, demo.Load(ctx, pool))
	return &similarEnv{ctx: ctx, store: New(pool, nil), pool: pool, next: 1000}
}

// contest creates an empty race in the demo election.
func (e *similarEnv) contest(t testing.TB) string {
	t.Helper()
	e.next++
	var id string
	require.NoError(t, e.pool.QueryRow(e.ctx, `INSERT INTO contests (city_id, election_id, kind, title, display_order)
		VALUES ($1, $2, 'race', $3, $4) RETURNING id`,
		demo.CityID, demo.ElectionID, fmt.Sprintf("Test contest %d", e.next), e.next).Scan(&id))
	return id
}

// question inserts a question by the demo resident. A merged question is merged
// into mergedInto; a rejected one gets a rejection code.
func (e *similarEnv) question(t *testing.T, contestID, text, status string, hidden bool, mergedInto ...string) string {
	t.Helper()
	var merged, code *string
	if status == "merged" {
		merged = &mergedInto[0]
	}
	if status == "rejected" {
		c := "off-topic"
		code = &c
	}
	var id string
	require.NoError(t, e.pool.QueryRow(e.ctx, `INSERT INTO questions
			(city_id, contest_id, author_id, text, normalized_text, status, hidden, merged_into_id, rejection_code)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		demo.CityID, contestID, demo.ResidentUserID, text, domain.NormalizeQuestion(text), status, hidden, merged, code).Scan(&id))
	return id
}

func loadPairs(t testing.TB, name string) []similarPair {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	var pairs []similarPair
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&pairs))
	for i, p := range pairs {
		for _, s := range []string{p.A, p.B} {
			n := utf8.RuneCountInString(s)
			require.True(t, n >= 10 && n <= 500, "%s pair %d: %q is %d characters", name, i, s, n)
		}
		require.NotEmpty(t, p.Topic, "%s pair %d has no topic", name, i)
		require.NotEqual(t, domain.NormalizeQuestion(p.A), domain.NormalizeQuestion(p.B), "%s pair %d", name, i)
	}
	return pairs
}

// pairScores puts each pair's a alone in a new contest and returns the score of a
// when searching for b (0 when a is not even a candidate). It also checks that
// the exported SimilarQuestions returns a exactly when that score reaches
// SimilarityThreshold.
func (e *similarEnv) pairScores(t *testing.T, pairs []similarPair) []float64 {
	t.Helper()
	scores := make([]float64, len(pairs))
	for i, p := range pairs {
		contest := e.contest(t)
		id := e.question(t, contest, p.A, "approved", false)
		all, err := e.store.similarQuestions(e.ctx, contest, p.B, 5, 0)
		require.NoError(t, err)
		for _, q := range all {
			if q.ID == id {
				scores[i] = q.Similarity
			}
		}
		got, err := e.store.SimilarQuestions(e.ctx, contest, p.B, 5)
		require.NoError(t, err)
		returned := len(got) == 1 && got[0].ID == id
		require.Equal(t, scores[i] >= SimilarityThreshold, returned, "pair %d: score %.3f", i, scores[i])
	}
	return scores
}

type confusion struct{ tp, fp, fn, tn int }

func (c confusion) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c confusion) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

func (c confusion) f1() float64 {
	p, r := c.precision(), c.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func confusionAt(pairs []similarPair, scores []float64, threshold float64) confusion {
	var c confusion
	for i, p := range pairs {
		predicted := scores[i] >= threshold
		switch {
		case predicted && p.Same:
			c.tp++
		case predicted && !p.Same:
			c.fp++
		case p.Same:
			c.fn++
		default:
			c.tn++
		}
	}
	return c
}

func logSweep(t *testing.T, name string, pairs []similarPair, scores []float64) {
	t.Helper()
	t.Logf("%s: %d pairs (%d paraphrases)", name, len(pairs), confusionAt(pairs, scores, -1).tp)
	t.Logf("%9s %4s %4s %4s %4s %9s %6s %5s", "threshold", "TP", "FP", "FN", "TN", "precision", "recall", "F1")
	for th := 0.10; th < 0.601; th += 0.05 {
		c := confusionAt(pairs, scores, th)
		mark := ""
		if math.Abs(th-SimilarityThreshold) < 1e-9 {
			mark = "  <- SimilarityThreshold"
		}
		t.Logf("%9.2f %4d %4d %4d %4d %9.3f %6.3f %5.3f%s", th, c.tp, c.fp, c.fn, c.tn, c.precision(), c.recall(), c.f1(), mark)
	}
}

// TestSimilarPairs measures SimilarQuestions on the labelled pairs: a pair is
// predicted "same" when a is returned for b. It logs a threshold sweep for the
// tuning set (similar_pairs.json) and for a held-out set written before the
// thesaurus and threshold were tuned (similar_pairs_holdout.json), and asserts
// the floors above at SimilarityThreshold. Run with -v to see the tables.
func TestSimilarPairs(t *testing.T) {
	e := newSimilarEnv(t)
	dev := loadPairs(t, "similar_pairs.json")
	require.GreaterOrEqual(t, len(dev), 60)
	holdout := loadPairs(t, "similar_pairs_holdout.json")

	devScores := e.pairScores(t, dev)
	holdoutScores := e.pairScores(t, holdout)
	logSweep(t, "similar_pairs.json (tuning set)", dev, devScores)
	logSweep(t, "similar_pairs_holdout.json (held out)", holdout, holdoutScores)
	if testing.Verbose() {
		for i, p := range dev {
			if (devScores[i] >= SimilarityThreshold) != p.Same {
				t.Logf("miss: same=%v score=%.3f %q / %q", p.Same, devScores[i], p.A, p.B)
			}
		}
	}

	c := confusionAt(dev, devScores, SimilarityThreshold)
	require.GreaterOrEqual(t, c.precision(), minDevPrecision, "tuning-set precision at %.2f", SimilarityThreshold)
	require.GreaterOrEqual(t, c.recall(), minDevRecall, "tuning-set recall at %.2f", SimilarityThreshold)
	c = confusionAt(holdout, holdoutScores, SimilarityThreshold)
	require.GreaterOrEqual(t, c.precision(), minHoldoutPrecision, "held-out precision at %.2f", SimilarityThreshold)
	require.GreaterOrEqual(t, c.recall(), minHoldoutRecall, "held-out recall at %.2f", SimilarityThreshold)
}

// TestSimilarPairsRanking puts every tuning-set question in one contest and
// searches for each b among all of them: how often a paraphrase finds its own
// question first or in the top 3 (the use the feature is for: "did someone
// already ask this?"), and how many questions of other topics come back, by
// threshold. The pairs only hold same-topic negatives; the other topics are what
// keeps the threshold from going lower.
func TestSimilarPairsRanking(t *testing.T) {
	e := newSimilarEnv(t)
	pairs := loadPairs(t, "similar_pairs.json")
	contest := e.contest(t)
	ids := map[string]string{}    // normalized a -> id
	topics := map[string]string{} // id -> topic
	for _, p := range pairs {
		n := domain.NormalizeQuestion(p.A)
		if _, ok := ids[n]; !ok {
			ids[n] = e.question(t, contest, p.A, "approved", false)
			topics[ids[n]] = p.Topic
		}
	}
	results := make([][]domain.SimilarQuestion, len(pairs))
	for i, p := range pairs {
		got, err := e.store.similarQuestions(e.ctx, contest, p.B, MaxSimilarQuestions, 0)
		require.NoError(t, err)
		results[i] = got
	}
	t.Logf("%d questions in one contest; %d searches (the b of each pair), limit 3", len(ids), len(pairs))
	t.Logf("%9s %13s %13s %15s %19s", "threshold", "paraphrase@1", "paraphrase@3", "results/search", "other-topic/search")
	var top3AtThreshold float64
	for th := 0.10; th < 0.451; th += 0.05 {
		var same, first, top3, returned, otherTopic int
		for i, p := range pairs {
			var kept []domain.SimilarQuestion
			for _, q := range results[i] {
				if q.Similarity >= th && len(kept) < 3 {
					kept = append(kept, q)
				}
			}
			returned += len(kept)
			for _, q := range kept {
				if topics[q.ID] != p.Topic {
					otherTopic++
				}
			}
			if !p.Same {
				continue
			}
			same++
			want := ids[domain.NormalizeQuestion(p.A)]
			for j, q := range kept {
				if q.ID == want {
					top3++
					if j == 0 {
						first++
					}
				}
			}
		}
		mark := ""
		if math.Abs(th-SimilarityThreshold) < 1e-9 {
			mark = "  <- SimilarityThreshold"
			top3AtThreshold = float64(top3) / float64(same)
		}
		t.Logf("%9.2f %13.2f %13.2f %15.2f %19.2f%s", th, float64(first)/float64(same), float64(top3)/float64(same),
			float64(returned)/float64(len(pairs)), float64(otherTopic)/float64(len(pairs)), mark)
	}
	require.GreaterOrEqual(t, top3AtThreshold, 0.75)
}

func TestSimilarQuestionsRules(t *testing.T) {
	e := newSimilarEnv(t)
	const text = "Will you keep the public libraries open on Sundays?"
	contest, other := e.contest(t), e.contest(t)

	exact := e.question(t, contest, text, "approved", false)
	close1 := e.question(t, contest, "Will you keep the libraries open on Sundays and holidays?", "pending", false)
	close2 := e.question(t, contest, "Do you plan to restore Sunday hours at the public library?", "approved", false)
	unrelated := e.question(t, contest, "How will you fix the potholes on River Road?", "approved", false)
	rejected := e.question(t, contest, text, "rejected", false)
	merged := e.question(t, contest, text, "merged", false, exact)
	hidden := e.question(t, contest, "Will you keep the public libraries open on Sundays, please?", "approved", true)
	elsewhere := e.question(t, other, text, "approved", false)

	t.Run("exact text scores highest", func(t *testing.T) {
		got, err := e.store.SimilarQuestions(e.ctx, contest, text, 10)
		require.NoError(t, err)
		require.NotEmpty(t, got)
		require.Equal(t, exact, got[0].ID)
		require.InDelta(t, 1.0, got[0].Similarity, 1e-9)
		require.Equal(t, text, got[0].Text)
		require.Equal(t, "approved", got[0].Status)
		for i := 1; i < len(got); i++ {
			require.Less(t, got[i].Similarity, got[0].Similarity)
			require.LessOrEqual(t, got[i].Similarity, got[i-1].Similarity, "best first")
		}
	})

	t.Run("only live questions of the contest", func(t *testing.T) {
		got, err := e.store.SimilarQuestions(e.ctx, contest, text, 50)
		require.NoError(t, err)
		ids := map[string]bool{}
		for _, q := range got {
			ids[q.ID] = true
			require.Contains(t, []string{"pending", "approved"}, q.Status)
		}
		require.True(t, ids[exact] && ids[close1] && ids[close2], "got %+v", got)
		for name, id := range map[string]string{"rejected": rejected, "merged": merged, "hidden": hidden,
			"other contest": elsewhere, "unrelated": unrelated} {
			require.False(t, ids[id], "%s question returned", name)
		}
		// The pending one is returned with its status.
		for _, q := range got {
			if q.ID == close1 {
				require.Equal(t, "pending", q.Status)
			}
		}
	})

	t.Run("limit", func(t *testing.T) {
		for _, v := range []string{"on weekends", "on Sunday afternoons", "every Sunday", "on Sundays in summer", "on Sundays again"} {
			e.question(t, contest, "Will you keep the public libraries open "+v+"?", "approved", false)
		}
		for limit, want := range map[int]int{1: 1, 3: 3} {
			got, err := e.store.SimilarQuestions(e.ctx, contest, text, limit)
			require.NoError(t, err)
			require.Len(t, got, want)
		}
		got, err := e.store.SimilarQuestions(e.ctx, contest, text, 0)
		require.NoError(t, err)
		require.NotNil(t, got)
		require.Empty(t, got)
		got, err = e.store.SimilarQuestions(e.ctx, contest, text, 10_000)
		require.NoError(t, err)
		require.LessOrEqual(t, len(got), MaxSimilarQuestions)
		require.Greater(t, len(got), 3)
	})

	t.Run("nothing matches", func(t *testing.T) {
		got, err := e.store.SimilarQuestions(e.ctx, contest, "What is your favorite color of bicycle?", 5)
		require.NoError(t, err)
		require.NotNil(t, got)
		require.Empty(t, got)
		body, err := json.Marshal(got)
		require.NoError(t, err)
		require.Equal(t, "[]", string(body))

		got, err = e.store.SimilarQuestions(e.ctx, contest, "the and of to", 5) // stop words only
		require.NoError(t, err)
		require.NotNil(t, got)
		require.Empty(t, got)
	})

	t.Run("other contest sees its own", func(t *testing.T) {
		got, err := e.store.SimilarQuestions(e.ctx, other, text, 5)
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, elsewhere, got[0].ID)
	})

	t.Run("counters", func(t *testing.T) {
		_, err := e.pool.Exec(e.ctx, `UPDATE questions SET upvotes = 7, downvotes = 2 WHERE id = $1`, exact)
		require.NoError(t, err)
		got, err := e.store.SimilarQuestions(e.ctx, contest, text, 1)
		require.NoError(t, err)
		require.Equal(t, 7, got[0].Upvotes)
		require.Equal(t, 2, got[0].Downvotes)
	})
}

// A text too short to search returns an empty slice without touching the
// database: the store here points at a closed port, so any query would fail.
func TestSimilarQuestionsShortText(t *testing.T) {
	ctx := context.Background()
	pool, err := NewPool(ctx, "postgres://postgres@"+testenv.ClosedPort(t)+"/x?sslmode=disable",
		PoolOptions{MaxConns: 1, ConnectTimeout: time.Second})
	require.NoError(t, err)
	defer pool.Close()
	s := New(pool, nil)
	for _, text := range []string{"", " ", "a", "ab", "?!?", "a.b", "  A  B  ", "'’'", "I, a", "😀😀😀"} {
		got, err := s.SimilarQuestions(ctx, demo.RaceContestID, text, 5)
		require.NoError(t, err, "%q", text)
		require.NotNil(t, got, "%q", text)
		require.Empty(t, got, "%q", text)
	}
	_, err = s.SimilarQuestions(ctx, demo.RaceContestID, "abc", 5)
	require.ErrorIs(t, err, ErrUnavailable, "a three-character text is searched")
}

// The demo data's normalized_text is what NormalizeQuestion gives for its text.
func TestNormalizeQuestionMatchesDemo(t *testing.T) {
	e := newSimilarEnv(t)
	rows, err := e.pool.Query(e.ctx, `SELECT text, normalized_text FROM questions`)
	require.NoError(t, err)
	n := 0
	for rows.Next() {
		var text, normalized string
		require.NoError(t, rows.Scan(&text, &normalized))
		require.Equal(t, normalized, domain.NormalizeQuestion(text), "%q", text)
		n++
	}
	require.NoError(t, rows.Err())
	require.GreaterOrEqual(t, n, 4)
}

// With a few thousand questions, the search reads them through an index: in a
// large contest the trigram and full-text GIN indexes (a BitmapOr of the two
// candidate conditions), in a small one the contest's own index.
// manyQuestions adds 4,000 questions, each a different mix of words from the
// labelled pairs: 3,600 in one contest (big), 80 in each of five others (small).
func (e *similarEnv) manyQuestions(t testing.TB) (big string, small []string) {
	t.Helper()
	pairs := loadPairs(t, "similar_pairs.json")
	var words []string
	for _, p := range pairs {
		words = append(words, strings.Fields(p.A+" "+p.B)...)
	}
	big = e.contest(t)
	for range 5 {
		small = append(small, e.contest(t))
	}
	var cs, qs, ns []string
	for i := range 4000 {
		q := fmt.Sprintf("Question %d about %s %s %s %s %s %s?", i, words[(i*3)%len(words)], words[(i*7)%len(words)],
			words[(i*13+5)%len(words)], words[(i*31+11)%len(words)], words[(i*17+3)%len(words)], words[(i*23+1)%len(words)])
		c := big
		if i%10 == 0 {
			c = small[(i/10)%len(small)]
		}
		cs = append(cs, c)
		qs = append(qs, q)
		ns = append(ns, domain.NormalizeQuestion(q))
	}
	_, err := e.pool.Exec(e.ctx, `INSERT INTO questions (city_id, contest_id, author_id, text, normalized_text, status)
		SELECT $1, c, $2, t, n, 'approved' FROM unnest($3::uuid[], $4::text[], $5::text[]) AS x(c, t, n)`,
		demo.CityID, demo.ResidentUserID, cs, qs, ns)
	require.NoError(t, err)
	_, err = e.pool.Exec(e.ctx, `ANALYZE questions`)
	require.NoError(t, err)
	return big, small
}

// BenchmarkSimilarQuestions is one suggestion in a contest of 3,600 questions
// (about 330 of which share a word with the text and are scored).
func BenchmarkSimilarQuestions(b *testing.B) {
	e := newSimilarEnv(b)
	big, _ := e.manyQuestions(b)
	for b.Loop() {
		got, err := e.store.SimilarQuestions(e.ctx, big, "How do you plan to address rising rents?", 5)
		require.NoError(b, err)
		require.Len(b, got, 5)
	}
}

func TestSimilarQuestionsUsesIndex(t *testing.T) {
	e := newSimilarEnv(t)
	big, small := e.manyQuestions(t)

	const text = "How do you plan to address rising rents?"
	norm := domain.NormalizeQuestion(text)
	explain := func(contest string) string {
		rows, err := e.pool.Query(e.ctx, "EXPLAIN (COSTS OFF) "+similarQuestionsSQL,
			contest, norm, text, similarOrQuery(norm), thesaurusWords, thesaurusConcepts, framingText,
			SimilarityThreshold, 5)
		require.NoError(t, err)
		var lines []string
		for rows.Next() {
			var line string
			require.NoError(t, rows.Scan(&line))
			if strings.Contains(line, "questions") || strings.Contains(line, "BitmapOr") {
				lines = append(lines, line)
			}
		}
		require.NoError(t, rows.Err())
		return strings.Join(lines, "\n")
	}
	plan := explain(big)
	t.Logf("plan, contest of 3,600 (question access only):\n%s", plan)
	require.NotContains(t, plan, "Seq Scan on questions")
	require.Contains(t, plan, "Bitmap Index Scan on questions_normalized_text_trgm_idx")
	require.Contains(t, plan, "Bitmap Index Scan on questions_text_fts_idx")
	plan = explain(small[0])
	t.Logf("plan, contest of 80 (question access only):\n%s", plan)
	require.NotContains(t, plan, "Seq Scan on questions")

	for _, c := range []string{big, small[0]} {
		start := time.Now()
		got, err := e.store.SimilarQuestions(e.ctx, c, text, 5)
		require.NoError(t, err)
		require.NotEmpty(t, got)
		t.Logf("SimilarQuestions: %d results in %v", len(got), time.Since(start))
	}
}

// Every thesaurus word is a real lexeme for the 'english' configuration (not a
// stop word), and no two groups share a stem: otherwise a word would silently
// join the wrong concept.
func TestThesaurusStems(t *testing.T) {
	e := newSimilarEnv(t)
	rows, err := e.pool.Query(e.ctx, `SELECT w, c, tsvector_to_array(to_tsvector('english', w))
		FROM unnest($1::text[], $2::text[]) AS t(w, c)`, thesaurusWords, thesaurusConcepts)
	require.NoError(t, err)
	concept := map[string]string{}
	for rows.Next() {
		var w, c string
		var lex []string
		require.NoError(t, rows.Scan(&w, &c, &lex))
		require.Len(t, lex, 1, "thesaurus word %q", w)
		if prev, ok := concept[lex[0]]; ok {
			require.Equal(t, prev, c, "stem %q of %q is in two groups", lex[0], w)
		}
		concept[lex[0]] = c
	}
	require.NoError(t, rows.Err())
	for w := range framingWords {
		_, inThesaurus := thesaurusIndex[w]
		require.False(t, inThesaurus, "framing word %q is in the thesaurus", w)
	}
}

func TestSimilarOrQuery(t *testing.T) {
	q := similarOrQuery(domain.NormalizeQuestion("Would you support lowering rents or housing costs?"))
	terms := strings.Split(q, " or ")
	require.NotContains(t, terms, "would")
	require.NotContains(t, terms, "support")
	require.Contains(t, terms, "lowering")
	require.Contains(t, terms, "reduce", "lowering -> lower -> reduce group")
	require.Contains(t, terms, "tenant", "rents -> rent group")
	require.Contains(t, terms, "apartment", "housing -> home group")
	require.Contains(t, terms, "price", "costs -> afford group")

	long := strings.Repeat("increase housing budget police transit ", 100)
	require.LessOrEqual(t, len(strings.Split(similarOrQuery(domain.NormalizeQuestion(long)), " or ")), maxQueryTerms)
	require.Empty(t, similarOrQuery("would support"))
}

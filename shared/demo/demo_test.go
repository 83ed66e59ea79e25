package demo

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civicq/civicq/shared/migrate"
	"github.com/civicq/civicq/shared/testenv"
)

var countedTables = []string{
	"cities", "users", "user_roles", "elections", "contests", "candidates", "measures",
	"questions", "question_versions", "votes", "answers", "videos", "reports", "moderation_actions",
}

func migratedPool(t *testing.T) (context.Context, *pgxpool.Pool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	dsn := testenv.EmptyDB(t)
	if _, err := migrate.Up(ctx, dsn); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return ctx, pool
}

func counts(t *testing.T, ctx context.Context, pool *pgxpool.Pool) map[string]int {
	t.Helper()
	out := make(map[string]int, len(countedTables))
	for _, table := range countedTables {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func scalar[T any](t *testing.T, ctx context.Context, pool *pgxpool.Pool, sql string, args ...any) T {
	t.Helper()
	var v T
	if err := pool.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func TestLoadTwiceChangesNothing(t *testing.T) {
	ctx, pool := migratedPool(t)
	if err := Load(ctx, pool); err != nil {
		t.Fatalf("first Load: %v", err)
	}
	first := counts(t, ctx, pool)
	if err := Load(ctx, pool); err != nil {
		t.Fatalf("second Load: %v", err)
	}
	if second := counts(t, ctx, pool); !maps.Equal(first, second) {
		t.Fatalf("second Load changed row counts: %v -> %v", first, second)
	}
	// Also through a single connection inside a transaction.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := Load(ctx, tx); err != nil {
		t.Fatalf("Load in a transaction: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if third := counts(t, ctx, pool); !maps.Equal(first, third) {
		t.Fatalf("third Load changed row counts: %v -> %v", first, third)
	}
	t.Logf("demo rows: %v", first)
}

func TestContent(t *testing.T) {
	ctx, pool := migratedPool(t)
	if err := Load(ctx, pool); err != nil {
		t.Fatal(err)
	}

	// The exported ids point at what their comments say.
	if got := scalar[string](t, ctx, pool, `SELECT id::text FROM cities WHERE slug = $1`, CitySlug); got != CityID {
		t.Errorf("city %q id = %s; want %s", CitySlug, got, CityID)
	}
	if got := scalar[string](t, ctx, pool, `SELECT id::text FROM cities WHERE slug = $1`, LakeviewCitySlug); got != LakeviewCityID {
		t.Errorf("city %q id = %s; want %s", LakeviewCitySlug, got, LakeviewCityID)
	}
	if got := scalar[string](t, ctx, pool,
		`SELECT status || ' ' || election_date::text FROM elections WHERE id = $1 AND city_id = $2`, ElectionID, CityID); got != "upcoming 2027-05-18" {
		t.Errorf("election = %q; want upcoming 2027-05-18", got)
	}
	if got := scalar[string](t, ctx, pool, `SELECT status FROM elections WHERE id = $1 AND city_id = $2`, PastElectionID, CityID); got != "past" {
		t.Errorf("past election status = %q", got)
	}
	if got := scalar[string](t, ctx, pool, `SELECT kind || ' ' || title FROM contests WHERE id = $1 AND election_id = $2`, RaceContestID, ElectionID); got != "race Mayor" {
		t.Errorf("race contest = %q; want the mayor race", got)
	}
	if got := scalar[string](t, ctx, pool,
		`SELECT c.kind || ' ' || m.number FROM contests c JOIN measures m ON m.contest_id = c.id
		 WHERE c.id = $1 AND c.election_id = $2 AND m.id = $3`, MeasureContestID, ElectionID, MeasureID); got != "measure Measure A" {
		t.Errorf("measure contest = %q; want Measure A", got)
	}
	if got := scalar[string](t, ctx, pool,
		`SELECT verification || ' ' || claimed_by_user_id::text FROM candidates WHERE id = $1 AND contest_id = $2`, CandidateID, RaceContestID); got != "verified "+CandidateUserID {
		t.Errorf("candidate = %q; want verified, claimed by %s", got, CandidateUserID)
	}
	if got := scalar[bool](t, ctx, pool, `SELECT email_verified FROM users WHERE id = $1 AND subject = $2`, ResidentUserID, ResidentUserSubject); !got {
		t.Error("resident's email is not verified")
	}
	if got := scalar[bool](t, ctx, pool, `SELECT email_verified FROM users WHERE id = $1`, UnverifiedUserID); got {
		t.Error("unverified user's email is verified")
	}
	if got := scalar[int](t, ctx, pool,
		`SELECT count(*) FROM user_roles WHERE user_id = $1 AND city_id = $2 AND role = 'moderator'`, ModeratorUserID, CityID); got != 1 {
		t.Error("moderator has no moderator role in Riverton")
	}
	if got := scalar[int](t, ctx, pool, `SELECT count(*) FROM user_roles WHERE user_id = $1 AND city_id <> $2`, LakeviewModeratorID, LakeviewCityID); got != 0 {
		t.Error("Lakeview moderator has roles outside Lakeview")
	}

	// The upcoming Riverton ballot: a mayor race, two or more council races, a school
	// board race and two measures with every text filled in.
	type contest struct {
		kind, title string
		candidates  int
	}
	rows, err := pool.Query(ctx, `
		SELECT c.kind, c.title, count(k.id)::int
		FROM contests c LEFT JOIN candidates k ON k.contest_id = c.id
		WHERE c.election_id = $1 GROUP BY c.id ORDER BY c.display_order`, ElectionID)
	if err != nil {
		t.Fatal(err)
	}
	ballot, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (contest, error) {
		var c contest
		return c, r.Scan(&c.kind, &c.title, &c.candidates)
	})
	if err != nil {
		t.Fatal(err)
	}
	var races, councils, schools, measures, candidates int
	for _, c := range ballot {
		switch c.kind {
		case "race":
			races++
			candidates += c.candidates
			switch {
			case c.title == "Mayor" && c.candidates < 3:
				t.Errorf("mayor race has %d candidates; want 3 or more", c.candidates)
			case c.candidates < 2:
				t.Errorf("%s has %d candidates; want 2 or more", c.title, c.candidates)
			}
			if strings.HasPrefix(c.title, "City Council") {
				councils++
			}
			if strings.HasPrefix(c.title, "Riverton School Board") {
				schools++
			}
		case "measure":
			measures++
			if c.candidates != 0 {
				t.Errorf("measure %s has candidates", c.title)
			}
		}
	}
	if races < 4 || councils < 2 || schools < 1 || measures != 2 || candidates < 10 {
		t.Errorf("ballot: %d races (%d council, %d school board), %d measures, %d candidates; want >=4 (>=2, >=1), 2, >=10",
			races, councils, schools, measures, candidates)
	}
	if got := scalar[int](t, ctx, pool, `
		SELECT count(*) FROM measures m JOIN contests c ON c.id = m.contest_id
		WHERE c.election_id = $1 AND m.number ~ '^Measure [A-Z]$'
		  AND length(m.title) > 10 AND length(m.full_text) > 500 AND length(m.summary) > 100
		  AND length(m.fiscal_note) > 100 AND length(m.pro_argument) > 100 AND length(m.con_argument) > 100
		  AND m.full_text LIKE '%' || E'\n\n' || '%'`, ElectionID); got != 2 {
		t.Errorf("%d measures with number, title, full text paragraphs, summary, fiscal note and arguments; want 2", got)
	}
	if got := scalar[int](t, ctx, pool, `
		SELECT count(*) FROM candidates
		WHERE city_id = $1 AND (ballot_designation = '' OR length(bio) < 100)`, CityID); got != 0 {
		t.Errorf("%d Riverton candidates without a ballot designation or bio", got)
	}

	// Past election and Lakeview.
	if got := scalar[int](t, ctx, pool, `SELECT count(*) FROM contests WHERE election_id = $1`, PastElectionID); got != 1 {
		t.Errorf("past election has %d contests; want 1", got)
	}
	if got := scalar[int](t, ctx, pool, `
		SELECT count(*) FROM candidates k JOIN contests c ON c.id = k.contest_id
		WHERE c.id = $1 AND c.city_id = $2 AND c.election_id = $3 AND k.city_id = $2`,
		LakeviewContestID, LakeviewCityID, LakeviewElectionID); got != 2 {
		t.Errorf("Lakeview mayor race has %d candidates; want 2", got)
	}

	// Counters equal vote rows; every approved question has its log entry.
	if got := scalar[int](t, ctx, pool, `
		SELECT count(*) FROM questions q
		WHERE q.upvotes <> (SELECT count(*) FROM votes v WHERE v.question_id = q.id AND v.value = 1)
		   OR q.downvotes <> (SELECT count(*) FROM votes v WHERE v.question_id = q.id AND v.value = -1)`); got != 0 {
		t.Errorf("%d questions whose counters differ from their votes", got)
	}
	if got := scalar[int](t, ctx, pool, `
		SELECT count(*) FROM questions q WHERE q.status = 'approved' AND NOT EXISTS (
			SELECT 1 FROM moderation_actions a
			WHERE a.target_type = 'question' AND a.target_id = q.id AND a.action = 'approve')`); got != 0 {
		t.Errorf("%d approved questions missing from the moderation log", got)
	}
}

// TestLoadIsAllOrNothing: when a statement fails, the statements before it are
// rolled back too.
func TestLoadIsAllOrNothing(t *testing.T) {
	ctx, pool := migratedPool(t)
	// Another account already holds the subject "demo-moderator": the users insert,
	// which comes after the cities insert, fails on the subject, which
	// ON CONFLICT (id) does not absorb.
	if _, err := pool.Exec(ctx, `INSERT INTO users (subject) VALUES ($1)`, ModeratorUserSubject); err != nil {
		t.Fatal(err)
	}
	err := Load(ctx, pool)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" || pgErr.TableName != "users" {
		t.Fatalf("Load = %v; want a unique violation on users", err)
	}
	if got := scalar[int](t, ctx, pool, `SELECT count(*) FROM cities`); got != 0 {
		t.Fatalf("%d cities after a failed Load; want 0", got)
	}
	if got := scalar[int](t, ctx, pool, `SELECT count(*) FROM users`); got != 1 {
		t.Fatalf("%d users after a failed Load; want only the one inserted before", got)
	}
}

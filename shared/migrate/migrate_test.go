package migrate

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civicq/civicq/migrations"
	"github.com/civicq/civicq/shared/testenv"
)

// tables is every table the migrations create.
var tables = []string{
	"answers", "candidates", "cities", "contests", "elections", "measures",
	"moderation_actions", "question_versions", "questions", "reports",
	"user_roles", "users", "videos", "votes",
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// migrationFiles lists the embedded migration files in goose's order.
func migrationFiles(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("no embedded migrations")
	}
	return names
}

func connect(t *testing.T, ctx context.Context, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func publicTables(t *testing.T, ctx context.Context, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> $1
		ORDER BY table_name`, VersionTable)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestUpAppliesAllThenNothing(t *testing.T) {
	ctx := ctxT(t)
	dsn := testenv.EmptyDB(t)
	files := migrationFiles(t)

	v, err := Version(ctx, dsn)
	if err != nil || v != 0 {
		t.Fatalf("Version on an empty database = %d, %v; want 0, nil", v, err)
	}

	res, err := Up(ctx, dsn)
	if err != nil {
		t.Fatalf("first Up: %v", err)
	}
	if !slices.Equal(res.Applied, files) {
		t.Fatalf("first Up applied %v; want %v", res.Applied, files)
	}
	if res.Version != int64(len(files)) {
		t.Fatalf("version after first Up = %d; want %d", res.Version, len(files))
	}

	res, err = Up(ctx, dsn)
	if err != nil {
		t.Fatalf("second Up: %v", err)
	}
	if len(res.Applied) != 0 || res.Version != int64(len(files)) {
		t.Fatalf("second Up = %+v; want nothing applied, version %d", res, len(files))
	}
	if v, err := Version(ctx, dsn); err != nil || v != int64(len(files)) {
		t.Fatalf("Version = %d, %v; want %d", v, err, len(files))
	}

	conn := connect(t, ctx, dsn)
	if got := publicTables(t, ctx, conn); !slices.Equal(got, tables) {
		t.Fatalf("tables = %v; want %v", got, tables)
	}
	var ext int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'`).Scan(&ext); err != nil || ext != 1 {
		t.Fatalf("pg_trgm installed: %d, %v", ext, err)
	}
}

func TestVersionDoesNotWrite(t *testing.T) {
	ctx := ctxT(t)
	dsn := testenv.EmptyDB(t)
	if _, err := Version(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	var exists bool
	conn := connect(t, ctx, dsn)
	if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, VersionTable).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatal("Version created the version table")
	}
}

func TestUpConcurrent(t *testing.T) {
	ctx := ctxT(t)
	dsn := testenv.EmptyDB(t)
	files := migrationFiles(t)

	const n = 3
	var wg sync.WaitGroup
	results := make([]Result, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { results[i], errs[i] = Up(ctx, dsn) })
	}
	wg.Wait()
	var applied []string
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Up #%d: %v", i, errs[i])
		}
		if results[i].Version != int64(len(files)) {
			t.Errorf("Up #%d version = %d; want %d", i, results[i].Version, len(files))
		}
		applied = append(applied, results[i].Applied...)
	}
	sort.Strings(applied)
	if !slices.Equal(applied, files) {
		t.Fatalf("concurrent Ups applied %v in total; want each file once: %v", applied, files)
	}
}

func TestDownAllThenUp(t *testing.T) {
	ctx := ctxT(t)
	dsn := testenv.EmptyDB(t)
	files := migrationFiles(t)
	if _, err := Up(ctx, dsn); err != nil {
		t.Fatal(err)
	}

	db, err := open(dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := NewProvider(db)
	if err != nil {
		t.Fatal(err)
	}
	down, err := p.DownTo(ctx, 0)
	if err != nil {
		t.Fatalf("down to 0: %v", err)
	}
	if len(down) != len(files) {
		t.Fatalf("down ran %d migrations; want %d", len(down), len(files))
	}
	for _, r := range down {
		if r.Empty {
			t.Errorf("%s has an empty Down section", path.Base(r.Source.Path))
		}
	}

	conn := connect(t, ctx, dsn)
	if got := publicTables(t, ctx, conn); len(got) != 0 {
		t.Fatalf("tables left after down: %v", got)
	}
	var leftovers int
	if err := conn.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm')
		     + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		        WHERE n.nspname = 'public')`).Scan(&leftovers); err != nil {
		t.Fatal(err)
	}
	if leftovers != 0 {
		t.Fatalf("%d extensions/functions left after down", leftovers)
	}
	if v, err := Version(ctx, dsn); err != nil || v != 0 {
		t.Fatalf("Version after down = %d, %v; want 0", v, err)
	}

	res, err := Up(ctx, dsn)
	if err != nil {
		t.Fatalf("Up after down: %v", err)
	}
	if !slices.Equal(res.Applied, files) {
		t.Fatalf("Up after down applied %v; want %v", res.Applied, files)
	}
}

// TestConstraints checks that the schema itself rejects bad rows.
func TestConstraints(t *testing.T) {
	ctx := ctxT(t)
	dsn := testenv.EmptyDB(t)
	if _, err := Up(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, ctx, dsn)

	const (
		city      = "00000000-0000-4000-8000-000000000001"
		city2     = "00000000-0000-4000-8000-000000000002"
		election  = "00000000-0000-4000-8000-000000000011"
		contest   = "00000000-0000-4000-8000-000000000021"
		user      = "00000000-0000-4000-8000-000000000031"
		user2     = "00000000-0000-4000-8000-000000000032"
		question  = "00000000-0000-4000-8000-000000000041"
		candidate = "00000000-0000-4000-8000-000000000051"
		answer    = "00000000-0000-4000-8000-000000000061"
	)
	mustExec(t, ctx, conn, `INSERT INTO cities (id, slug, name, state) VALUES ($1, 'testville', 'Testville', 'OR'), ($2, 'otherton', 'Otherton', 'OR')`, city, city2)
	mustExec(t, ctx, conn, `INSERT INTO elections (id, city_id, name, election_date) VALUES ($1, $2, 'General', '2027-05-18')`, election, city)
	mustExec(t, ctx, conn, `INSERT INTO contests (id, city_id, election_id, kind, title) VALUES ($1, $2, $3, 'race', 'Mayor')`, contest, city, election)
	mustExec(t, ctx, conn, `INSERT INTO users (id, subject, email, email_verified) VALUES ($1, 'sub-1', 'a@example.org', true), ($2, 'sub-2', '', false)`, user, user2)
	mustExec(t, ctx, conn, `INSERT INTO questions (id, city_id, contest_id, author_id, text, normalized_text, status)
		VALUES ($1, $2, $3, $4, 'How will you fix the potholes on Main Street?', 'how will you fix the potholes on main street', 'approved')`,
		question, city, contest, user)
	mustExec(t, ctx, conn, `INSERT INTO votes (city_id, question_id, user_id, value) VALUES ($1, $2, $3, 1)`, city, question, user)
	mustExec(t, ctx, conn, `INSERT INTO candidates (id, city_id, contest_id, name) VALUES ($1, $2, $3, 'Ada Lin')`, candidate, city, contest)
	mustExec(t, ctx, conn, `INSERT INTO answers (id, city_id, question_id, candidate_id) VALUES ($1, $2, $3, $4)`, answer, city, question, candidate)
	mustExec(t, ctx, conn, `INSERT INTO videos (city_id, answer_id, source_bucket, source_key, source_etag) VALUES ($1, $2, 'b', 'k', 'e')`, city, answer)

	cases := []struct {
		name string
		code string // SQLSTATE expected
		sql  string
		args []any
	}{
		{"vote value 2", "23514",
			`INSERT INTO votes (city_id, question_id, user_id, value) VALUES ($1, $2, $3, 2)`,
			[]any{city, question, user2}},
		{"vote value 0", "23514",
			`INSERT INTO votes (city_id, question_id, user_id, value) VALUES ($1, $2, $3, 0)`,
			[]any{city, question, user2}},
		{"duplicate vote", "23505",
			`INSERT INTO votes (city_id, question_id, user_id, value) VALUES ($1, $2, $3, -1)`,
			[]any{city, question, user}},
		{"vote in another city than its question", "23503",
			`INSERT INTO votes (city_id, question_id, user_id, value) VALUES ($1, $2, $3, 1)`,
			[]any{city2, question, user2}},
		{"question text of 5 chars", "23514",
			`INSERT INTO questions (city_id, contest_id, author_id, text, normalized_text) VALUES ($1, $2, $3, 'Why??', 'why')`,
			[]any{city, contest, user}},
		{"question text of 501 chars", "23514",
			`INSERT INTO questions (city_id, contest_id, author_id, text, normalized_text) VALUES ($1, $2, $3, repeat('a', 501), 'long')`,
			[]any{city, contest, user}},
		{"six tags", "23514",
			`INSERT INTO questions (city_id, contest_id, author_id, text, normalized_text, tags) VALUES ($1, $2, $3, 'What about housing and transit?', 'x', '{a,b,c,d,e,f}')`,
			[]any{city, contest, user}},
		{"merged without merged_into_id", "23514",
			`INSERT INTO questions (city_id, contest_id, author_id, text, normalized_text, status) VALUES ($1, $2, $3, 'What about housing and transit?', 'merged one', 'merged')`,
			[]any{city, contest, user}},
		{"merged_into_id on a pending question", "23514",
			`INSERT INTO questions (city_id, contest_id, author_id, text, normalized_text, merged_into_id) VALUES ($1, $2, $3, 'What about housing and transit?', 'pending one', $4)`,
			[]any{city, contest, user, question}},
		{"exact duplicate live question", "23505",
			`INSERT INTO questions (city_id, contest_id, author_id, text, normalized_text) VALUES ($1, $2, $3, 'How will you fix the potholes on Main St?', 'how will you fix the potholes on main street')`,
			[]any{city, contest, user2}},
		{"negative upvotes", "23514",
			`UPDATE questions SET upvotes = -1 WHERE id = $1`, []any{question}},
		{"contest in another city than its election", "23503",
			`INSERT INTO contests (city_id, election_id, kind, title, display_order) VALUES ($1, $2, 'race', 'Council', 1)`,
			[]any{city2, election}},
		{"duplicate contest display order", "23505",
			`INSERT INTO contests (city_id, election_id, kind, title, display_order) VALUES ($1, $2, 'race', 'Council', 0)`,
			[]any{city, election}},
		{"bad city slug", "23514",
			`INSERT INTO cities (slug, name, state) VALUES ('River Town', 'River Town', 'OR')`, nil},
		{"bad moderation mode", "23514",
			`INSERT INTO cities (slug, name, state, moderation_mode) VALUES ('rt', 'RT', 'OR', 'post')`, nil},
		{"answer limit above 3 minutes", "23514",
			`UPDATE cities SET answer_max_seconds = 600 WHERE id = $1`, []any{city}},
		{"verified candidate without claimant", "23514",
			`INSERT INTO candidates (city_id, contest_id, name, verification, verified_at) VALUES ($1, $2, 'A. Person', 'verified', now())`,
			[]any{city, contest}},
		{"report reason not in list", "23514",
			`INSERT INTO reports (city_id, reporter_id, target_type, target_id, reason) VALUES ($1, $2, 'question', $3, 'rude')`,
			[]any{city, user2, question}},
		{"answer for a missing candidate", "23503",
			`INSERT INTO answers (city_id, question_id, candidate_id) VALUES ($1, $2, gen_random_uuid())`,
			[]any{city, question}},
		{"second answer by the same candidate", "23505",
			`INSERT INTO answers (city_id, question_id, candidate_id) VALUES ($1, $2, $3)`,
			[]any{city, question, candidate}},
		{"four sources", "23514",
			`UPDATE answers SET sources = '{https://a,https://b,https://c,https://d}' WHERE id = $1`, []any{answer}},
		{"video with a bad provenance hash", "23514",
			`INSERT INTO videos (city_id, answer_id, source_bucket, source_key, source_etag, provenance_sha256) VALUES ($1, $2, 'b', 'k2', 'e', 'abc')`,
			[]any{city, answer}},
		{"same upload twice", "23505",
			`INSERT INTO videos (city_id, answer_id, source_bucket, source_key, source_etag) VALUES ($1, $2, 'b', 'k', 'e')`,
			[]any{city, answer}},
		{"ready video without provenance", "23514",
			`UPDATE videos SET status = 'ready', duration_seconds = 61.5 WHERE answer_id = $1`, []any{answer}},
		{"progress above 100", "23514",
			`UPDATE videos SET progress_percent = 101 WHERE answer_id = $1`, []any{answer}},
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := conn.Exec(ctx, c.sql, c.args...)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) {
				t.Fatalf("got %v; want SQLSTATE %s", err, c.code)
			}
			if pgErr.Code != c.code {
				t.Fatalf("got %s (%s); want SQLSTATE %s", pgErr.Code, pgErr.Message, c.code)
			}
		})
	}

	t.Run("moderation log is append-only", func(t *testing.T) {
		mustExec(t, ctx, conn, `INSERT INTO moderation_actions (city_id, actor_id, actor_role, action, target_type, target_id, reason_code)
			VALUES ($1, $2, 'moderator', 'approve', 'question', $3, NULL)`, city, user, question)
		for _, q := range []string{`UPDATE moderation_actions SET reason_text = 'edited'`, `DELETE FROM moderation_actions`} {
			_, err := conn.Exec(ctx, q)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "23001" {
				t.Fatalf("%s: got %v; want SQLSTATE 23001", q, err)
			}
		}
	})

	t.Run("merge and a second question with the same text after merge", func(t *testing.T) {
		// A merged question frees its normalized text; a new live one may take it.
		mustExec(t, ctx, conn, `INSERT INTO questions (id, city_id, contest_id, author_id, text, normalized_text, status)
			VALUES ('00000000-0000-4000-8000-000000000042', $1, $2, $3, 'Where do you stand on the new library?', 'library', 'approved')`, city, contest, user)
		mustExec(t, ctx, conn, `UPDATE questions SET status = 'merged', merged_into_id = $1 WHERE id = '00000000-0000-4000-8000-000000000042'`, question)
		mustExec(t, ctx, conn, `INSERT INTO questions (city_id, contest_id, author_id, text, normalized_text)
			VALUES ($1, $2, $3, 'Where do you stand on the new library?', 'library')`, city, contest, user2)
	})
}

func mustExec(t *testing.T, ctx context.Context, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civicq/civicq/shared/domain"
)

// CityPolicy reads a city's rules for questions and votes.
func (s *Store) CityPolicy(ctx context.Context, slug string) (domain.CityPolicy, error) {
	var p domain.CityPolicy
	err := s.r.QueryRow(ctx, `SELECT id, slug, moderation_mode, questions_per_day, votes_per_hour
		FROM cities WHERE slug = $1`, slug).Scan(&p.CityID, &p.Slug, &p.ModerationMode, &p.QuestionsPerDay, &p.VotesPerHour)
	return p, classify("city policy", err)
}

// DuplicateError means a live question of the contest already has the same
// normalized text.
type DuplicateError struct{ ExistingID string }

func (e *DuplicateError) Error() string { return "store: duplicate of question " + e.ExistingID }

// NewQuestion is a question to store.
type NewQuestion struct {
	CityID     string
	ContestID  string
	Author     domain.Identity
	Input      domain.AskInput // already cleaned
	Normalized string
	Status     string
}

const questionColumns = `q.id, q.contest_id, q.text, coalesce(q.context, ''), q.tags, q.status, q.upvotes, q.downvotes,
	q.created_at, coalesce(q.merged_into_id::text, ''), q.vote_seq`

func scanQuestion(row pgx.Row, q *domain.Question) error {
	return row.Scan(&q.ID, &q.ContestID, &q.Text, &q.Context, &q.Tags, &q.Status, &q.Upvotes, &q.Downvotes,
		&q.CreatedAt, &q.MergedInto, &q.Seq)
}

// AskQuestion stores a question in one transaction: the author's user row, the
// question, its first version, and the author's own up-vote with the counters that
// include it. ErrNotFound: no such contest in the city. *DuplicateError: the same
// question (normalized) is already live in the contest.
func (s *Store) AskQuestion(ctx context.Context, in NewQuestion) (domain.Question, error) {
	var q domain.Question
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		var author string
		if err := tx.QueryRow(ctx, `SELECT civicq_user($1, $2, $3)`,
			in.Author.Subject, in.Author.Email, in.Author.EmailVerified).Scan(&author); err != nil {
			return err
		}
		var context *string
		if in.Input.Context != "" {
			context = &in.Input.Context
		}
		// The contest must be the city's: the insert selects it, so another city's
		// contest id inserts nothing.
		row := tx.QueryRow(ctx, `INSERT INTO questions AS q (city_id, contest_id, author_id, text, context, tags,
				normalized_text, status, upvotes, downvotes, rank, vote_seq)
			SELECT ct.city_id, ct.id, $3, $4, $5, $6, $7, $8, 1, 0, civicq_wilson(1, 0), 1
			FROM contests ct WHERE ct.id = $2 AND ct.city_id = $1
			RETURNING `+questionColumns,
			in.CityID, in.ContestID, author, in.Input.Text, context, in.Input.Tags, in.Normalized, in.Status)
		if err := scanQuestion(row, &q); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO question_versions (city_id, question_id, version, text, context, edited_by)
			VALUES ($1, $2, 1, $3, $4, $5)`, in.CityID, q.ID, in.Input.Text, context, author); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO votes (city_id, question_id, user_id, value) VALUES ($1, $2, $3, 1)`,
			in.CityID, q.ID, author)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "questions_contest_id_normalized_text_key" {
		var existing string
		if e := s.w.QueryRow(ctx, `SELECT id FROM questions WHERE contest_id = $1 AND normalized_text = $2
			AND status IN ('pending', 'approved')`, in.ContestID, in.Normalized).Scan(&existing); e != nil {
			return q, classify("ask: find duplicate", e)
		}
		return q, &DuplicateError{ExistingID: existing}
	}
	return q, classify("ask", err)
}

// VoteResult is what a vote did.
type VoteResult struct {
	Outcome    string // "changed", "unchanged"
	Previous   int
	Question   domain.Question // ID, ContestID, Status, Upvotes, Downvotes, CreatedAt, Seq
	NotVotable string          // for ErrNotVotable: the question's status ("pending", "hidden"...)
}

// ErrNotVotable means the question exists but is not open to votes (not approved,
// or hidden pending review).
var ErrNotVotable = errors.New("store: question is not open to votes")

// Vote sets the voter's vote on a question of the city in one round trip (the
// cast_vote function: the vote row, the counters, the rank and the sequence move in
// one transaction, serialized on the question row).
func (s *Store) Vote(ctx context.Context, cityID, questionID string, voter domain.Identity, value int) (VoteResult, error) {
	var res VoteResult
	var status *string
	var contestID *string
	var previous *int16
	var created *time.Time
	q := &res.Question
	err := s.w.QueryRow(ctx, `SELECT outcome, status, contest_id, previous, upvotes, downvotes, vote_seq, created_at
		FROM cast_vote($1, $2, $3, $4, $5, $6::smallint)`,
		cityID, questionID, voter.Subject, voter.Email, voter.EmailVerified, value).Scan(
		&res.Outcome, &status, &contestID, &previous, &q.Upvotes, &q.Downvotes, &q.Seq, &created)
	if err != nil {
		return res, classify("vote", err)
	}
	q.ID = questionID
	if status != nil {
		q.Status = *status
	}
	if contestID != nil {
		q.ContestID = *contestID
	}
	if previous != nil {
		res.Previous = int(*previous)
	}
	if created != nil {
		q.CreatedAt = *created
	}
	switch res.Outcome {
	case "not_found":
		return res, ErrNotFound
	case "not_votable":
		res.NotVotable = q.Status
		return res, ErrNotVotable
	case "changed", "unchanged":
		return res, nil
	}
	return res, fmt.Errorf("vote: unexpected outcome %q", res.Outcome)
}

// MyVote is the caller's vote on a question (0 when none). The caller need not
// have a user row yet.
func (s *Store) MyVote(ctx context.Context, cityID, questionID, subject string) (int, error) {
	var v int16
	err := s.r.QueryRow(ctx, `SELECT v.value FROM votes v JOIN users u ON u.id = v.user_id
		WHERE v.city_id = $1 AND v.question_id = $2 AND u.subject = $3`, cityID, questionID, subject).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return int(v), classify("my vote", err)
}

// QuestionExists reports whether a question of the city exists (any status).
func (s *Store) QuestionExists(ctx context.Context, cityID, questionID string) (bool, error) {
	var ok bool
	err := s.r.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM questions WHERE city_id = $1 AND id = $2)`,
		cityID, questionID).Scan(&ok)
	return ok, classify("question exists", err)
}

// ContestInCity reports whether the contest belongs to the city.
func (s *Store) ContestInCity(ctx context.Context, cityID, contestID string) (bool, error) {
	var ok bool
	err := s.r.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM contests WHERE city_id = $1 AND id = $2)`,
		cityID, contestID).Scan(&ok)
	return ok, classify("contest in city", err)
}

// RankedQuestions reads the public questions of a contest (approved, not hidden)
// with what their scores depend on: what the ranking in Redis is rebuilt from, and
// what a page is computed from when Redis is unavailable. It reads the writer: a
// rebuild from a lagging replica could drop a question approved a moment ago.
func (s *Store) RankedQuestions(ctx context.Context, cityID, contestID string) ([]domain.Question, error) {
	rows, err := s.w.Query(ctx, `SELECT `+questionColumns+` FROM questions q
		WHERE q.city_id = $1 AND q.contest_id = $2 AND q.status = 'approved' AND NOT q.hidden`, cityID, contestID)
	if err != nil {
		return nil, classify("ranked questions", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Question, error) {
		var q domain.Question
		return q, scanQuestion(row, &q)
	})
	return out, classify("ranked questions", err)
}

// QuestionsByID reads public questions of a contest by id (a page of a ranked list).
func (s *Store) QuestionsByID(ctx context.Context, cityID, contestID string, ids []string) (map[string]domain.Question, error) {
	rows, err := s.r.Query(ctx, `SELECT `+questionColumns+` FROM questions q
		WHERE q.city_id = $1 AND q.contest_id = $2 AND q.id = ANY($3::uuid[]) AND q.status = 'approved' AND NOT q.hidden`,
		cityID, contestID, ids)
	if err != nil {
		return nil, classify("questions by id", err)
	}
	out := make(map[string]domain.Question, len(ids))
	var q domain.Question
	_, err = pgx.ForEachRow(rows, []any{&q.ID, &q.ContestID, &q.Text, &q.Context, &q.Tags, &q.Status, &q.Upvotes,
		&q.Downvotes, &q.CreatedAt, &q.MergedInto, &q.Seq}, func() error {
		out[q.ID] = q
		q.Tags = nil
		return nil
	})
	return out, classify("questions by id", err)
}

// PublishedAnswers counts the published answers of each of the city's questions
// in ids ("answered by X of N" in a list); questions without one are absent.
func (s *Store) PublishedAnswers(ctx context.Context, cityID string, ids []string) (map[string]int, error) {
	rows, err := s.r.Query(ctx, `SELECT question_id, count(*) FROM answers
		WHERE city_id = $1 AND question_id = ANY($2::uuid[]) AND status = 'published' AND NOT hidden GROUP BY question_id`, cityID, ids)
	if err != nil {
		return nil, classify("published answers", err)
	}
	out := map[string]int{}
	var id string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error {
		out[id] = n
		return nil
	})
	return out, classify("published answers", err)
}

// QuestionPage reads one question of a city with its versions and each candidate's
// answer state. Pending, rejected and hidden questions are not public: ErrNotFound.
// A merged question is returned as it is (the handler redirects to MergedInto).
func (s *Store) QuestionPage(ctx context.Context, cityID, questionID string) (domain.QuestionPage, error) {
	var p domain.QuestionPage
	batch := &pgx.Batch{}
	batch.Queue(`SELECT `+questionColumns+` FROM questions q
		WHERE q.city_id = $1 AND q.id = $2 AND q.status IN ('approved', 'merged') AND NOT q.hidden`, cityID, questionID)
	batch.Queue(`SELECT version, text, coalesce(context, ''), coalesce(reason, ''), created_at
		FROM question_versions WHERE city_id = $1 AND question_id = $2 ORDER BY version`, cityID, questionID)
	// Only a published answer is public: any other state shows as "none".
	batch.Queue(`SELECT cd.id, cd.name, coalesce(a.status, 'none'), `+publishedAnswerColumns+`
		FROM questions q JOIN candidates cd ON cd.contest_id = q.contest_id AND cd.city_id = q.city_id
		LEFT JOIN answers a ON a.question_id = q.id AND a.candidate_id = cd.id AND a.status = 'published' AND NOT a.hidden
		LEFT JOIN videos v ON v.id = a.video_id
		WHERE q.city_id = $1 AND q.id = $2 ORDER BY cd.display_order, cd.name`, cityID, questionID)
	batch.Queue(`SELECT id, text, created_at FROM questions
		WHERE city_id = $1 AND merged_into_id = $2 ORDER BY created_at, id LIMIT 100`, cityID, questionID)
	br := s.r.SendBatch(ctx, batch)
	defer br.Close()
	if err := scanQuestion(br.QueryRow(), &p.Question); err != nil {
		return p, classify("question", err)
	}
	rows, err := br.Query()
	if err != nil {
		return p, classify("question versions", err)
	}
	p.Versions, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.QuestionVersion, error) {
		var v domain.QuestionVersion
		return v, row.Scan(&v.Version, &v.Text, &v.Context, &v.Reason, &v.CreatedAt)
	})
	if err != nil {
		return p, classify("question versions", err)
	}
	rows, err = br.Query()
	if err != nil {
		return p, classify("question answers", err)
	}
	p.Candidates, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.CandidateAnswer, error) {
		var c domain.CandidateAnswer
		var a domain.PublishedAnswer
		var answerID, qID, cID *string
		var publishedAt *time.Time
		if err := row.Scan(&c.CandidateID, &c.Name, &c.Status, &answerID, &qID, &cID, &a.MasterURL, &a.PosterURL,
			&a.DurationSeconds, &a.ProvenanceSHA256, &publishedAt); err != nil {
			return c, err
		}
		if c.Status == domain.AnswerPublished && answerID != nil && publishedAt != nil {
			a.AnswerID, a.QuestionID, a.PublishedAt = *answerID, *qID, *publishedAt
			c.Answer = &a
		}
		return c, nil
	})
	if err != nil {
		return p, classify("question answers", err)
	}
	rows, err = br.Query()
	if err != nil {
		return p, classify("question merged from", err)
	}
	p.MergedFrom, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.MergedQuestion, error) {
		var m domain.MergedQuestion
		return m, row.Scan(&m.ID, &m.Text, &m.CreatedAt)
	})
	if err != nil {
		return p, classify("question merged from", err)
	}
	if p.MergedFrom == nil {
		p.MergedFrom = []domain.MergedQuestion{}
	}
	if p.Versions == nil {
		p.Versions = []domain.QuestionVersion{}
	}
	if p.Candidates == nil {
		p.Candidates = []domain.CandidateAnswer{}
	}
	for _, c := range p.Candidates {
		if c.Status == "published" {
			p.Answered++
		}
	}
	return p, classify("question", br.Close())
}

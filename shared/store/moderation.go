package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civicq/civicq/shared/domain"
)

// Moderation of questions: approve, reject, merge, appeal, and the queue. Each
// change is one transaction that locks the question row first (as cast_vote does,
// so votes and moderation of one question are serialized), bumps vote_seq when the
// question's place in the ranked lists changes, and appends its entry to the
// public log. The handler then brings the Redis ranking in step with the returned
// question (seq-guarded, so a late or lost update cannot undo it).

// ConflictError means the request was well formed but the row's current state
// refuses it (409): a question that is no longer pending, a claim already held.
type ConflictError struct {
	Code    string
	Message string
}

func (e *ConflictError) Error() string { return "store: conflict: " + e.Code }

func conflict(code, msg string) error { return &ConflictError{Code: code, Message: msg} }

// AsConflict returns the *ConflictError in err, if there is one.
func AsConflict(err error) (*ConflictError, bool) {
	var c *ConflictError
	ok := errors.As(err, &c)
	return c, ok
}

// ErrNotAuthor means the caller is not the author of the question they act on.
var ErrNotAuthor = errors.New("store: not the question's author")

// ErrTargetNotFound means the second question of a merge does not exist in the city.
var ErrTargetNotFound = errors.New("store: merge target not found")

// Actor is who takes a moderation action: their user id (kept for audits, never
// published) and the role the public log names.
type Actor struct {
	UserID string
	Role   string
}

// logAction appends one entry to the city's public moderation log. Its time is the
// clock's, not the transaction's start, so two entries of one change (a dismissal,
// then the unhiding) keep their order on the log.
func logAction(ctx context.Context, tx pgx.Tx, cityID string, a Actor, action, targetType, targetID, relatedID, code, text string) error {
	_, err := tx.Exec(ctx, `INSERT INTO moderation_actions
			(city_id, actor_id, actor_role, action, target_type, target_id, related_id, reason_code, reason_text, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, clock_timestamp())`,
		cityID, nullable(a.UserID), a.Role, action, targetType, targetID, nullable(relatedID), nullable(code), nullable(text))
	return err
}

// lockedQuestion is a question read under its row lock, with what moderation
// decides on.
type lockedQuestion struct {
	domain.Question
	Hidden   bool
	Appealed bool
	AuthorID string
}

const lockedColumns = questionColumns + `, q.hidden, q.appealed_at IS NOT NULL, q.author_id`

func scanLocked(row pgx.Row, q *lockedQuestion) error {
	return row.Scan(&q.ID, &q.ContestID, &q.Text, &q.Context, &q.Tags, &q.Status, &q.Upvotes, &q.Downvotes,
		&q.CreatedAt, &q.MergedInto, &q.Seq, &q.Hidden, &q.Appealed, &q.AuthorID)
}

// lockQuestion reads a question of the city FOR UPDATE; ErrNotFound when there is none.
func lockQuestion(ctx context.Context, tx pgx.Tx, cityID, questionID string) (lockedQuestion, error) {
	var q lockedQuestion
	err := scanLocked(tx.QueryRow(ctx, `SELECT `+lockedColumns+` FROM questions q
		WHERE q.city_id = $1 AND q.id = $2 FOR UPDATE`, cityID, questionID), &q)
	if errors.Is(err, pgx.ErrNoRows) {
		return q, ErrNotFound
	}
	return q, err
}

// Moderated is a question after a moderation change: its new state (with the seq
// of the change, for the ranking) and whether it is now listed publicly.
type Moderated struct {
	Question domain.Question
	Listed   bool // approved and not hidden: in the ranked lists
}

func moderated(q lockedQuestion) Moderated {
	return Moderated{Question: q.Question, Listed: q.Status == domain.StatusApproved && !q.Hidden}
}

// ApproveQuestion publishes a pending question (new, or back after an appeal) and
// clears any earlier rejection and hiding: a moderator has now reviewed it.
func (s *Store) ApproveQuestion(ctx context.Context, actor Actor, cityID, questionID string) (Moderated, error) {
	var q lockedQuestion
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		var err error
		if q, err = lockQuestion(ctx, tx, cityID, questionID); err != nil {
			return err
		}
		if !domain.CanApprove(q.Status) {
			return conflict("question_not_pending", "This question is "+q.Status+": only pending questions can be approved.")
		}
		if err := scanLocked(tx.QueryRow(ctx, `UPDATE questions q SET status = 'approved', hidden = false,
				rejection_code = NULL, rejection_reason = NULL, vote_seq = q.vote_seq + 1, updated_at = now()
			WHERE q.id = $1 RETURNING `+lockedColumns, questionID), &q); err != nil {
			return err
		}
		return logAction(ctx, tx, cityID, actor, domain.ActionApprove, domain.TargetQuestion, questionID, "", domain.CodeMeetsGuidelines, "")
	})
	return moderated(q), classify("approve question", err)
}

// RejectQuestion rejects a pending or approved question with a reason the author
// is shown; its open reports are upheld (the content is gone from public view).
func (s *Store) RejectQuestion(ctx context.Context, actor Actor, cityID, questionID string, in domain.RejectInput) (Moderated, error) {
	var q lockedQuestion
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		var err error
		if q, err = lockQuestion(ctx, tx, cityID, questionID); err != nil {
			return err
		}
		if !domain.CanReject(q.Status) {
			return conflict("question_not_open", "This question is "+q.Status+": only pending or approved questions can be rejected.")
		}
		if err := rejectLocked(ctx, tx, &q, in.ReasonCode, in.ReasonText); err != nil {
			return err
		}
		if _, err := resolveReports(ctx, tx, cityID, domain.TargetQuestion, questionID, "upheld", actor.UserID); err != nil {
			return err
		}
		return logAction(ctx, tx, cityID, actor, domain.ActionReject, domain.TargetQuestion, questionID, "", in.ReasonCode, in.ReasonText)
	})
	return moderated(q), classify("reject question", err)
}

func rejectLocked(ctx context.Context, tx pgx.Tx, q *lockedQuestion, code, text string) error {
	return scanLocked(tx.QueryRow(ctx, `UPDATE questions q SET status = 'rejected', rejection_code = $2,
			rejection_reason = $3, vote_seq = q.vote_seq + 1, updated_at = now()
		WHERE q.id = $1 RETURNING `+lockedColumns, q.ID, code, nullable(text)), q)
}

// resolveReports closes the open reports of one item as upheld or dismissed and
// returns how many it closed.
func resolveReports(ctx context.Context, tx pgx.Tx, cityID, targetType, targetID, status, resolver string) (int64, error) {
	tag, err := tx.Exec(ctx, `UPDATE reports SET status = $4, resolved_by = $5, resolved_at = now()
		WHERE city_id = $1 AND target_type = $2 AND target_id = $3 AND status = 'open'`,
		cityID, targetType, targetID, status, nullable(resolver))
	return tag.RowsAffected(), err
}

// MergeResult is what a merge did.
type MergeResult struct {
	Source Moderated // now merged: no votes, off the lists
	Target Moderated // with the moved votes
	// Moved votes went to the target; Dropped ones were of voters who had already
	// voted on the target (their vote there stands, so no one is counted twice).
	Moved, Dropped int
}

// MergeQuestion merges a duplicate (source) into another question of the same
// contest (target). In one transaction, with both rows locked (in id order, so two
// merges cannot deadlock; a vote locks one row only): each vote on the source moves
// to the target unless its voter already voted there, then the source's votes are
// gone; the target's counters are recomputed from its vote rows; the source becomes
// 'merged' pointing at the target (and so do questions merged into it before). Its
// text stays in its versions. A vote that was waiting on the source's row finds it
// merged and is refused; one waiting on the target's row applies after the merge.
func (s *Store) MergeQuestion(ctx context.Context, actor Actor, cityID, sourceID, targetID, note string) (MergeResult, error) {
	var res MergeResult
	var src, dst lockedQuestion
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		locked, err := collectLocked(ctx, tx, cityID, sourceID, targetID)
		if err != nil {
			return err
		}
		var ok1, ok2 bool
		if src, ok1 = locked[sourceID]; !ok1 {
			return ErrNotFound
		}
		if dst, ok2 = locked[targetID]; !ok2 {
			return ErrTargetNotFound
		}
		if p := domain.MergeProblem(src.Question, dst.Question); p != "" {
			return conflict("cannot_merge", p)
		}
		if err := tx.QueryRow(ctx, `WITH gone AS (
				DELETE FROM votes v WHERE v.question_id = $2 RETURNING v.user_id, v.value, v.created_at
			), moved AS (
				INSERT INTO votes (city_id, question_id, user_id, value, created_at)
				SELECT $1, $3, g.user_id, g.value, g.created_at FROM gone g
				ON CONFLICT (question_id, user_id) DO NOTHING
				RETURNING 1
			)
			SELECT (SELECT count(*) FROM moved)::int, (SELECT count(*) FROM gone)::int`,
			cityID, sourceID, targetID).Scan(&res.Moved, &res.Dropped); err != nil {
			return err
		}
		res.Dropped -= res.Moved
		if err := scanLocked(tx.QueryRow(ctx, `UPDATE questions q SET upvotes = c.up, downvotes = c.down,
				rank = civicq_wilson(c.up, c.down), vote_seq = q.vote_seq + 1, updated_at = now()
			FROM (SELECT count(*) FILTER (WHERE value = 1)::int AS up, count(*) FILTER (WHERE value = -1)::int AS down
			      FROM votes WHERE question_id = $1) c
			WHERE q.id = $1 RETURNING `+lockedColumns, targetID), &dst); err != nil {
			return err
		}
		if err := scanLocked(tx.QueryRow(ctx, `UPDATE questions q SET status = 'merged', merged_into_id = $2,
				upvotes = 0, downvotes = 0, rank = 0, vote_seq = q.vote_seq + 1, updated_at = now()
			WHERE q.id = $1 RETURNING `+lockedColumns, sourceID, targetID), &src); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE questions SET merged_into_id = $3, updated_at = now()
			WHERE city_id = $1 AND merged_into_id = $2`, cityID, sourceID, targetID); err != nil {
			return err
		}
		return logAction(ctx, tx, cityID, actor, domain.ActionMerge, domain.TargetQuestion, sourceID, targetID, domain.CodeDuplicate, note)
	})
	res.Source, res.Target = moderated(src), moderated(dst)
	return res, classify("merge question", err)
}

func collectLocked(ctx context.Context, tx pgx.Tx, cityID string, ids ...string) (map[string]lockedQuestion, error) {
	rows, err := tx.Query(ctx, `SELECT `+lockedColumns+` FROM questions q
		WHERE q.city_id = $1 AND q.id = ANY($2::uuid[]) ORDER BY q.id FOR UPDATE`, cityID, ids)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (lockedQuestion, error) {
		var q lockedQuestion
		return q, scanLocked(row, &q)
	})
	out := make(map[string]lockedQuestion, len(list))
	for _, q := range list {
		out[q.ID] = q
	}
	return out, err
}

// Appeal puts the author's rejected question back in the moderation queue, once.
// ErrNotAuthor when the caller did not write it; *DuplicateError when the same
// question is live again in the contest meanwhile.
func (s *Store) Appeal(ctx context.Context, author domain.Identity, cityID, questionID string) (Moderated, error) {
	var q lockedQuestion
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		var err error
		if q, err = lockQuestion(ctx, tx, cityID, questionID); err != nil {
			return err
		}
		var subject string
		if err := tx.QueryRow(ctx, `SELECT subject FROM users WHERE id = $1`, q.AuthorID).Scan(&subject); err != nil {
			return err
		}
		if subject != author.Subject {
			return ErrNotAuthor
		}
		if p := domain.AppealProblem(q.Status, q.Appealed); p != "" {
			return conflict("cannot_appeal", p)
		}
		if err := scanLocked(tx.QueryRow(ctx, `UPDATE questions q SET status = 'pending', appealed_at = now(),
				vote_seq = q.vote_seq + 1, updated_at = now()
			WHERE q.id = $1 RETURNING `+lockedColumns, questionID), &q); err != nil {
			return err
		}
		return logAction(ctx, tx, cityID, Actor{UserID: q.AuthorID, Role: domain.RoleAuthor},
			domain.ActionAppeal, domain.TargetQuestion, questionID, "", "", "")
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "questions_contest_id_normalized_text_key" {
		var existing string
		if e := s.w.QueryRow(ctx, `SELECT o.id FROM questions q JOIN questions o
				ON o.contest_id = q.contest_id AND o.normalized_text = q.normalized_text AND o.id <> q.id
			WHERE q.id = $1 AND o.status IN ('pending', 'approved')`, questionID).Scan(&existing); e != nil {
			return moderated(q), classify("appeal: find duplicate", e)
		}
		return moderated(q), &DuplicateError{ExistingID: existing}
	}
	return moderated(q), classify("appeal", err)
}

// Keyset is a position in a list ordered by (time, id); the zero value is the start.
type Keyset struct {
	Time time.Time
	ID   string
}

func (k Keyset) args() (any, any) {
	if k.ID == "" {
		return nil, nil
	}
	return k.Time, k.ID
}

// ModerationQueue lists what waits for a city's moderators, oldest first: pending
// questions (new, or since their appeal) and content with open reports (since the
// first one), one item per question or answer, after the cursor.
func (s *Store) ModerationQueue(ctx context.Context, cityID string, after Keyset, limit int) ([]domain.QueueItem, error) {
	at, aid := after.args()
	rows, err := s.w.Query(ctx, `WITH waiting AS (
			SELECT 'question'::text AS target_type, q.id AS target_id, coalesce(q.appealed_at, q.created_at) AS since
			FROM questions q WHERE q.city_id = $1 AND q.status = 'pending'
			UNION ALL
			SELECT r.target_type, r.target_id, min(r.created_at)
			FROM reports r WHERE r.city_id = $1 AND r.status = 'open' GROUP BY r.target_type, r.target_id
		), items AS (
			SELECT target_type, target_id, min(since) AS since FROM waiting GROUP BY target_type, target_id
		)
		SELECT i.target_type, i.target_id, i.since, coalesce(q.contest_id, aq.contest_id), coalesce(q.text, ''),
			coalesce(q.status, a.status), coalesce(q.hidden, a.hidden), q.appealed_at,
			coalesce(q.rejection_code, ''), coalesce(q.rejection_reason, ''),
			coalesce(a.question_id::text, ''), coalesce(a.candidate_id::text, ''),
			coalesce(rp.n, 0), coalesce(rp.reasons, '{}')
		FROM items i
		LEFT JOIN questions q ON i.target_type = 'question' AND q.id = i.target_id AND q.city_id = $1
		LEFT JOIN answers a ON i.target_type = 'answer' AND a.id = i.target_id AND a.city_id = $1
		LEFT JOIN questions aq ON aq.id = a.question_id
		LEFT JOIN LATERAL (
			SELECT count(*)::int AS n, array_agg(DISTINCT r.reason ORDER BY r.reason) AS reasons FROM reports r
			WHERE r.city_id = $1 AND r.target_type = i.target_type AND r.target_id = i.target_id AND r.status = 'open'
		) rp ON true
		WHERE ((q.id IS NOT NULL AND q.status IN ('pending', 'approved')) OR a.id IS NOT NULL)
		  AND ($2::timestamptz IS NULL OR (i.since, i.target_id) > ($2::timestamptz, $3::uuid))
		ORDER BY i.since, i.target_id
		LIMIT $4`, cityID, at, aid, limit)
	if err != nil {
		return nil, classify("moderation queue", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.QueueItem, error) {
		var it domain.QueueItem
		err := row.Scan(&it.TargetType, &it.TargetID, &it.Since, &it.ContestID, &it.Text, &it.Status, &it.Hidden,
			&it.AppealedAt, &it.RejectionCode, &it.RejectionReason, &it.QuestionID, &it.CandidateID,
			&it.OpenReports, &it.ReportReasons)
		return it, err
	})
	if out == nil {
		out = []domain.QueueItem{}
	}
	return out, classify("moderation queue", err)
}

// ModerationLog reads a city's public log, newest first, before the cursor.
func (s *Store) ModerationLog(ctx context.Context, cityID string, before Keyset, limit int) ([]domain.LogEntry, error) {
	bt, bid := before.args()
	rows, err := s.r.Query(ctx, `SELECT id, actor_role, action, target_type, target_id, coalesce(related_id::text, ''),
			coalesce(reason_code, ''), coalesce(reason_text, ''), created_at
		FROM moderation_actions
		WHERE city_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
		ORDER BY created_at DESC, id DESC
		LIMIT $4`, cityID, bt, bid, limit)
	if err != nil {
		return nil, classify("moderation log", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.LogEntry, error) {
		var e domain.LogEntry
		return e, row.Scan(&e.ID, &e.ActorRole, &e.Action, &e.TargetType, &e.TargetID, &e.RelatedID,
			&e.ReasonCode, &e.ReasonText, &e.CreatedAt)
	})
	if out == nil {
		out = []domain.LogEntry{}
	}
	return out, classify("moderation log", err)
}

package store

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/civicq/civicq/shared/domain"
)

// ErrNotCandidateOfRecord means the caller is not the verified holder of the
// candidate record they act for (unclaimed, claimed by someone else, or the
// claim not approved).
var ErrNotCandidateOfRecord = errors.New("store: caller is not the candidate of record")

// ErrOtherContest means the question belongs to another contest than the
// candidate's: candidates answer their own contest's questions only.
var ErrOtherContest = errors.New("store: question of another contest")

// ErrNotAnswerable means the question exists but is not open to answers (not
// approved, hidden, or merged into another).
var ErrNotAnswerable = errors.New("store: question is not open to answers")

// ErrAnswerPublished means the answer is published: answers are on the record,
// there is no re-record.
var ErrAnswerPublished = errors.New("store: answer already published")

// CandidateOfRecord checks that subject (the caller's token subject) holds the
// verified claim of the city's candidate and returns the candidate's contest.
// ErrNotFound: no such candidate in the city; ErrNotCandidateOfRecord: not theirs.
func (s *Store) CandidateOfRecord(ctx context.Context, cityID, candidateID, subject string) (string, error) {
	var contestID string
	var ofRecord bool
	err := s.w.QueryRow(ctx, `SELECT cd.contest_id, coalesce(cd.verification = 'verified' AND u.subject = $3, false)
		FROM candidates cd LEFT JOIN users u ON u.id = cd.claimed_by_user_id
		WHERE cd.city_id = $1 AND cd.id = $2`, cityID, candidateID, subject).Scan(&contestID, &ofRecord)
	if err != nil {
		return "", classify("candidate of record", err)
	}
	if !ofRecord {
		return contestID, ErrNotCandidateOfRecord
	}
	return contestID, nil
}

// AnswerUploadRequest is a candidate's request to upload an answer.
type AnswerUploadRequest struct {
	CityID      string
	CandidateID string
	ContestID   string // the candidate's, from CandidateOfRecord
	QuestionID  string
	// Key makes the object key of the new upload from the answer's id.
	Key func(answerID string) string
}

// AnswerUploadGrant is the answer row an upload was granted for.
type AnswerUploadGrant struct {
	AnswerID string
	Key      string
	Created  bool // the answer row is new
}

// PrepareAnswerUpload creates the candidate's answer to the question (or reuses
// it) and makes a fresh upload key its current one, in one transaction that
// locks the answer row: of two racing requests the later key wins, and a key
// replaced here can never publish. A published answer is refused
// (ErrAnswerPublished); so is a question of another contest (ErrOtherContest) or
// one that is not approved and visible (ErrNotAnswerable); ErrNotFound when the
// question is not the city's.
func (s *Store) PrepareAnswerUpload(ctx context.Context, in AnswerUploadRequest) (AnswerUploadGrant, error) {
	var g AnswerUploadGrant
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		var contestID, status string
		var hidden bool
		if err := tx.QueryRow(ctx, `SELECT contest_id, status, hidden FROM questions WHERE city_id = $1 AND id = $2`,
			in.CityID, in.QuestionID).Scan(&contestID, &status, &hidden); err != nil {
			return err
		}
		switch {
		case contestID != in.ContestID:
			return ErrOtherContest
		case status != domain.StatusApproved || hidden:
			return ErrNotAnswerable
		}
		newID := uuid.NewString()
		var answerStatus string
		if err := tx.QueryRow(ctx, `INSERT INTO answers (id, city_id, question_id, candidate_id, status)
			VALUES ($1, $2, $3, $4, 'draft')
			ON CONFLICT (candidate_id, question_id) DO UPDATE SET updated_at = answers.updated_at
			RETURNING id, status`, newID, in.CityID, in.QuestionID, in.CandidateID).Scan(&g.AnswerID, &answerStatus); err != nil {
			return err
		}
		g.Created = g.AnswerID == newID
		// The upsert above already holds the row lock until commit.
		if answerStatus == domain.AnswerPublished {
			return ErrAnswerPublished
		}
		g.Key = in.Key(g.AnswerID)
		_, err := tx.Exec(ctx, `UPDATE answers SET status = 'uploading', upload_key = $2, upload_requested_at = now(),
			failure_code = NULL, failure_reason = NULL, updated_at = now() WHERE id = $1`, g.AnswerID, g.Key)
		return err
	})
	if errors.Is(err, ErrOtherContest) || errors.Is(err, ErrNotAnswerable) || errors.Is(err, ErrAnswerPublished) {
		return g, err
	}
	return g, classify("prepare answer upload", err)
}

// AnswerProgress reads the candidate's answer to a question with the progress of
// its current upload. An answer never asked for is status "none".
func (s *Store) AnswerProgress(ctx context.Context, cityID, candidateID, questionID string) (domain.AnswerProgress, error) {
	p := domain.AnswerProgress{CandidateID: candidateID, QuestionID: questionID, Status: "none", CanUpload: true}
	var answerID, failureCode, failure, videoStatus *string
	var percent *int16
	var masterKey, posterKey, sha *string
	var duration *float64
	var publishedAt, updated *time.Time
	var questionOK bool
	err := s.r.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM questions WHERE city_id = $1 AND id = $3),
			coalesce((SELECT answer_min_seconds FROM cities WHERE id = $1), 0), coalesce((SELECT answer_max_seconds FROM cities WHERE id = $1), 0),
			a.id, coalesce(a.status, 'none'), a.failure_code, a.failure_reason, a.published_at, a.updated_at,
			v.status, v.progress_percent, v.master_key, v.poster_key, v.duration_seconds::float8, v.provenance_sha256
		FROM (SELECT 1) one
		LEFT JOIN answers a ON a.city_id = $1 AND a.candidate_id = $2 AND a.question_id = $3
		LEFT JOIN LATERAL (
			SELECT status, progress_percent, master_key, poster_key, duration_seconds, provenance_sha256 FROM videos
			WHERE answer_id = a.id AND (id = a.video_id OR (a.video_id IS NULL AND source_key = a.upload_key))
			ORDER BY created_at DESC LIMIT 1) v ON true`,
		cityID, candidateID, questionID).Scan(&questionOK, &p.MinSeconds, &p.MaxSeconds, &answerID, &p.Status, &failureCode, &failure, &publishedAt, &updated,
		&videoStatus, &percent, &masterKey, &posterKey, &duration, &sha)
	if err != nil {
		return p, classify("answer progress", err)
	}
	if !questionOK {
		return p, ErrNotFound
	}
	if answerID == nil {
		p.Status = "none"
		return p, nil
	}
	p.AnswerID = *answerID
	p.FailureCode, p.Failure = deref(failureCode), deref(failure)
	if updated != nil {
		p.UpdatedAt = *updated
	}
	if percent != nil {
		p.Percent = int(*percent)
	}
	p.CanUpload = p.Status != domain.AnswerPublished
	if p.Status == domain.AnswerPublished && masterKey != nil {
		p.Playback = &domain.Playback{MasterURL: *masterKey, PosterURL: deref(posterKey), ProvenanceSHA256: deref(sha)}
		if duration != nil {
			p.Playback.DurationSeconds = *duration
		}
		if publishedAt != nil {
			p.Playback.PublishedAt = *publishedAt
		}
		if videoStatus != nil && *videoStatus == domain.VideoReady {
			p.Percent = 100
		}
	}
	return p, nil
}

// maxListedAnswers bounds CandidateAnswers: a contest never has more questions
// answered by one candidate than this in practice; the list is newest first.
const maxListedAnswers = 500

// CandidateAnswerStates lists the candidate's answers (any state), newest change
// first, with the progress of each one's current upload.
func (s *Store) CandidateAnswerStates(ctx context.Context, cityID, candidateID string) ([]domain.AnswerState, error) {
	rows, err := s.r.Query(ctx, `SELECT a.question_id::text, a.id::text, a.status, a.failure_code, a.failure_reason,
			a.published_at, a.updated_at, v.status, v.progress_percent
		FROM answers a
		LEFT JOIN LATERAL (
			SELECT status, progress_percent FROM videos
			WHERE answer_id = a.id AND (id = a.video_id OR (a.video_id IS NULL AND source_key = a.upload_key))
			ORDER BY created_at DESC LIMIT 1) v ON true
		WHERE a.city_id = $1 AND a.candidate_id = $2
		ORDER BY a.updated_at DESC, a.id LIMIT $3`, cityID, candidateID, maxListedAnswers)
	if err != nil {
		return nil, classify("candidate answers", err)
	}
	out := []domain.AnswerState{}
	for rows.Next() {
		var a domain.AnswerState
		var failureCode, failure, videoStatus *string
		var percent *int16
		if err := rows.Scan(&a.QuestionID, &a.AnswerID, &a.Status, &failureCode, &failure, &a.PublishedAt, &a.UpdatedAt,
			&videoStatus, &percent); err != nil {
			rows.Close()
			return nil, classify("candidate answers", err)
		}
		a.FailureCode, a.Failure = deref(failureCode), deref(failure)
		if percent != nil {
			a.Percent = int(*percent)
		}
		if a.Status == domain.AnswerPublished && videoStatus != nil && *videoStatus == domain.VideoReady {
			a.Percent = 100
		}
		out = append(out, a)
	}
	return out, classify("candidate answers", rows.Err())
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// publishedAnswerColumns read a published answer with its video; the playback
// URLs hold media keys (the api package turns them into URLs).
const publishedAnswerColumns = `a.id, a.question_id, a.candidate_id, coalesce(v.master_key, ''), coalesce(v.poster_key, ''),
	coalesce(v.duration_seconds::float8, 0), coalesce(v.provenance_sha256, ''), a.published_at`

func scanPublished(row pgx.CollectableRow) (domain.PublishedAnswer, error) {
	var a domain.PublishedAnswer
	err := row.Scan(&a.AnswerID, &a.QuestionID, &a.CandidateID, &a.MasterURL, &a.PosterURL, &a.DurationSeconds,
		&a.ProvenanceSHA256, &a.PublishedAt)
	return a, err
}

// CandidateAnswers reads a candidate's published answers, newest first, with the
// question each answers; playback URLs hold media keys.
func (s *Store) CandidateAnswers(ctx context.Context, cityID, candidateID string) ([]domain.PublishedAnswer, error) {
	rows, err := s.r.Query(ctx, `SELECT `+publishedAnswerColumns+`, q.text
		FROM answers a JOIN videos v ON v.id = a.video_id JOIN questions q ON q.id = a.question_id
		WHERE a.city_id = $1 AND a.candidate_id = $2 AND a.status = 'published' AND NOT a.hidden
		ORDER BY a.published_at DESC, a.id`, cityID, candidateID)
	if err != nil {
		return nil, classify("candidate answers", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.PublishedAnswer, error) {
		var a domain.PublishedAnswer
		err := row.Scan(&a.AnswerID, &a.QuestionID, &a.CandidateID, &a.MasterURL, &a.PosterURL, &a.DurationSeconds,
			&a.ProvenanceSHA256, &a.PublishedAt, &a.QuestionText)
		return a, err
	})
	if out == nil {
		out = []domain.PublishedAnswer{}
	}
	return out, classify("candidate answers", err)
}

package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civicq/civicq/shared/domain"
)

// The transcoder's bookkeeping. A video row is one uploaded object, keyed by
// (bucket, key, ETag): the idempotency key of the S3 notification. Claiming it
// is the only way to work on it, and every later write names the attempt that
// claimed it, so a run that lost its lease (it was presumed crashed and another
// delivery took over) can no longer change anything.

// Upload is an uploaded object as the S3 notification names it.
type Upload struct {
	Bucket string
	Key    string
	ETag   string
	Size   int64
	// CityID and AnswerID come from the key (objects.ParseUploadKey).
	CityID   string
	AnswerID string
}

// ClaimOutcome says what a delivery should do with an upload.
type ClaimOutcome int

const (
	// ClaimWork: this delivery holds the lease and does the work (a first
	// delivery, or a redelivery taking over from a run whose lease expired).
	ClaimWork ClaimOutcome = iota
	// ClaimBusy: another run holds a live lease on this upload.
	ClaimBusy
	// ClaimDone: the upload was processed already (ready or failed): nothing to do.
	ClaimDone
	// ClaimStale: the upload is no longer the answer's current one (a newer
	// upload was asked for, or the answer was published from another upload);
	// the video is marked failed and nothing else happens.
	ClaimStale
	// ClaimNoAnswer: no such answer: the key is not one of ours.
	ClaimNoAnswer
)

// Claim is a delivery's hold on an upload.
type Claim struct {
	Outcome  ClaimOutcome
	VideoID  string
	Attempt  int
	CitySlug string
	// Published: the answer is already published with this video (an earlier
	// attempt got that far before it died).
	Published bool
	// The city's answer length limits.
	MinSeconds, MaxSeconds int
}

// ClaimUpload claims an upload for processing with a lease of the given length,
// in one transaction that locks the answer row (claims of one answer are
// serialized). See ClaimOutcome for the cases.
func (s *Store) ClaimUpload(ctx context.Context, u Upload, lease time.Duration) (Claim, error) {
	var c Claim
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		var status string
		var uploadKey, videoID *string
		err := tx.QueryRow(ctx, `SELECT a.status, a.upload_key, a.video_id::text, c.slug, c.answer_min_seconds, c.answer_max_seconds
			FROM answers a JOIN cities c ON c.id = a.city_id
			WHERE a.city_id = $1 AND a.id = $2 FOR UPDATE OF a`, u.CityID, u.AnswerID).Scan(
			&status, &uploadKey, &videoID, &c.CitySlug, &c.MinSeconds, &c.MaxSeconds)
		if errors.Is(err, pgx.ErrNoRows) {
			c.Outcome = ClaimNoAnswer
			return nil
		}
		if err != nil {
			return err
		}
		leaseMs := lease.Milliseconds()
		err = tx.QueryRow(ctx, `INSERT INTO videos (city_id, answer_id, status, source_bucket, source_key, source_etag,
				size_bytes, attempt, lease_until)
			VALUES ($1, $2, 'processing', $3, $4, $5, $6, 1, now() + make_interval(secs => $7::float8 / 1000))
			ON CONFLICT (source_bucket, source_key, source_etag) DO NOTHING
			RETURNING id, attempt`, u.CityID, u.AnswerID, u.Bucket, u.Key, u.ETag, u.Size, leaseMs).Scan(&c.VideoID, &c.Attempt)
		if errors.Is(err, pgx.ErrNoRows) {
			// Seen before: take it over if its lease ran out, else report its state.
			err = tx.QueryRow(ctx, `UPDATE videos SET attempt = attempt + 1, progress_percent = 0, updated_at = now(),
					lease_until = now() + make_interval(secs => $4::float8 / 1000)
				WHERE source_bucket = $1 AND source_key = $2 AND source_etag = $3
				  AND status = 'processing' AND lease_until < now()
				RETURNING id, attempt`, u.Bucket, u.Key, u.ETag, leaseMs).Scan(&c.VideoID, &c.Attempt)
			if errors.Is(err, pgx.ErrNoRows) {
				var vs string
				if err := tx.QueryRow(ctx, `SELECT id, status, attempt FROM videos
					WHERE source_bucket = $1 AND source_key = $2 AND source_etag = $3`, u.Bucket, u.Key, u.ETag).Scan(
					&c.VideoID, &vs, &c.Attempt); err != nil {
					return err
				}
				c.Outcome = ClaimDone
				if vs == domain.VideoProcessing {
					c.Outcome = ClaimBusy
				}
				return nil
			}
		}
		if err != nil {
			return err
		}
		c.Published = status == domain.AnswerPublished && videoID != nil && *videoID == c.VideoID
		current := uploadKey != nil && *uploadKey == u.Key
		if !c.Published && (status == domain.AnswerPublished || !current) {
			c.Outcome = ClaimStale
			_, err := tx.Exec(ctx, `UPDATE videos SET status = 'failed', failure_code = 'superseded', lease_until = NULL,
				failure_reason = 'A newer upload replaced this one, or the answer was already published.', updated_at = now()
				WHERE id = $1`, c.VideoID)
			return err
		}
		c.Outcome = ClaimWork
		if !c.Published {
			_, err = tx.Exec(ctx, `UPDATE answers SET status = 'processing', failure_code = NULL, failure_reason = NULL,
				updated_at = now() WHERE id = $1`, u.AnswerID)
		}
		return err
	})
	return c, classify("claim upload", err)
}

// ErrLostLease means the attempt no longer holds the video: another delivery took
// it over (or it was finished). The run must stop without writing anything.
var ErrLostLease = errors.New("store: the transcoding attempt lost its lease")

// VideoProgress records a transcoding percentage (only ever upwards).
func (s *Store) VideoProgress(ctx context.Context, videoID string, attempt, percent int) error {
	_, err := s.w.Exec(ctx, `UPDATE videos SET progress_percent = $3, updated_at = now()
		WHERE id = $1 AND attempt = $2 AND status = 'processing' AND progress_percent < $3`, videoID, attempt, percent)
	return classify("video progress", err)
}

// VideoSource is what the transcoder learned of the original upload.
type VideoSource struct {
	ContentType string
	Size        int64
	SHA256      string
	Duration    time.Duration
	Width       int
	Height      int
}

// RecordSource stores the original's provenance hash and probe.
func (s *Store) RecordSource(ctx context.Context, videoID string, attempt int, src VideoSource) error {
	tag, err := s.w.Exec(ctx, `UPDATE videos SET content_type = $3, size_bytes = $4, provenance_sha256 = $5,
			duration_seconds = $6, width = $7, height = $8, updated_at = now()
		WHERE id = $1 AND attempt = $2 AND status = 'processing'`,
		videoID, attempt, src.ContentType, src.Size, src.SHA256, src.Duration.Seconds(), src.Width, src.Height)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrLostLease
	}
	return classify("record source", err)
}

// Publication is a ladder (or its first rungs) uploaded to the media bucket.
type Publication struct {
	VideoID   string
	Attempt   int
	AnswerID  string
	UploadKey string
	MasterKey string
	PosterKey string
	Variants  any // the renditions listed in the master playlist (stored as JSON)
	Percent   int
	// Final marks the video ready: every rung is uploaded.
	Final bool
}

// PublishOutcome says what Publish did.
type PublishOutcome struct {
	// FirstPublish: this call published the answer (it happens once per answer).
	FirstPublish bool
	// Stale: the answer is no longer this upload's to publish (a newer upload was
	// asked for, or another upload published it); the video is marked failed.
	Stale bool
}

// Publish records uploaded renditions and publishes the answer with this video
// if nothing is published yet and the upload is still the answer's current one:
// one conditional UPDATE, so an answer is published once, whatever races.
// ErrLostLease when the attempt no longer holds the video.
func (s *Store) Publish(ctx context.Context, p Publication) (PublishOutcome, error) {
	var out PublishOutcome
	variants, err := json.Marshal(p.Variants)
	if err != nil {
		return out, err
	}
	err = pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		// The answer row first, as ClaimUpload locks it: one lock order, no deadlock.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM answers WHERE id = $1 FOR UPDATE`, p.AnswerID); err != nil {
			return err
		}
		status := domain.VideoProcessing
		if p.Final {
			status = domain.VideoReady
		}
		tag, err := tx.Exec(ctx, `UPDATE videos SET master_key = $3, poster_key = $4, variants = $5::text::jsonb, progress_percent = $6,
				status = $7, ready_at = CASE WHEN $7 = 'ready' THEN now() END,
				lease_until = CASE WHEN $7 = 'ready' THEN NULL ELSE lease_until END, updated_at = now()
			WHERE id = $1 AND attempt = $2 AND status = 'processing'`,
			p.VideoID, p.Attempt, p.MasterKey, p.PosterKey, string(variants), p.Percent, status)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrLostLease
		}
		tag, err = tx.Exec(ctx, `UPDATE answers SET status = 'published', published_at = now(), video_id = $2,
				failure_code = NULL, failure_reason = NULL, updated_at = now()
			WHERE id = $1 AND status <> 'published' AND upload_key = $3`, p.AnswerID, p.VideoID, p.UploadKey)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			out.FirstPublish = true
			return nil
		}
		var mine bool
		if err := tx.QueryRow(ctx, `SELECT coalesce(video_id = $2, false) FROM answers WHERE id = $1`,
			p.AnswerID, p.VideoID).Scan(&mine); err != nil {
			return err
		}
		if mine { // published earlier by this video: this call adds rungs
			return nil
		}
		out.Stale = true
		_, err = tx.Exec(ctx, `UPDATE videos SET status = 'failed', failure_code = 'superseded', lease_until = NULL,
			failure_reason = 'A newer upload replaced this one, or the answer was already published.', updated_at = now()
			WHERE id = $1`, p.VideoID)
		return err
	})
	if errors.Is(err, ErrLostLease) {
		return out, err
	}
	return out, classify("publish", err)
}

// Failure ends a video that cannot become an answer: the video is failed with
// the reason, and so is the answer, if this upload is still its current one and
// nothing is published (the candidate may then upload again). A video that has
// already published its answer keeps it (the answer is on the record): it ends
// ready with the renditions it uploaded, the reason kept for the logs.
func (s *Store) Failure(ctx context.Context, u Upload, videoID string, attempt int, code, reason string) error {
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM answers WHERE id = $1 FOR UPDATE`, u.AnswerID); err != nil {
			return err
		}
		var status string
		err := tx.QueryRow(ctx, `UPDATE videos SET failure_code = $3, failure_reason = $4, lease_until = NULL, updated_at = now(),
				status = CASE WHEN EXISTS (SELECT 1 FROM answers WHERE video_id = $1) THEN 'ready' ELSE 'failed' END,
				ready_at = CASE WHEN EXISTS (SELECT 1 FROM answers WHERE video_id = $1) THEN now() END
			WHERE id = $1 AND attempt = $2 AND status = 'processing'
			RETURNING status`, videoID, attempt, code, reason).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && status == domain.VideoReady) {
			return nil // lost the lease, or published already: the answer stays as it is
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE answers SET status = 'failed', failure_code = $3, failure_reason = $4, updated_at = now()
			WHERE id = $1 AND status <> 'published' AND upload_key = $2`, u.AnswerID, u.Key, code, reason)
		return err
	})
	return classify("video failure", err)
}

// Release gives up an attempt's lease (after a transient error) so that the
// next delivery takes the work over at once instead of waiting for it to expire.
func (s *Store) Release(ctx context.Context, videoID string, attempt int) error {
	_, err := s.w.Exec(ctx, `UPDATE videos SET lease_until = now() - interval '1 millisecond', updated_at = now()
		WHERE id = $1 AND attempt = $2 AND status = 'processing'`, videoID, attempt)
	return classify("release video", err)
}

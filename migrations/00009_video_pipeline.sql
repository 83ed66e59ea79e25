-- The video pipeline's bookkeeping: which upload an answer currently waits for,
-- which video it was published with, and the transcoder's lease on a video.
--
-- An answer is published at most once: the transcoder sets status 'published'
-- and video_id in one conditional UPDATE (only while nothing is published and
-- only for the answer's current upload_key), so two uploads, or two deliveries
-- of one upload, can never both publish.

-- +goose Up
ALTER TABLE answers
    -- The object key of the latest presigned upload; a newer request replaces it,
    -- and only the video of this key may publish the answer.
    ADD COLUMN upload_key          text,
    ADD COLUMN upload_requested_at timestamptz,
    -- The video the answer was published with (set once, with published_at).
    ADD COLUMN video_id            uuid,
    -- A machine-readable failure code beside failure_reason ("too_long", ...).
    ADD COLUMN failure_code        text,
    ADD CONSTRAINT answers_upload_key_check CHECK (
        upload_key IS NULL OR char_length(upload_key) BETWEEN 1 AND 1024),
    ADD CONSTRAINT answers_failure_code_check CHECK (
        failure_code IS NULL OR failure_code ~ '^[a-z_]{1,40}$'),
    ADD CONSTRAINT answers_video_published_check CHECK (status <> 'published' OR video_id IS NOT NULL),
    ADD CONSTRAINT answers_video_fkey FOREIGN KEY (video_id) REFERENCES videos (id);

CREATE INDEX answers_video_id_idx ON answers (video_id) WHERE video_id IS NOT NULL;
-- Published answers of a candidate, for their profile.
CREATE INDEX answers_candidate_published_idx ON answers (candidate_id, published_at)
    WHERE status = 'published';

ALTER TABLE videos
    -- Each delivery that (re)starts the work bumps attempt; renditions of attempt n
    -- live under their own prefix, so a run that lost its lease can never
    -- overwrite what another attempt published.
    ADD COLUMN attempt      integer NOT NULL DEFAULT 0,
    -- While status = 'processing', the run holding the lease is working on it; a
    -- redelivery after lease_until takes the work over (the first run crashed).
    ADD COLUMN lease_until  timestamptz,
    ADD COLUMN master_key   text,
    ADD COLUMN content_type text,
    ADD COLUMN size_bytes   bigint,
    ADD COLUMN failure_code text,
    ADD COLUMN ready_at     timestamptz,
    ADD CONSTRAINT videos_attempt_check CHECK (attempt >= 0),
    ADD CONSTRAINT videos_master_key_check CHECK (master_key IS NULL OR char_length(master_key) <= 1024),
    ADD CONSTRAINT videos_content_type_check CHECK (content_type IS NULL OR char_length(content_type) <= 255),
    ADD CONSTRAINT videos_size_bytes_check CHECK (size_bytes IS NULL OR size_bytes >= 0),
    ADD CONSTRAINT videos_failure_code_check CHECK (
        failure_code IS NULL OR failure_code ~ '^[a-z_]{1,40}$'),
    ADD CONSTRAINT videos_processing_lease_check CHECK (status <> 'processing' OR lease_until IS NOT NULL);

-- +goose Down
ALTER TABLE videos
    DROP CONSTRAINT IF EXISTS videos_processing_lease_check,
    DROP CONSTRAINT IF EXISTS videos_failure_code_check,
    DROP CONSTRAINT IF EXISTS videos_size_bytes_check,
    DROP CONSTRAINT IF EXISTS videos_content_type_check,
    DROP CONSTRAINT IF EXISTS videos_master_key_check,
    DROP CONSTRAINT IF EXISTS videos_attempt_check,
    DROP COLUMN IF EXISTS ready_at,
    DROP COLUMN IF EXISTS failure_code,
    DROP COLUMN IF EXISTS size_bytes,
    DROP COLUMN IF EXISTS content_type,
    DROP COLUMN IF EXISTS master_key,
    DROP COLUMN IF EXISTS lease_until,
    DROP COLUMN IF EXISTS attempt;
DROP INDEX IF EXISTS answers_candidate_published_idx;
DROP INDEX IF EXISTS answers_video_id_idx;
ALTER TABLE answers
    DROP CONSTRAINT IF EXISTS answers_video_fkey,
    DROP CONSTRAINT IF EXISTS answers_video_published_check,
    DROP CONSTRAINT IF EXISTS answers_failure_code_check,
    DROP CONSTRAINT IF EXISTS answers_upload_key_check,
    DROP COLUMN IF EXISTS failure_code,
    DROP COLUMN IF EXISTS video_id,
    DROP COLUMN IF EXISTS upload_requested_at,
    DROP COLUMN IF EXISTS upload_key;

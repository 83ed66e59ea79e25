-- Candidates' video answers and the videos (uploads and their HLS renditions).

-- +goose Up
CREATE TABLE answers (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    city_id        uuid NOT NULL,
    -- Both FKs RESTRICT: answers are on the record; no cascade ever deletes one.
    question_id    uuid NOT NULL,
    candidate_id   uuid NOT NULL,
    status         text NOT NULL DEFAULT 'draft',
    failure_reason text,
    sources        text[] NOT NULL DEFAULT '{}',
    published_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT answers_city_id_id_key UNIQUE (city_id, id),
    CONSTRAINT answers_candidate_id_question_id_key UNIQUE (candidate_id, question_id),
    CONSTRAINT answers_question_fkey FOREIGN KEY (city_id, question_id)
        REFERENCES questions (city_id, id) ON DELETE RESTRICT,
    CONSTRAINT answers_candidate_fkey FOREIGN KEY (city_id, candidate_id)
        REFERENCES candidates (city_id, id) ON DELETE RESTRICT,
    CONSTRAINT answers_status_check CHECK (
        status IN ('draft', 'uploading', 'processing', 'published', 'failed')),
    CONSTRAINT answers_failure_reason_check CHECK (
        failure_reason IS NULL OR char_length(failure_reason) <= 1000),
    CONSTRAINT answers_sources_check CHECK (
        cardinality(sources) <= 3 AND array_position(sources, NULL) IS NULL),
    CONSTRAINT answers_published_check CHECK (status <> 'published' OR published_at IS NOT NULL)
);

CREATE INDEX answers_question_id_idx ON answers (question_id);

CREATE TABLE videos (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    city_id           uuid NOT NULL,
    answer_id         uuid NOT NULL,
    status            text NOT NULL DEFAULT 'pending',
    -- The uploaded original; (bucket, key, etag) is the transcoder's idempotency key.
    source_bucket     text NOT NULL,
    source_key        text NOT NULL,
    source_etag       text NOT NULL,
    -- Hex SHA-256 of the original upload, published as its provenance.
    provenance_sha256 text,
    duration_seconds  numeric(10, 3),
    width             integer,
    height            integer,
    -- The HLS ladder actually produced, e.g. [{"name":"720p","width":1280,...}].
    variants          jsonb NOT NULL DEFAULT '[]',
    poster_key        text,
    progress_percent  smallint NOT NULL DEFAULT 0,
    failure_reason    text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT videos_source_key UNIQUE (source_bucket, source_key, source_etag),
    CONSTRAINT videos_answer_fkey FOREIGN KEY (city_id, answer_id)
        REFERENCES answers (city_id, id) ON DELETE CASCADE,
    CONSTRAINT videos_status_check CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
    CONSTRAINT videos_source_check CHECK (
        char_length(source_bucket) BETWEEN 1 AND 255
        AND char_length(source_key) BETWEEN 1 AND 1024
        AND char_length(source_etag) BETWEEN 1 AND 200),
    CONSTRAINT videos_provenance_sha256_check CHECK (
        provenance_sha256 IS NULL OR provenance_sha256 ~ '^[0-9a-f]{64}$'),
    CONSTRAINT videos_duration_seconds_check CHECK (duration_seconds IS NULL OR duration_seconds > 0),
    CONSTRAINT videos_dimensions_check CHECK (
        (width IS NULL OR width > 0) AND (height IS NULL OR height > 0)),
    CONSTRAINT videos_variants_check CHECK (jsonb_typeof(variants) = 'array'),
    CONSTRAINT videos_poster_key_check CHECK (poster_key IS NULL OR char_length(poster_key) <= 1024),
    CONSTRAINT videos_progress_percent_check CHECK (progress_percent BETWEEN 0 AND 100),
    CONSTRAINT videos_failure_reason_check CHECK (
        failure_reason IS NULL OR char_length(failure_reason) <= 1000),
    -- A ready video has its provenance hash and probed duration.
    CONSTRAINT videos_ready_check CHECK (
        status <> 'ready' OR (provenance_sha256 IS NOT NULL AND duration_seconds IS NOT NULL))
);

CREATE INDEX videos_answer_id_idx ON videos (answer_id);

-- +goose Down
DROP TABLE IF EXISTS videos;
DROP TABLE IF EXISTS answers;

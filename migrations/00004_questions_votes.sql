-- Questions residents ask of all candidates of a contest, their edit history, and
-- votes. Invariant kept by the store: questions.upvotes/downvotes equal the count of
-- votes rows with value +1/-1 (a vote upsert and the counter move share one transaction).

-- +goose Up
CREATE TABLE questions (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    city_id          uuid NOT NULL,
    contest_id       uuid NOT NULL,
    -- RESTRICT: questions are on the record; anonymize an account rather than delete it.
    author_id        uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    text             text NOT NULL,
    context          text,
    tags             text[] NOT NULL DEFAULT '{}',
    -- Text folded for duplicate detection (exact: unique index below; near: trigram index).
    normalized_text  text NOT NULL,
    status           text NOT NULL DEFAULT 'pending',
    merged_into_id   uuid,
    rejection_code   text,
    rejection_reason text,
    upvotes          integer NOT NULL DEFAULT 0,
    downvotes        integer NOT NULL DEFAULT 0,
    rank             double precision NOT NULL DEFAULT 0,
    hidden           boolean NOT NULL DEFAULT false,
    appealed_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT questions_city_id_id_key UNIQUE (city_id, id),
    CONSTRAINT questions_contest_fkey FOREIGN KEY (city_id, contest_id)
        REFERENCES contests (city_id, id) ON DELETE CASCADE,
    CONSTRAINT questions_merged_into_fkey FOREIGN KEY (city_id, merged_into_id)
        REFERENCES questions (city_id, id) ON DELETE RESTRICT,
    CONSTRAINT questions_text_check CHECK (char_length(text) BETWEEN 10 AND 500),
    CONSTRAINT questions_context_check CHECK (context IS NULL OR char_length(context) <= 500),
    CONSTRAINT questions_tags_check CHECK (
        cardinality(tags) <= 5 AND array_position(tags, NULL) IS NULL),
    CONSTRAINT questions_normalized_text_check CHECK (char_length(normalized_text) BETWEEN 1 AND 1000),
    CONSTRAINT questions_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'merged')),
    CONSTRAINT questions_merged_check CHECK (
        ((status = 'merged') = (merged_into_id IS NOT NULL)) AND merged_into_id IS DISTINCT FROM id),
    CONSTRAINT questions_rejection_check CHECK (
        (status <> 'rejected' OR rejection_code IS NOT NULL)
        AND (rejection_code IS NULL OR char_length(rejection_code) BETWEEN 1 AND 64)
        AND (rejection_reason IS NULL OR char_length(rejection_reason) <= 1000)),
    CONSTRAINT questions_votes_check CHECK (upvotes >= 0 AND downvotes >= 0)
);

-- Exact duplicates: one live (pending or approved) question per normalized text and contest.
CREATE UNIQUE INDEX questions_contest_id_normalized_text_key ON questions (contest_id, normalized_text)
    WHERE status IN ('pending', 'approved');
CREATE INDEX questions_contest_id_created_at_idx ON questions (contest_id, created_at DESC);
CREATE INDEX questions_city_id_created_at_idx ON questions (city_id, created_at DESC);
-- The public list: approved questions of a contest by rank (id breaks ties for keyset paging).
CREATE INDEX questions_contest_id_rank_approved_idx ON questions (contest_id, rank DESC, id)
    WHERE status = 'approved';
-- The moderation queue.
CREATE INDEX questions_city_id_pending_idx ON questions (city_id, created_at)
    WHERE status = 'pending';
CREATE INDEX questions_author_id_created_at_idx ON questions (author_id, created_at DESC);
CREATE INDEX questions_merged_into_id_idx ON questions (merged_into_id)
    WHERE merged_into_id IS NOT NULL;
-- Near-duplicate detection (similarity(), %) and full-text search. Queries must use
-- the same expression: to_tsvector('english', text) @@ websearch_to_tsquery('english', $1).
CREATE INDEX questions_normalized_text_trgm_idx ON questions USING gin (normalized_text gin_trgm_ops);
CREATE INDEX questions_text_fts_idx ON questions USING gin (to_tsvector('english', text));

CREATE TABLE question_versions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    city_id     uuid NOT NULL,
    question_id uuid NOT NULL,
    version     integer NOT NULL,
    text        text NOT NULL,
    context     text,
    edited_by   uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    reason      text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT question_versions_question_id_version_key UNIQUE (question_id, version),
    CONSTRAINT question_versions_question_fkey FOREIGN KEY (city_id, question_id)
        REFERENCES questions (city_id, id) ON DELETE CASCADE,
    CONSTRAINT question_versions_version_check CHECK (version >= 1),
    CONSTRAINT question_versions_text_check CHECK (char_length(text) BETWEEN 10 AND 500),
    CONSTRAINT question_versions_context_check CHECK (context IS NULL OR char_length(context) <= 500),
    CONSTRAINT question_versions_reason_check CHECK (reason IS NULL OR char_length(reason) <= 1000)
);

-- One row per (question, user); a vote of 0 ("clear") deletes the row.
CREATE TABLE votes (
    city_id     uuid NOT NULL,
    question_id uuid NOT NULL,
    -- RESTRICT: deleting votes silently would break the counter invariant.
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    value       smallint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT votes_pkey PRIMARY KEY (question_id, user_id),
    CONSTRAINT votes_question_fkey FOREIGN KEY (city_id, question_id)
        REFERENCES questions (city_id, id) ON DELETE CASCADE,
    CONSTRAINT votes_value_check CHECK (value IN (-1, 1))
);

CREATE INDEX votes_user_id_idx ON votes (user_id);

-- +goose Down
DROP TABLE IF EXISTS votes;
DROP TABLE IF EXISTS question_versions;
DROP TABLE IF EXISTS questions;

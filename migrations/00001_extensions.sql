-- Extensions the schema depends on.
-- gen_random_uuid() is built into PostgreSQL 13+, so pgcrypto is not needed.
-- pg_trgm powers the near-duplicate question search (trigram GIN index on
-- questions.normalized_text).

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- +goose Down
DROP EXTENSION IF EXISTS pg_trgm;

-- Voting in one round trip. cast_vote locks the question row first, so every change
-- to one question's votes is serialized on that row, and the vote row, the counters,
-- the rank and vote_seq move in one transaction: upvotes/downvotes always equal the
-- vote rows, under any concurrency. vote_seq grows with every change so the Redis
-- ranking can tell a late, older update from a newer one.

-- +goose Up
ALTER TABLE questions ADD COLUMN vote_seq bigint NOT NULL DEFAULT 0;

-- A vote rewrites its question's row. When no indexed column changes and the page has
-- room, Postgres updates the row in place (a HOT update) instead of adding an entry to
-- every index of questions, GIN text indexes included: on election night that is the
-- difference that matters. So the rank is not indexed (ranked lists come from Redis,
-- and the Postgres fallback ranks a contest's questions in memory), and pages keep
-- 30% free for the new row versions.
DROP INDEX questions_contest_id_rank_approved_idx;
ALTER TABLE questions SET (fillfactor = 70);

-- The lower bound of the Wilson score interval for up/(up+down) at 95% confidence:
-- the "top" rank. shared/domain.WilsonLowerBound is the same formula; a test keeps
-- them equal.
-- +goose StatementBegin
CREATE FUNCTION civicq_wilson(up integer, down integer) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN up + down = 0 THEN 0::double precision ELSE
        ((up::double precision / (up + down)) + 1.96 * 1.96 / (2 * (up + down))
         - 1.96 * sqrt(((up::double precision / (up + down)) * (1 - up::double precision / (up + down))
                        + 1.96 * 1.96 / (4 * (up + down))) / (up + down)))
        / (1 + 1.96 * 1.96 / (up + down))
    END
$$;
-- +goose StatementEnd

-- The user row for an identity-provider subject, created on first sight and kept in
-- step with the token's email claims. Safe under concurrent first requests.
-- +goose StatementBegin
CREATE FUNCTION civicq_user(p_subject text, p_email text, p_email_verified boolean) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    uid uuid;
BEGIN
    -- The common case, a known user whose claims have not changed, is one index
    -- lookup; the upsert (which locks the row) only runs when something is new.
    SELECT id INTO uid FROM users
     WHERE subject = p_subject AND email = coalesce(p_email, '')
       AND email_verified = (p_email_verified AND coalesce(p_email, '') <> '');
    IF FOUND THEN
        RETURN uid;
    END IF;
    INSERT INTO users (subject, email, email_verified)
    VALUES (p_subject, coalesce(p_email, ''), p_email_verified AND coalesce(p_email, '') <> '')
    ON CONFLICT (subject) DO UPDATE
        SET email = EXCLUDED.email, email_verified = EXCLUDED.email_verified, updated_at = now()
        WHERE users.email IS DISTINCT FROM EXCLUDED.email
           OR users.email_verified IS DISTINCT FROM EXCLUDED.email_verified
    RETURNING id INTO uid;
    IF uid IS NULL THEN
        SELECT id INTO uid FROM users WHERE subject = p_subject;
    END IF;
    RETURN uid;
END
$$;
-- +goose StatementEnd

-- cast_vote sets the vote of the user with identity-provider subject p_subject on a
-- question of p_city to p_value (-1, 0 to clear, 1). outcome: 'changed', 'unchanged'
-- (the same vote again), 'not_found' (no such question in that city) or
-- 'not_votable' (not approved or hidden; status says which). A refused vote
-- changes nothing, not even the voter's user row, which is created (from the token's
-- claims) only once the question is known to take votes.
-- +goose StatementBegin
CREATE FUNCTION cast_vote(p_city uuid, p_question uuid, p_subject text, p_email text, p_email_verified boolean,
                          p_value smallint)
RETURNS TABLE (outcome text, status text, contest_id uuid, previous smallint, upvotes integer,
               downvotes integer, vote_seq bigint, created_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    q record;
    v_user uuid;
    old smallint;
    du integer := 0;
    dd integer := 0;
BEGIN
    IF p_value NOT IN (-1, 0, 1) THEN
        RAISE EXCEPTION 'vote value % out of range', p_value USING ERRCODE = '22023';
    END IF;
    SELECT qs.status, qs.contest_id, qs.upvotes, qs.downvotes, qs.vote_seq, qs.created_at, qs.hidden
      INTO q FROM questions qs WHERE qs.id = p_question AND qs.city_id = p_city FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found'::text, NULL::text, NULL::uuid, NULL::smallint, 0, 0, 0::bigint, NULL::timestamptz;
        RETURN;
    END IF;
    IF q.status <> 'approved' OR q.hidden THEN
        RETURN QUERY SELECT 'not_votable'::text, CASE WHEN q.hidden THEN 'hidden' ELSE q.status END,
            q.contest_id, NULL::smallint, q.upvotes, q.downvotes, q.vote_seq, q.created_at;
        RETURN;
    END IF;
    v_user := civicq_user(p_subject, p_email, p_email_verified);
    SELECT v.value INTO old FROM votes v WHERE v.question_id = p_question AND v.user_id = v_user;
    IF coalesce(old, 0) = p_value THEN
        RETURN QUERY SELECT 'unchanged'::text, q.status, q.contest_id, old, q.upvotes, q.downvotes, q.vote_seq, q.created_at;
        RETURN;
    END IF;
    IF p_value = 0 THEN
        DELETE FROM votes v WHERE v.question_id = p_question AND v.user_id = v_user;
    ELSIF old IS NULL THEN
        INSERT INTO votes (city_id, question_id, user_id, value) VALUES (p_city, p_question, v_user, p_value);
    ELSE
        UPDATE votes v SET value = p_value, updated_at = now()
         WHERE v.question_id = p_question AND v.user_id = v_user;
    END IF;
    du := (CASE WHEN p_value = 1 THEN 1 ELSE 0 END) - (CASE WHEN old = 1 THEN 1 ELSE 0 END);
    dd := (CASE WHEN p_value = -1 THEN 1 ELSE 0 END) - (CASE WHEN old = -1 THEN 1 ELSE 0 END);
    RETURN QUERY
    UPDATE questions qs
       SET upvotes = qs.upvotes + du, downvotes = qs.downvotes + dd,
           rank = civicq_wilson(qs.upvotes + du, qs.downvotes + dd),
           vote_seq = qs.vote_seq + 1, updated_at = now()
     WHERE qs.id = p_question
    RETURNING 'changed'::text, qs.status, qs.contest_id, old, qs.upvotes, qs.downvotes, qs.vote_seq, qs.created_at;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION IF EXISTS cast_vote(uuid, uuid, text, text, boolean, smallint);
DROP FUNCTION IF EXISTS civicq_user(text, text, boolean);
DROP FUNCTION IF EXISTS civicq_wilson(integer, integer);
ALTER TABLE questions RESET (fillfactor);
CREATE INDEX questions_contest_id_rank_approved_idx ON questions (contest_id, rank DESC, id)
    WHERE status = 'approved';
ALTER TABLE questions DROP COLUMN IF EXISTS vote_seq;

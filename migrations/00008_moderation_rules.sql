-- What moderation needs beyond 00006: answers can be hidden by reports like questions;
-- the public log names authors (appeals) by role only and links a merge to its
-- target; rejection codes come from a fixed list; the log pages by (time, id).

-- +goose Up

-- An answer with enough open reports is hidden until a moderator reviews it, as a
-- question is (questions.hidden).
ALTER TABLE answers ADD COLUMN hidden boolean NOT NULL DEFAULT false;

-- Appeals are taken by the question's author: logged with the role 'author', never
-- the author's name or id (actor_id is kept for audits, not published).
ALTER TABLE moderation_actions DROP CONSTRAINT moderation_actions_actor_role_check;
ALTER TABLE moderation_actions ADD CONSTRAINT moderation_actions_actor_role_check CHECK (
    actor_role IN ('moderator', 'city_admin', 'system', 'author'));

-- A merge names the question it went into, so the log can say "merged into X".
ALTER TABLE moderation_actions ADD COLUMN related_id uuid;
ALTER TABLE moderation_actions ADD CONSTRAINT moderation_actions_related_check CHECK (
    (action = 'merge') = (related_id IS NOT NULL));

-- The public log is read newest first, a page at a time: (created_at, id) is the
-- keyset cursor.
DROP INDEX moderation_actions_city_id_created_at_idx;
CREATE INDEX moderation_actions_city_id_created_at_id_idx ON moderation_actions (city_id, created_at DESC, id DESC);

-- A question is rejected for one of a fixed list of reasons (shared/domain
-- RejectionCodes; a test keeps the two equal); the moderator's text explains it to
-- the author.
ALTER TABLE questions ADD CONSTRAINT questions_rejection_code_list_check CHECK (
    rejection_code IS NULL OR rejection_code IN (
        'spam', 'off-topic', 'harassment', 'threats', 'doxxing', 'misinformation',
        'not-a-question', 'duplicate', 'other'));

-- The moderation queue finds an item's open reports by target.
CREATE INDEX reports_city_id_target_open_idx ON reports (city_id, target_type, target_id)
    WHERE status = 'open';

-- +goose Down
DROP INDEX IF EXISTS reports_city_id_target_open_idx;
ALTER TABLE questions DROP CONSTRAINT IF EXISTS questions_rejection_code_list_check;
DROP INDEX IF EXISTS moderation_actions_city_id_created_at_id_idx;
CREATE INDEX moderation_actions_city_id_created_at_idx ON moderation_actions (city_id, created_at DESC);
ALTER TABLE moderation_actions DROP CONSTRAINT IF EXISTS moderation_actions_related_check;
ALTER TABLE moderation_actions DROP COLUMN IF EXISTS related_id;
-- NOT VALID: the log is append-only, so appeals already logged stay as they are.
ALTER TABLE moderation_actions DROP CONSTRAINT moderation_actions_actor_role_check;
ALTER TABLE moderation_actions ADD CONSTRAINT moderation_actions_actor_role_check CHECK (
    actor_role IN ('moderator', 'city_admin', 'system')) NOT VALID;
ALTER TABLE answers DROP COLUMN IF EXISTS hidden;

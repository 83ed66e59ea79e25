-- Reports of questions/answers and the public, append-only moderation log.

-- +goose Up
CREATE TABLE reports (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    city_id     uuid NOT NULL REFERENCES cities (id) ON DELETE CASCADE,
    reporter_id uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    target_type text NOT NULL,
    -- A questions.id or answers.id, per target_type (no FK: polymorphic).
    target_id   uuid NOT NULL,
    reason      text NOT NULL,
    details     text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'open',
    resolved_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    -- One report per person and item.
    CONSTRAINT reports_reporter_id_target_key UNIQUE (reporter_id, target_type, target_id),
    CONSTRAINT reports_target_type_check CHECK (target_type IN ('question', 'answer')),
    CONSTRAINT reports_reason_check CHECK (reason IN (
        'spam', 'doxxing', 'threats', 'harassment', 'off-topic', 'misinformation', 'other')),
    CONSTRAINT reports_details_check CHECK (char_length(details) <= 1000),
    CONSTRAINT reports_status_check CHECK (status IN ('open', 'upheld', 'dismissed')),
    CONSTRAINT reports_resolved_check CHECK ((status = 'open') = (resolved_at IS NULL))
);

-- The moderators' open-report queue, and the open-report count per item (hide threshold).
CREATE INDEX reports_city_id_open_idx ON reports (city_id, created_at) WHERE status = 'open';
CREATE INDEX reports_target_open_idx ON reports (target_type, target_id) WHERE status = 'open';

CREATE TABLE moderation_actions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- RESTRICT: the public log is never deleted with its city or actor.
    city_id     uuid NOT NULL REFERENCES cities (id) ON DELETE RESTRICT,
    -- NULL only for actions taken by the system (e.g. auto-hide at the report threshold).
    actor_id    uuid REFERENCES users (id) ON DELETE RESTRICT,
    actor_role  text NOT NULL,
    action      text NOT NULL,
    target_type text NOT NULL,
    target_id   uuid NOT NULL,
    reason_code text,
    reason_text text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT moderation_actions_actor_role_check CHECK (
        actor_role IN ('moderator', 'city_admin', 'system')),
    CONSTRAINT moderation_actions_actor_check CHECK (actor_role = 'system' OR actor_id IS NOT NULL),
    CONSTRAINT moderation_actions_action_check CHECK (action IN (
        'approve', 'reject', 'merge', 'hide', 'unhide', 'dismiss_report', 'uphold_report',
        'appeal', 'approve_claim', 'reject_claim')),
    CONSTRAINT moderation_actions_target_type_check CHECK (
        target_type IN ('question', 'answer', 'report', 'candidate')),
    CONSTRAINT moderation_actions_reason_check CHECK (
        (action NOT IN ('reject', 'reject_claim') OR reason_code IS NOT NULL)
        AND (reason_code IS NULL OR char_length(reason_code) BETWEEN 1 AND 64)
        AND (reason_text IS NULL OR char_length(reason_text) <= 1000))
);

CREATE INDEX moderation_actions_city_id_created_at_idx ON moderation_actions (city_id, created_at DESC);
CREATE INDEX moderation_actions_target_idx ON moderation_actions (target_type, target_id, created_at);

-- The log is append-only: refuse UPDATE and DELETE (TRUNCATE by an owner still works).
-- +goose StatementBegin
CREATE FUNCTION moderation_actions_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'moderation_actions is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER moderation_actions_append_only
    BEFORE UPDATE OR DELETE ON moderation_actions
    FOR EACH ROW EXECUTE FUNCTION moderation_actions_append_only();

-- +goose Down
DROP TABLE IF EXISTS moderation_actions;
DROP FUNCTION IF EXISTS moderation_actions_append_only();
DROP TABLE IF EXISTS reports;

-- Cities (the tenant and future sharding key), users and per-city role grants.

-- +goose Up
CREATE TABLE cities (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug                  text NOT NULL,
    name                  text NOT NULL,
    state                 text NOT NULL,
    timezone              text NOT NULL DEFAULT 'America/Los_Angeles',
    -- Policy: a city admin may change these; the defaults are the product rules.
    moderation_mode       text NOT NULL DEFAULT 'pre',
    questions_per_day     integer NOT NULL DEFAULT 10,
    votes_per_hour        integer NOT NULL DEFAULT 100,
    report_hide_threshold integer NOT NULL DEFAULT 3,
    answer_min_seconds    integer NOT NULL DEFAULT 5,
    answer_max_seconds    integer NOT NULL DEFAULT 180,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cities_slug_key UNIQUE (slug),
    CONSTRAINT cities_slug_check CHECK (slug ~ '^[a-z0-9-]{2,64}$'),
    CONSTRAINT cities_name_check CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT cities_state_check CHECK (state ~ '^[A-Z]{2}$'),
    CONSTRAINT cities_timezone_check CHECK (char_length(timezone) BETWEEN 1 AND 64),
    CONSTRAINT cities_moderation_mode_check CHECK (moderation_mode IN ('pre', 'auto')),
    CONSTRAINT cities_questions_per_day_check CHECK (questions_per_day BETWEEN 0 AND 1000),
    CONSTRAINT cities_votes_per_hour_check CHECK (votes_per_hour BETWEEN 0 AND 100000),
    CONSTRAINT cities_report_hide_threshold_check CHECK (report_hide_threshold BETWEEN 1 AND 1000),
    CONSTRAINT cities_answer_seconds_check CHECK (
        answer_min_seconds >= 1
        AND answer_max_seconds >= answer_min_seconds
        AND answer_max_seconds <= 180
    )
);

CREATE TABLE users (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The identity provider's stable subject ("sub" claim).
    subject        text NOT NULL,
    email          text NOT NULL DEFAULT '',
    email_verified boolean NOT NULL DEFAULT false,
    display_name   text NOT NULL DEFAULT '',
    home_city_id   uuid REFERENCES cities (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_subject_key UNIQUE (subject),
    CONSTRAINT users_subject_check CHECK (char_length(subject) BETWEEN 1 AND 255),
    CONSTRAINT users_email_check CHECK (char_length(email) <= 320),
    CONSTRAINT users_email_verified_check CHECK (NOT email_verified OR email <> ''),
    CONSTRAINT users_display_name_check CHECK (char_length(display_name) <= 100)
);

CREATE INDEX users_home_city_id_idx ON users (home_city_id) WHERE home_city_id IS NOT NULL;

-- A role held by a user in one city only (moderators act for their own city).
CREATE TABLE user_roles (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    city_id    uuid NOT NULL REFERENCES cities (id) ON DELETE CASCADE,
    role       text NOT NULL,
    granted_by uuid REFERENCES users (id) ON DELETE SET NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_roles_pkey PRIMARY KEY (user_id, city_id, role),
    CONSTRAINT user_roles_role_check CHECK (role IN ('moderator', 'city_admin'))
);

CREATE INDEX user_roles_city_id_role_idx ON user_roles (city_id, role);

-- +goose Down
DROP TABLE IF EXISTS user_roles;
DROP TABLE IF EXISTS users;
DROP TABLE IF EXISTS cities;

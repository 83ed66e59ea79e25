-- The ballot: elections, their contests (races and measures), candidates and
-- measure texts. Each parent has UNIQUE (city_id, id) so that children reference
-- it with (city_id, parent_id): a child can never sit in another city than its parent.

-- +goose Up
CREATE TABLE elections (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    city_id       uuid NOT NULL REFERENCES cities (id) ON DELETE CASCADE,
    name          text NOT NULL,
    election_date date NOT NULL,
    status        text NOT NULL DEFAULT 'upcoming',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT elections_city_id_id_key UNIQUE (city_id, id),
    CONSTRAINT elections_name_check CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT elections_status_check CHECK (status IN ('upcoming', 'current', 'past'))
);

CREATE INDEX elections_city_id_election_date_idx ON elections (city_id, election_date);

CREATE TABLE contests (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    city_id       uuid NOT NULL,
    election_id   uuid NOT NULL,
    kind          text NOT NULL,
    title         text NOT NULL,
    description   text NOT NULL DEFAULT '',
    -- Seats to fill (races); always 1 for a measure.
    seats         integer NOT NULL DEFAULT 1,
    display_order integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contests_city_id_id_key UNIQUE (city_id, id),
    CONSTRAINT contests_election_id_display_order_key UNIQUE (election_id, display_order),
    CONSTRAINT contests_election_fkey FOREIGN KEY (city_id, election_id)
        REFERENCES elections (city_id, id) ON DELETE CASCADE,
    CONSTRAINT contests_kind_check CHECK (kind IN ('race', 'measure')),
    CONSTRAINT contests_title_check CHECK (char_length(title) BETWEEN 1 AND 200),
    CONSTRAINT contests_description_check CHECK (char_length(description) <= 5000),
    CONSTRAINT contests_seats_check CHECK (seats BETWEEN 1 AND 50 AND (kind = 'race' OR seats = 1)),
    CONSTRAINT contests_display_order_check CHECK (display_order >= 0)
);

CREATE TABLE candidates (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    city_id             uuid NOT NULL,
    contest_id          uuid NOT NULL,
    name                text NOT NULL,
    -- NULL for nonpartisan races, which most local races are.
    party               text,
    ballot_designation  text NOT NULL DEFAULT '',
    bio                 text NOT NULL DEFAULT '',
    photo_url           text,
    website             text,
    display_order       integer NOT NULL DEFAULT 0,
    -- The account that claimed this record; a claim is approved by city staff.
    -- RESTRICT: release the claim before deleting the account.
    claimed_by_user_id  uuid REFERENCES users (id) ON DELETE RESTRICT,
    filing_id           text,
    verification        text NOT NULL DEFAULT 'unclaimed',
    verification_reason text,
    verified_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT candidates_city_id_id_key UNIQUE (city_id, id),
    CONSTRAINT candidates_contest_fkey FOREIGN KEY (city_id, contest_id)
        REFERENCES contests (city_id, id) ON DELETE CASCADE,
    CONSTRAINT candidates_name_check CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT candidates_party_check CHECK (party IS NULL OR char_length(party) BETWEEN 1 AND 100),
    CONSTRAINT candidates_ballot_designation_check CHECK (char_length(ballot_designation) <= 200),
    CONSTRAINT candidates_bio_check CHECK (char_length(bio) <= 5000),
    CONSTRAINT candidates_photo_url_check CHECK (
        photo_url IS NULL OR (photo_url ~ '^https?://' AND char_length(photo_url) <= 2048)),
    CONSTRAINT candidates_website_check CHECK (
        website IS NULL OR (website ~ '^https?://' AND char_length(website) <= 2048)),
    CONSTRAINT candidates_display_order_check CHECK (display_order >= 0),
    CONSTRAINT candidates_filing_id_check CHECK (filing_id IS NULL OR char_length(filing_id) BETWEEN 1 AND 100),
    CONSTRAINT candidates_verification_check CHECK (
        verification IN ('unclaimed', 'pending', 'verified', 'rejected')),
    CONSTRAINT candidates_verification_reason_check CHECK (
        verification_reason IS NULL OR char_length(verification_reason) <= 1000),
    -- unclaimed: nobody holds it; pending/verified: someone does; verified iff verified_at.
    CONSTRAINT candidates_claim_check CHECK (
        (verification <> 'unclaimed' OR claimed_by_user_id IS NULL)
        AND (verification NOT IN ('pending', 'verified') OR claimed_by_user_id IS NOT NULL)
        AND ((verification = 'verified') = (verified_at IS NOT NULL)))
);

CREATE INDEX candidates_contest_id_display_order_idx ON candidates (contest_id, display_order);
CREATE INDEX candidates_claimed_by_user_id_idx ON candidates (claimed_by_user_id)
    WHERE claimed_by_user_id IS NOT NULL;
CREATE INDEX candidates_city_id_pending_idx ON candidates (city_id, updated_at)
    WHERE verification = 'pending';

CREATE TABLE measures (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    city_id      uuid NOT NULL,
    contest_id   uuid NOT NULL,
    -- As printed on the ballot, e.g. "Measure A".
    number       text NOT NULL,
    title        text NOT NULL,
    full_text    text NOT NULL DEFAULT '',
    summary      text NOT NULL DEFAULT '',
    fiscal_note  text NOT NULL DEFAULT '',
    pro_argument text NOT NULL DEFAULT '',
    con_argument text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT measures_contest_id_key UNIQUE (contest_id),
    CONSTRAINT measures_contest_fkey FOREIGN KEY (city_id, contest_id)
        REFERENCES contests (city_id, id) ON DELETE CASCADE,
    CONSTRAINT measures_number_check CHECK (char_length(number) BETWEEN 1 AND 50),
    CONSTRAINT measures_title_check CHECK (char_length(title) BETWEEN 1 AND 300),
    CONSTRAINT measures_full_text_check CHECK (char_length(full_text) <= 200000),
    CONSTRAINT measures_summary_check CHECK (char_length(summary) <= 10000),
    CONSTRAINT measures_fiscal_note_check CHECK (char_length(fiscal_note) <= 10000),
    CONSTRAINT measures_pro_argument_check CHECK (char_length(pro_argument) <= 20000),
    CONSTRAINT measures_con_argument_check CHECK (char_length(con_argument) <= 20000)
);

CREATE INDEX measures_city_id_idx ON measures (city_id);

-- +goose Down
DROP TABLE IF EXISTS measures;
DROP TABLE IF EXISTS candidates;
DROP TABLE IF EXISTS contests;
DROP TABLE IF EXISTS elections;

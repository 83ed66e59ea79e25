package store

import (
	"context"

	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/civicq/civicq/shared/domain"
)

// ErrNoElection means the city exists but has no current or upcoming election.
var ErrNoElection = fmt.Errorf("%w: the city has no current or upcoming election", ErrNotFound)

// The election a city's ballot shows: the current one if any, else the next upcoming.
const ballotElection = `
	SELECT e.id FROM elections e JOIN cities c ON c.id = e.city_id
	WHERE c.slug = $1 AND e.status IN ('current', 'upcoming')
	ORDER BY e.status = 'current' DESC, e.election_date
	LIMIT 1`

const cityAndElection = `
	SELECT c.id, c.slug, c.name, c.state, c.timezone,
	       e.id, e.name, to_char(e.election_date, 'YYYY-MM-DD'), e.status
	FROM cities c
	LEFT JOIN elections e ON e.id = (` + ballotElection + `)
	WHERE c.slug = $1`

const contestColumns = `ct.id, ct.kind, ct.title, ct.description, ct.seats, ct.display_order`

const candidateColumns = `cd.id, cd.contest_id, cd.name, coalesce(cd.party, ''), cd.ballot_designation, cd.bio,
	coalesce(cd.photo_url, ''), coalesce(cd.website, ''), cd.display_order, cd.verification = 'verified'`

const measureColumns = `m.contest_id, m.number, m.title, m.full_text, m.summary, m.fiscal_note, m.pro_argument, m.con_argument`

// Ballot reads a city's ballot in one round trip: the four queries go as one pgx
// batch, each finding the election by the city's slug, so no query waits for another.
func (s *Store) Ballot(ctx context.Context, slug string) (domain.Ballot, error) {
	var b domain.Ballot
	batch := &pgx.Batch{}
	batch.Queue(cityAndElection, slug)
	batch.Queue(`SELECT `+contestColumns+` FROM contests ct
		WHERE ct.election_id = (`+ballotElection+`) ORDER BY ct.display_order`, slug)
	batch.Queue(`SELECT `+candidateColumns+` FROM candidates cd JOIN contests ct ON ct.id = cd.contest_id
		WHERE ct.election_id = (`+ballotElection+`) ORDER BY ct.display_order, cd.display_order, cd.name`, slug)
	batch.Queue(`SELECT `+measureColumns+` FROM measures m JOIN contests ct ON ct.id = m.contest_id
		WHERE ct.election_id = (`+ballotElection+`)`, slug)
	br := s.r.SendBatch(ctx, batch)
	defer br.Close()

	var electionID *string
	var e struct{ name, date, status *string }
	err := br.QueryRow().Scan(&b.City.ID, &b.City.Slug, &b.City.Name, &b.City.State, &b.City.Timezone,
		&electionID, &e.name, &e.date, &e.status)
	if err != nil {
		return b, classify("ballot: city", err)
	}
	if electionID == nil {
		return b, ErrNoElection
	}
	b.Election = domain.ElectionRef{ID: *electionID, Name: *e.name, Date: *e.date, Status: *e.status}

	contests, err := scanContests(br)
	if err != nil {
		return b, classify("ballot: contests", err)
	}
	if err := fillContests(br, contests); err != nil {
		return b, classify("ballot", err)
	}
	b.Contests = make([]domain.BallotContest, len(contests))
	for i, c := range contests {
		b.Contests[i] = c.AtAGlance()
	}
	return b, classify("ballot", br.Close())
}

// Contest reads one contest of a city with its candidates or measure, and the
// election it belongs to. A contest of another city is not found: ids never cross
// city boundaries.
func (s *Store) Contest(ctx context.Context, slug, contestID string) (domain.ContestPage, error) {
	var p domain.ContestPage
	batch := &pgx.Batch{}
	batch.Queue(`SELECT c.id, c.slug, c.name, c.state, c.timezone,
			e.id, e.name, to_char(e.election_date, 'YYYY-MM-DD'), e.status, `+contestColumns+`
		FROM contests ct JOIN cities c ON c.id = ct.city_id JOIN elections e ON e.id = ct.election_id
		WHERE c.slug = $1 AND ct.id = $2`, slug, contestID)
	batch.Queue(`SELECT `+candidateColumns+` FROM candidates cd JOIN cities c ON c.id = cd.city_id
		WHERE c.slug = $1 AND cd.contest_id = $2 ORDER BY cd.display_order, cd.name`, slug, contestID)
	batch.Queue(`SELECT `+measureColumns+` FROM measures m JOIN cities c ON c.id = m.city_id
		WHERE c.slug = $1 AND m.contest_id = $2`, slug, contestID)
	br := s.r.SendBatch(ctx, batch)
	defer br.Close()

	ct := &p.Contest
	err := br.QueryRow().Scan(&p.City.ID, &p.City.Slug, &p.City.Name, &p.City.State, &p.City.Timezone,
		&p.Election.ID, &p.Election.Name, &p.Election.Date, &p.Election.Status,
		&ct.ID, &ct.Kind, &ct.Title, &ct.Description, &ct.Seats, &ct.DisplayOrder)
	if err != nil {
		return p, classify("contest", err)
	}
	contests := []domain.Contest{p.Contest}
	if err := fillContests(br, contests); err != nil {
		return p, classify("contest", err)
	}
	p.Contest = contests[0]
	return p, classify("contest", br.Close())
}

// Candidate reads one candidate of a city with their contest and election.
func (s *Store) Candidate(ctx context.Context, slug, candidateID string) (domain.CandidateProfile, error) {
	var p domain.CandidateProfile
	cd := &p.Candidate
	err := s.r.QueryRow(ctx, `SELECT c.id, c.slug, c.name, c.state, c.timezone,
			e.id, e.name, to_char(e.election_date, 'YYYY-MM-DD'), e.status,
			ct.id, ct.kind, ct.title, `+candidateColumns+`
		FROM candidates cd
		JOIN cities c ON c.id = cd.city_id
		JOIN contests ct ON ct.id = cd.contest_id
		JOIN elections e ON e.id = ct.election_id
		WHERE c.slug = $1 AND cd.id = $2`, slug, candidateID).Scan(
		&p.City.ID, &p.City.Slug, &p.City.Name, &p.City.State, &p.City.Timezone,
		&p.Election.ID, &p.Election.Name, &p.Election.Date, &p.Election.Status,
		&p.Contest.ID, &p.Contest.Kind, &p.Contest.Title,
		&cd.ID, &cd.ContestID, &cd.Name, &cd.Party, &cd.BallotDesignation, &cd.Bio,
		&cd.PhotoURL, &cd.Website, &cd.DisplayOrder, &cd.Verified)
	if err != nil {
		return p, classify("candidate", err)
	}
	p.Answers, err = s.CandidateAnswers(ctx, p.City.ID, cd.ID)
	return p, err
}

// ListCities reads every city with its current or next election.
func (s *Store) ListCities(ctx context.Context) ([]domain.CitySummary, error) {
	rows, err := s.r.Query(ctx, `SELECT c.id, c.slug, c.name, c.state, c.timezone,
			e.id, e.name, to_char(e.election_date, 'YYYY-MM-DD'), e.status
		FROM cities c
		LEFT JOIN LATERAL (
			SELECT id, name, election_date, status FROM elections
			WHERE city_id = c.id AND status IN ('current', 'upcoming')
			ORDER BY status = 'current' DESC, election_date LIMIT 1) e ON true
		ORDER BY c.name`)
	if err != nil {
		return nil, classify("list cities", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.CitySummary, error) {
		var c domain.CitySummary
		var id, name, date, status *string
		if err := row.Scan(&c.ID, &c.Slug, &c.Name, &c.State, &c.Timezone, &id, &name, &date, &status); err != nil {
			return c, err
		}
		if id != nil {
			c.NextElection = &domain.ElectionRef{ID: *id, Name: *name, Date: *date, Status: *status}
		}
		return c, nil
	})
	if out == nil {
		out = []domain.CitySummary{}
	}
	return out, classify("list cities", err)
}

func scanContests(br pgx.BatchResults) ([]domain.Contest, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Contest, error) {
		var ct domain.Contest
		err := row.Scan(&ct.ID, &ct.Kind, &ct.Title, &ct.Description, &ct.Seats, &ct.DisplayOrder)
		return ct, err
	})
	if out == nil {
		out = []domain.Contest{}
	}
	return out, err
}

// fillContests reads the next two batch results (candidates, then measures) into
// the contests they belong to.
func fillContests(br pgx.BatchResults, contests []domain.Contest) error {
	index := make(map[string]*domain.Contest, len(contests))
	for i := range contests {
		index[contests[i].ID] = &contests[i]
	}
	rows, err := br.Query()
	if err != nil {
		return err
	}
	var cd domain.Candidate
	_, err = pgx.ForEachRow(rows, []any{&cd.ID, &cd.ContestID, &cd.Name, &cd.Party, &cd.BallotDesignation, &cd.Bio,
		&cd.PhotoURL, &cd.Website, &cd.DisplayOrder, &cd.Verified}, func() error {
		if ct := index[cd.ContestID]; ct != nil {
			ct.Candidates = append(ct.Candidates, cd)
		}
		return nil
	})
	if err != nil {
		return err
	}
	rows, err = br.Query()
	if err != nil {
		return err
	}
	var contestID string
	var m domain.Measure
	_, err = pgx.ForEachRow(rows, []any{&contestID, &m.Number, &m.Title, &m.FullText, &m.Summary, &m.FiscalNote,
		&m.ProArgument, &m.ConArgument}, func() error {
		if ct := index[contestID]; ct != nil {
			mm := m
			ct.Measure = &mm
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range contests {
		if contests[i].Kind == domain.KindRace && contests[i].Candidates == nil {
			contests[i].Candidates = []domain.Candidate{}
		}
	}
	return nil
}

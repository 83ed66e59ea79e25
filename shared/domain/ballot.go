// Package domain holds CivicQ's entities and the pure rules about them. It does no
// I/O: the store fills these types and the api package serialises them.
package domain

import "time"

// City is a place CivicQ serves. Its slug is the stable public identifier used in URLs
// and cache keys; the id is the sharding key that scopes every row the city owns.
type City struct {
	ID       string `json:"id"`
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	State    string `json:"state"`
	Timezone string `json:"timezone"`
}

// CitySummary is a city as listed on the home page, with its next election if any.
type CitySummary struct {
	City
	NextElection *ElectionRef `json:"nextElection"`
}

// ElectionRef names an election without its contests.
type ElectionRef struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Date   string `json:"date"` // YYYY-MM-DD, the election day in the city's time zone
	Status string `json:"status"`
}

// Election statuses.
const (
	ElectionUpcoming = "upcoming"
	ElectionCurrent  = "current"
	ElectionPast     = "past"
)

// Contest kinds.
const (
	KindRace    = "race"
	KindMeasure = "measure"
)

// Ballot is what a resident sees first: their city's current or upcoming election with
// every contest in display order, at a glance. It carries what the ballot page lists
// (contests, candidates' names and badges, measure summaries); a measure's full
// text, fiscal note and arguments and a candidate's bio are on the contest and
// candidate routes, which the pages that show them read. So the one response every
// visit starts with stays a few kilobytes, however long a city's measures are
// (the demo city's went from 12.2 to 4.9 KB, 4.3 to 1.6 KB gzipped).
type Ballot struct {
	City     City            `json:"city"`
	Election ElectionRef     `json:"election"`
	Contests []BallotContest `json:"contests"`
}

// BallotContest is a contest as the ballot lists it.
type BallotContest struct {
	ID           string            `json:"id"`
	Kind         string            `json:"kind"`
	Title        string            `json:"title"`
	Description  string            `json:"description,omitempty"`
	Seats        int               `json:"seats,omitempty"`
	DisplayOrder int               `json:"displayOrder"`
	Candidates   []BallotCandidate `json:"candidates,omitempty"`
	Measure      *MeasureSummary   `json:"measure,omitempty"`
}

// BallotCandidate is a candidate as the ballot lists them.
type BallotCandidate struct {
	ID                string `json:"id"`
	Name              string `json:"name"`
	Party             string `json:"party,omitempty"`
	BallotDesignation string `json:"ballotDesignation,omitempty"`
	PhotoURL          string `json:"photoUrl,omitempty"`
	DisplayOrder      int    `json:"displayOrder"`
	Verified          bool   `json:"verified"`
}

// MeasureSummary is a measure as the ballot lists it.
type MeasureSummary struct {
	Number  string `json:"number"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
}

// AtAGlance is c as the ballot lists it.
func (c Contest) AtAGlance() BallotContest {
	b := BallotContest{ID: c.ID, Kind: c.Kind, Title: c.Title, Description: c.Description,
		Seats: c.Seats, DisplayOrder: c.DisplayOrder}
	if len(c.Candidates) > 0 {
		b.Candidates = make([]BallotCandidate, len(c.Candidates))
		for i, cd := range c.Candidates {
			b.Candidates[i] = BallotCandidate{ID: cd.ID, Name: cd.Name, Party: cd.Party,
				BallotDesignation: cd.BallotDesignation, PhotoURL: cd.PhotoURL,
				DisplayOrder: cd.DisplayOrder, Verified: cd.Verified}
		}
	}
	if m := c.Measure; m != nil {
		b.Measure = &MeasureSummary{Number: m.Number, Title: m.Title, Summary: m.Summary}
	}
	return b
}

// Contest is a race (candidates compete for seats) or a ballot measure (yes/no).
type Contest struct {
	ID           string      `json:"id"`
	Kind         string      `json:"kind"`
	Title        string      `json:"title"`
	Description  string      `json:"description,omitempty"`
	Seats        int         `json:"seats,omitempty"`
	DisplayOrder int         `json:"displayOrder"`
	Candidates   []Candidate `json:"candidates,omitempty"`
	Measure      *Measure    `json:"measure,omitempty"`
}

// ContestPage is one contest with the city and election it belongs to.
type ContestPage struct {
	City     City        `json:"city"`
	Election ElectionRef `json:"election"`
	Contest  Contest     `json:"contest"`
}

// Candidate verification states: a candidate record is claimed by a user and the
// city's staff approve or reject the claim.
const (
	VerificationUnclaimed = "unclaimed"
	VerificationPending   = "pending"
	VerificationVerified  = "verified"
	VerificationRejected  = "rejected"
)

// Candidate is a person on the ballot for one race.
type Candidate struct {
	ID                string `json:"id"`
	ContestID         string `json:"contestId"`
	Name              string `json:"name"`
	Party             string `json:"party,omitempty"`
	BallotDesignation string `json:"ballotDesignation,omitempty"`
	Bio               string `json:"bio,omitempty"`
	PhotoURL          string `json:"photoUrl,omitempty"`
	Website           string `json:"website,omitempty"`
	DisplayOrder      int    `json:"displayOrder"`
	// Verified is true once city staff approved the claim of a real candidate: the
	// badge residents see.
	Verified bool `json:"verified"`
}

// CandidateProfile is one candidate with the contest they run in.
type CandidateProfile struct {
	City      City        `json:"city"`
	Election  ElectionRef `json:"election"`
	Contest   ContestRef  `json:"contest"`
	Candidate Candidate   `json:"candidate"`
	// Answers are the candidate's published video answers, newest first.
	Answers []PublishedAnswer `json:"answers"`
}

// ContestRef names a contest without its candidates.
type ContestRef struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
}

// Measure is a ballot measure's text and the arguments for and against it.
type Measure struct {
	Number      string `json:"number"`
	Title       string `json:"title"`
	FullText    string `json:"fullText"`
	Summary     string `json:"summary"`
	FiscalNote  string `json:"fiscalNote"`
	ProArgument string `json:"proArgument"`
	ConArgument string `json:"conArgument"`
}

// Health is the health route's report.
type Health struct {
	Status   string            `json:"status"` // "ok" or "degraded"
	Checks   map[string]string `json:"checks"`
	Function string            `json:"function"`
	Time     time.Time         `json:"time"`
}

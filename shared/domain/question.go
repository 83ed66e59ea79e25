package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds of a question, the product's rules (PRODUCT.md); the questions table checks
// the same.
const (
	QuestionMinChars = 10
	QuestionMaxChars = 500
	ContextMaxChars  = 500
	MaxTags          = 5
	MaxTagChars      = 32
)

// Question statuses: pending moderation, approved (public, votable), rejected, or
// merged into another question.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusRejected = "rejected"
	StatusMerged   = "merged"
)

// A city's moderation modes: "pre" holds new questions for a moderator, "auto"
// publishes them at once.
const (
	ModerationPre  = "pre"
	ModerationAuto = "auto"
)

// CityPolicy is what a city decides for its residents' questions and votes.
type CityPolicy struct {
	CityID          string `json:"cityId"`
	Slug            string `json:"slug"`
	ModerationMode  string `json:"moderationMode"`
	QuestionsPerDay int    `json:"questionsPerDay"`
	VotesPerHour    int    `json:"votesPerHour"`
}

// InitialStatus is the status a new question gets under the policy.
func (p CityPolicy) InitialStatus() string {
	if p.ModerationMode == ModerationAuto {
		return StatusApproved
	}
	return StatusPending
}

// Identity is the caller as the identity provider's token describes them.
type Identity struct {
	Subject       string
	Email         string
	EmailVerified bool
	Groups        []string
}

// AskInput is a resident's new question, as the request body carries it.
type AskInput struct {
	Text    string   `json:"text"`
	Context string   `json:"context,omitempty"`
	Tags    []string `json:"tags,omitempty"`
}

// FieldError names one invalid field of a request and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// validTag reports whether t is runs of lower-case letters and digits joined by
// single hyphens ("public-safety").
func validTag(t string) bool {
	afterHyphen := true // a tag cannot start with one
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c == '-' && !afterHyphen:
			afterHyphen = true
		case lowerAlnum(c):
			afterHyphen = false
		default:
			return false
		}
	}
	return t != "" && !afterHyphen
}

// Clean trims the text and context, lower-cases and de-duplicates tags, and reports
// every field that breaks a bound (all of them, so a form can show them at once).
func (in AskInput) Clean() (AskInput, []FieldError) {
	out := AskInput{Text: strings.TrimSpace(in.Text), Context: strings.TrimSpace(in.Context)}
	var errs []FieldError
	switch n := utf8.RuneCountInString(out.Text); {
	case !utf8.ValidString(out.Text):
		errs = append(errs, FieldError{"text", "must be valid UTF-8 text"})
	case n < QuestionMinChars || n > QuestionMaxChars:
		errs = append(errs, FieldError{"text", "must be 10 to 500 characters"})
	}
	if !utf8.ValidString(out.Context) || utf8.RuneCountInString(out.Context) > ContextMaxChars {
		errs = append(errs, FieldError{"context", "must be at most 500 characters of text"})
	}
	if len(in.Tags) > MaxTags {
		errs = append(errs, FieldError{"tags", "at most 5 tags"})
	}
	seen := map[string]bool{}
	for _, t := range in.Tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if len(t) > MaxTagChars || !validTag(t) {
			errs = append(errs, FieldError{"tags", "each tag is 1 to 32 lower-case letters, digits and inner hyphens"})
			break
		}
		if !seen[t] {
			seen[t] = true
			out.Tags = append(out.Tags, t)
		}
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	return out, errs
}

// Question is a question as residents see it.
type Question struct {
	ID         string    `json:"id"`
	ContestID  string    `json:"contestId"`
	Text       string    `json:"text"`
	Context    string    `json:"context,omitempty"`
	Tags       []string  `json:"tags"`
	Status     string    `json:"status"`
	Upvotes    int       `json:"upvotes"`
	Downvotes  int       `json:"downvotes"`
	CreatedAt  time.Time `json:"createdAt"`
	MergedInto string    `json:"mergedInto,omitempty"`
	// Seq grows with every vote change; the ranking uses it to order updates.
	Seq int64 `json:"-"`
}

// RankInput is what the question's scores depend on.
func (q Question) RankInput() RankInput {
	return RankInput{Up: q.Upvotes, Down: q.Downvotes, Created: q.CreatedAt}
}

// QuestionVersion is one text of a question: version 1 is what the author wrote.
type QuestionVersion struct {
	Version   int       `json:"version"`
	Text      string    `json:"text"`
	Context   string    `json:"context,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// CandidateAnswer is one candidate's answer state for a question.
type CandidateAnswer struct {
	CandidateID string `json:"candidateId"`
	Name        string `json:"name"`
	Status      string `json:"status"` // "none" when they have not started one
	// Answer is the published answer's playback data (status "published" only).
	Answer *PublishedAnswer `json:"answer,omitempty"`
}

// QuestionPage is one question with its history, why it ranks where it does, and
// which candidates answered it ("answered by X of N").
type QuestionPage struct {
	Question   Question          `json:"question"`
	Versions   []QuestionVersion `json:"versions"`
	Why        Explanation       `json:"why"`
	Answered   int               `json:"answered"`
	Candidates []CandidateAnswer `json:"candidates"`
	// MergedFrom lists the duplicates moderators merged into this question, with
	// their own text (their versions are kept).
	MergedFrom []MergedQuestion `json:"mergedFrom"`
}

// MergedQuestion is a duplicate merged into another question.
type MergedQuestion struct {
	ID        string    `json:"id"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"createdAt"`
}

// VoteValue checks a vote: +1 up, -1 down, 0 clears.
func VoteValue(v int) bool { return v == -1 || v == 0 || v == 1 }

// Me is what the signed-in caller sees of themselves.
type Me struct {
	ID            string       `json:"id"`
	Subject       string       `json:"subject"`
	Email         string       `json:"email"`
	EmailVerified bool         `json:"emailVerified"`
	DisplayName   string       `json:"displayName"`
	HomeCity      string       `json:"homeCity,omitempty"` // slug
	Roles         []CityRole   `json:"roles"`
	Candidacies   []Candidacy  `json:"candidacies"`
	Questions     []MyQuestion `json:"questions"`
}

// CityRole is a role held in one city only.
type CityRole struct {
	City string `json:"city"` // slug
	Role string `json:"role"` // "moderator" or "city_admin"
}

// Candidacy is a candidate record the caller claimed, and where the claim stands.
type Candidacy struct {
	CandidateID  string `json:"candidateId"`
	City         string `json:"city"`
	Name         string `json:"name"`
	Verification string `json:"verification"`
	Reason       string `json:"reason,omitempty"`
}

// MyQuestion is one of the caller's questions with its moderation state.
type MyQuestion struct {
	ID              string `json:"id"`
	City            string `json:"city"`
	ContestID       string `json:"contestId"`
	Text            string `json:"text"`
	Status          string `json:"status"`
	RejectionCode   string `json:"rejectionCode,omitempty"`
	RejectionReason string `json:"rejectionReason,omitempty"`
	MergedInto      string `json:"mergedInto,omitempty"`
	// Hidden is true while reports keep it out of view, until a moderator reviews it.
	Hidden bool `json:"hidden,omitempty"`
	// AppealedAt is when the author appealed its rejection (once only).
	AppealedAt *time.Time `json:"appealedAt,omitempty"`
	Upvotes    int        `json:"upvotes"`
	Downvotes  int        `json:"downvotes"`
	CreatedAt  time.Time  `json:"createdAt"`
}

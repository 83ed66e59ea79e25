package domain

import (
	"math"
	"time"
)

// Sort is an order in which a contest's questions can be listed.
type Sort string

// The sorts residents can choose. Every score is "higher ranks first".
const (
	// SortTop ranks by how surely residents approve of a question (Wilson lower bound).
	SortTop Sort = "top"
	// SortNew ranks the newest questions first.
	SortNew Sort = "new"
	// SortHot ranks by net votes, discounted by age relative to newer questions.
	SortHot Sort = "hot"
	// SortControversial ranks questions with many votes split evenly first.
	SortControversial Sort = "controversial"
)

// Sorts lists every sort, in the order a menu would show them.
var Sorts = []Sort{SortTop, SortNew, SortHot, SortControversial}

// ParseSort returns the sort named s ("" is the default, SortTop), or false when s
// names none: the handler answers 400.
func ParseSort(s string) (Sort, bool) {
	switch Sort(s) {
	case "":
		return SortTop, true
	case SortTop, SortNew, SortHot, SortControversial:
		return Sort(s), true
	}
	return "", false
}

// Valid reports whether s is one of Sorts.
func (s Sort) Valid() bool {
	switch s {
	case SortTop, SortNew, SortHot, SortControversial:
		return true
	}
	return false
}

// RankInput is everything a question's scores depend on. Negative counts are
// treated as 0, so every score is finite for any input.
type RankInput struct {
	Up, Down int
	Created  time.Time
}

// SortScores holds a question's score under each sort (higher ranks first).
type SortScores struct {
	Top           float64 `json:"top"`
	New           float64 `json:"new"`
	Hot           float64 `json:"hot"`
	Controversial float64 `json:"controversial"`
}

// Of returns the score for sort s (0 for an unknown sort).
func (s SortScores) Of(sort Sort) float64 {
	switch sort {
	case SortTop:
		return s.Top
	case SortNew:
		return s.New
	case SortHot:
		return s.Hot
	case SortControversial:
		return s.Controversial
	}
	return 0
}

// Scores returns a question's score under every sort.
//
// Scores are pure functions of (up, down, created), never of the current time, so
// they can be stored (in a Redis sorted set, in the questions.rank column) and stay
// comparable with each other: a stored score only changes when its question's votes
// do. "Hot" still decays, but relative to newer questions, which score higher.
func Scores(in RankInput) SortScores {
	up, down := counts(in)
	return SortScores{
		Top:           WilsonLowerBound(up, down),
		New:           createdSeconds(in.Created),
		Hot:           hot(up, down, in.Created),
		Controversial: controversy(up, down),
	}
}

// Score returns a question's score under one sort (0 for an unknown sort).
func Score(sort Sort, in RankInput) float64 {
	up, down := counts(in)
	switch sort {
	case SortTop:
		return WilsonLowerBound(up, down)
	case SortNew:
		return createdSeconds(in.Created)
	case SortHot:
		return hot(up, down, in.Created)
	case SortControversial:
		return controversy(up, down)
	}
	return 0
}

func counts(in RankInput) (up, down int) {
	return max(in.Up, 0), max(in.Down, 0)
}

// wilsonZ is the standard-normal quantile for a two-sided 95% confidence interval.
const wilsonZ = 1.96

// WilsonLowerBound is the "top" score: the lower bound of the Wilson score interval
// for the share of up votes, at 95% confidence (z = 1.96):
//
//	n = up + down, p = up / n
//	(p + z²/2n − z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)
//
// Why not the share itself: 1 up and 0 down would outrank 90 up and 10 down. Why
// not net votes: 600 up and 400 down would outrank 100 up and 0 down. The lower bound
// asks "given these votes, what share of residents approve, at least, with 95%
// confidence?", so few votes count for little (3/3 → 0.44) and many votes for
// nearly their share (90/100 → 0.83). No votes score 0.
//
// The store keeps this value in questions.rank (the Postgres fallback orders by it),
// so any SQL version must compute the same expression.
func WilsonLowerBound(up, down int) float64 {
	lo, _ := wilson(max(up, 0), max(down, 0))
	return lo
}

// wilson returns the Wilson score interval (0, 0 without votes).
func wilson(up, down int) (lo, hi float64) {
	n := float64(up) + float64(down)
	if n == 0 {
		return 0, 0
	}
	const z2 = wilsonZ * wilsonZ
	p := float64(up) / n
	center := p + z2/(2*n)
	spread := wilsonZ * math.Sqrt((p*(1-p)+z2/(4*n))/n)
	den := 1 + z2/n
	lo = (center - spread) / den
	hi = (center + spread) / den
	// Rounding can leave the bounds a hair outside [0, 1] (0/n gives -1e-17).
	return math.Max(lo, 0), math.Min(hi, 1)
}

// createdSeconds is the "new" score: the creation time in Unix seconds, truncated
// to microseconds, the precision of a Postgres timestamptz (pgx truncates the same
// way), so a score computed before an insert equals one computed after reading the
// row back.
func createdSeconds(t time.Time) float64 {
	return float64(t.UnixMicro()) / 1e6
}

// HotEpochUnix (2024-01-01T00:00:00Z) is the fixed origin of the "hot" time term.
// Any fixed instant works (it shifts every score by the same amount); it is kept
// close to now so the time term stays small and float64 keeps its precision for the
// vote term. Changing it changes every stored score: the sets must be rebuilt.
const HotEpochUnix = 1704067200

// HotSecondsPerTenfold is how many seconds of newness are worth ten times the net
// votes in the "hot" score: 45000 s = 12.5 hours.
const HotSecondsPerTenfold = 45000

// hot is the "hot" score, Reddit's formula:
//
//	sign(up−down) · log10(max(|up−down|, 1)) + (created − HotEpochUnix) / 45000 s
//
// The vote term is logarithmic: the first 10 net votes weigh as much as the next
// 90. The time term grows with the creation time, so a question posted 12.5 hours
// later needs 10 times fewer net votes to rank the same: an extra 10x net votes is
// worth 12.5 hours. The score never depends on "now": an old question's score does
// not change, newer questions simply start higher, which is what lets the score
// live in a sorted set.
func hot(up, down int, created time.Time) float64 {
	votes, age := hotTerms(up, down, created)
	return votes + age
}

func hotTerms(up, down int, created time.Time) (votes, age float64) {
	net := up - down
	switch {
	case net > 0:
		votes = math.Log10(float64(net))
	case net < 0:
		votes = -math.Log10(float64(-net))
	}
	age = (createdSeconds(created) - HotEpochUnix) / HotSecondsPerTenfold
	return votes, age
}

// controversy is the "controversial" score:
//
//	0 if up = 0 or down = 0, else (up + down) ^ (min(up, down) / max(up, down))
//
// The exponent is the balance of the split (1 when even, near 0 when one-sided) and
// the base the number of votes, so the top is many votes split evenly: 50/50 scores
// 100, 5/5 scores 10, 90/10 scores 1.67, and a unanimous question 0.
func controversy(up, down int) float64 {
	if up <= 0 || down <= 0 {
		return 0
	}
	return math.Pow(float64(up)+float64(down), balance(up, down))
}

func balance(up, down int) float64 {
	if up <= 0 || down <= 0 {
		return 0
	}
	return float64(min(up, down)) / float64(max(up, down))
}

// Confidence levels of Explanation, from the width of the Wilson interval.
const (
	ConfidenceNone   = "none"   // no votes
	ConfidenceLow    = "low"    // the interval is wider than 0.4
	ConfidenceMedium = "medium" // wider than 0.15
	ConfidenceHigh   = "high"
)

// Explanation answers "why this rank?": each score and the parts it is made of.
type Explanation struct {
	Up    int `json:"up"`
	Down  int `json:"down"`
	Net   int `json:"net"`   // up − down
	Votes int `json:"votes"` // up + down

	// Scores are the values the lists are ordered by.
	Scores SortScores `json:"scores"`

	// Top: the share of up votes and the 95% Wilson interval around it; the lower
	// bound is Scores.Top.
	UpShare     float64 `json:"upShare"`
	WilsonLower float64 `json:"wilsonLower"`
	WilsonUpper float64 `json:"wilsonUpper"`
	Confidence  string  `json:"confidence"` // none, low, medium, high

	// New and hot: when the question was created and how old it is at the time of
	// the explanation (age is shown, it is not part of any score).
	Created  time.Time `json:"created"`
	AgeHours float64   `json:"ageHours"`
	// Hot = HotVoteTerm + HotTimeTerm.
	HotVoteTerm float64 `json:"hotVoteTerm"` // sign(net)·log10(max(|net|, 1))
	HotTimeTerm float64 `json:"hotTimeTerm"` // (created − HotEpochUnix) / 12.5 h

	// Controversial = Votes ^ Balance (0 when either side has no votes).
	Balance float64 `json:"balance"` // min(up, down) / max(up, down)
}

// Explain returns the parts of each score of in; now only sets AgeHours.
func Explain(in RankInput, now time.Time) Explanation {
	up, down := counts(in)
	lo, hi := wilson(up, down)
	votes, age := hotTerms(up, down, in.Created)
	e := Explanation{
		Up: up, Down: down, Net: up - down, Votes: up + down,
		Scores:      Scores(in),
		WilsonLower: lo,
		WilsonUpper: hi,
		Created:     in.Created,
		// To the hundredth of an hour (36 s): an age on a page needs no more, and
		// sixteen digits of noise per question were an eighth of a list page's
		// compressed size.
		AgeHours:    math.Round(math.Max(now.Sub(in.Created).Hours(), 0)*100) / 100,
		HotVoteTerm: votes,
		HotTimeTerm: age,
		Balance:     balance(up, down),
	}
	switch w := hi - lo; {
	case up+down == 0:
		e.Confidence = ConfidenceNone
	case w > 0.4:
		e.Confidence = ConfidenceLow
	case w > 0.15:
		e.Confidence = ConfidenceMedium
	default:
		e.Confidence = ConfidenceHigh
	}
	if up+down > 0 {
		e.UpShare = float64(up) / float64(up+down)
	}
	return e
}

// Shown rounds a score or a part of one to six decimal places, for the lists and
// pages that show them: the order is computed from the exact values, and the
// digits past the sixth (a hot score's time term has sixteen) are noise to a
// reader and, being incompressible, most of a ranked page's compressed size.
// Rounding keeps the order (it never swaps two values, at most makes them equal).
func Shown(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// Shown is the explanation with every number rounded by Shown.
func (e Explanation) Shown() Explanation {
	e.Scores = SortScores{Top: Shown(e.Scores.Top), New: Shown(e.Scores.New), Hot: Shown(e.Scores.Hot),
		Controversial: Shown(e.Scores.Controversial)}
	e.UpShare, e.WilsonLower, e.WilsonUpper = Shown(e.UpShare), Shown(e.WilsonLower), Shown(e.WilsonUpper)
	e.HotVoteTerm, e.HotTimeTerm, e.Balance = Shown(e.HotVoteTerm), Shown(e.HotTimeTerm), Shown(e.Balance)
	return e
}

package domain

import (
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseSort(t *testing.T) {
	for in, want := range map[string]Sort{"": SortTop, "top": SortTop, "new": SortNew, "hot": SortHot, "controversial": SortControversial} {
		got, ok := ParseSort(in)
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
		require.True(t, got.Valid())
	}
	for _, in := range []string{"TOP", "best", " top", "top ", "rising", "\x00"} {
		_, ok := ParseSort(in)
		require.False(t, ok, "%q", in)
	}
	require.Len(t, Sorts, 4)
	for _, s := range Sorts {
		got, ok := ParseSort(string(s))
		require.True(t, ok)
		require.Equal(t, s, got)
	}
	require.False(t, Sort("").Valid())
}

func TestWilsonKnownValues(t *testing.T) {
	require.Equal(t, 0.0, WilsonLowerBound(0, 0))
	require.InDelta(t, 0.2065, WilsonLowerBound(1, 0), 1e-4)
	require.InDelta(t, 1/(1+1.96*1.96), WilsonLowerBound(1, 0), 1e-12)
	require.InDelta(t, 0.4385, WilsonLowerBound(3, 0), 1e-4)
	require.InDelta(t, 0.8256, WilsonLowerBound(90, 10), 1e-4)
	require.Equal(t, 0.0, WilsonLowerBound(0, 5), "no up votes: the bound is 0, never negative")
	require.Greater(t, WilsonLowerBound(90, 10), WilsonLowerBound(3, 0), "confidence-aware: 3/3 ranks below 90/100")
	require.Greater(t, WilsonLowerBound(100, 0), WilsonLowerBound(600, 400), "share matters, not net votes")
	require.Equal(t, 0.0, WilsonLowerBound(-3, -1), "negative counts are treated as 0")
}

func TestWilsonMonotone(t *testing.T) {
	for up := 0; up <= 60; up++ {
		for down := 0; down <= 60; down++ {
			w := WilsonLowerBound(up, down)
			require.False(t, math.IsNaN(w))
			require.GreaterOrEqual(t, w, 0.0)
			require.Less(t, w, 1.0)
			if up+down > 0 {
				require.LessOrEqual(t, w, float64(up)/float64(up+down)+1e-12, "a lower bound never exceeds the share")
			}
			require.Greater(t, WilsonLowerBound(up+1, down), w, "an up vote raises the score (%d/%d)", up, down)
			if up > 0 {
				require.Less(t, WilsonLowerBound(up, down+1), w, "a down vote lowers the score (%d/%d)", up, down)
			}
			// Same share, more votes: more confidence, higher bound.
			if up > 0 {
				require.Greater(t, WilsonLowerBound(2*up, 2*down), w)
			}
		}
	}
}

func TestScoresAgreeWithScore(t *testing.T) {
	created := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	for _, in := range []RankInput{{0, 0, created}, {5, 3, created}, {3, 9, created.Add(-time.Hour)}, {-1, 2, time.Unix(HotEpochUnix, 0)}} {
		s := Scores(in)
		for _, sort := range Sorts {
			require.Equal(t, Score(sort, in), s.Of(sort), "%s %+v", sort, in)
		}
		require.Equal(t, s.Top, WilsonLowerBound(in.Up, in.Down))
	}
	require.Equal(t, 0.0, Score("nope", RankInput{Up: 3}))
	require.Equal(t, 0.0, SortScores{Top: 1}.Of("nope"))
}

func TestNewIsCreationSecondsAtMicrosecondPrecision(t *testing.T) {
	created := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	require.InDelta(t, float64(created.Unix())+0.123456, Score(SortNew, RankInput{Created: created}), 1e-6)
	// What Postgres stores (microseconds) scores the same as the time before the insert.
	require.Equal(t, Score(SortNew, RankInput{Created: created}), Score(SortNew, RankInput{Created: created.Truncate(time.Microsecond)}))
	require.Greater(t, Score(SortNew, RankInput{Created: created.Add(time.Microsecond)}), Score(SortNew, RankInput{Created: created}))
	require.Equal(t, Score(SortNew, RankInput{Up: 100, Created: created}), Score(SortNew, RankInput{Down: 100, Created: created}), "votes do not move new")
}

func TestHotOrdering(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	hot := func(up, down int, created time.Time) float64 {
		return Score(SortHot, RankInput{Up: up, Down: down, Created: created})
	}
	// Same votes: newer ranks higher.
	require.Greater(t, hot(10, 2, t0.Add(time.Minute)), hot(10, 2, t0))
	// An extra 10x net votes is worth 12.5 hours.
	require.InDelta(t, hot(10, 0, t0.Add(12*time.Hour+30*time.Minute)), hot(100, 0, t0), 1e-9)
	require.InDelta(t, hot(1, 0, t0.Add(25*time.Hour)), hot(100, 0, t0), 1e-9)
	require.Greater(t, hot(101, 0, t0), hot(10, 0, t0.Add(12*time.Hour+30*time.Minute)))
	// More net votes rank higher at equal age; net is what counts.
	require.Greater(t, hot(11, 0, t0), hot(10, 0, t0))
	require.Equal(t, hot(10, 5, t0), hot(5, 0, t0))
	require.Less(t, hot(0, 10, t0), hot(0, 0, t0), "net negative sinks")
	require.Equal(t, hot(0, 0, t0), hot(1, 0, t0), "log10(1) = 0: one net vote is no vote")
	require.Equal(t, hot(0, 0, t0), hot(0, 1, t0))
	// The time term is measured from the fixed epoch, not from now.
	require.InDelta(t, 0, hot(0, 0, time.Unix(HotEpochUnix, 0)), 1e-12)
	require.Equal(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(HotEpochUnix, 0).UTC())
	require.InDelta(t, 1, hot(0, 0, time.Unix(HotEpochUnix, 0).Add(HotSecondsPerTenfold*time.Second)), 1e-12)
	// Monotone in up, antitone in down.
	for up := 0; up < 40; up++ {
		for down := 0; down < 40; down++ {
			require.GreaterOrEqual(t, hot(up+1, down, t0), hot(up, down, t0))
			require.LessOrEqual(t, hot(up, down+1, t0), hot(up, down, t0))
		}
	}
}

func TestControversial(t *testing.T) {
	c := func(up, down int) float64 { return Score(SortControversial, RankInput{Up: up, Down: down}) }
	require.Equal(t, 0.0, c(0, 0))
	require.Equal(t, 0.0, c(100, 0), "one-sided is not controversial")
	require.Equal(t, 0.0, c(0, 100))
	require.InDelta(t, 100, c(50, 50), 1e-9)
	require.InDelta(t, 10, c(5, 5), 1e-9)
	require.InDelta(t, math.Pow(100, 1.0/9), c(90, 10), 1e-9)
	require.Equal(t, c(30, 70), c(70, 30), "symmetric")
	require.Greater(t, c(50, 50), c(5, 5), "more votes, evenly split, rank higher")
	require.Greater(t, c(50, 50), c(60, 40), "an even split ranks above an uneven one with as many votes")
	require.Greater(t, c(40, 60), c(10, 90))
	// Moving one vote toward an even split raises the score; adding to both sides too.
	for a := 1; a < 50; a++ {
		for b := a + 2; b < 60; b++ {
			require.Greater(t, c(a+1, b-1), c(a, b), "%d/%d", a, b)
			require.Greater(t, c(a+1, b+1), c(a, b), "%d/%d", a, b)
		}
	}
}

func TestExplain(t *testing.T) {
	created := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	in := RankInput{Up: 90, Down: 10, Created: created}
	e := Explain(in, created.Add(3*time.Hour))
	require.Equal(t, 90, e.Up)
	require.Equal(t, 10, e.Down)
	require.Equal(t, 80, e.Net)
	require.Equal(t, 100, e.Votes)
	require.Equal(t, Scores(in), e.Scores)
	require.Equal(t, e.Scores.Top, e.WilsonLower)
	require.InDelta(t, 0.9, e.UpShare, 1e-12)
	require.Less(t, e.WilsonLower, e.UpShare)
	require.Greater(t, e.WilsonUpper, e.UpShare)
	require.Equal(t, ConfidenceHigh, e.Confidence)
	require.InDelta(t, 3, e.AgeHours, 1e-9)
	require.InDelta(t, e.Scores.Hot, e.HotVoteTerm+e.HotTimeTerm, 1e-12)
	require.InDelta(t, math.Log10(80), e.HotVoteTerm, 1e-12)
	require.InDelta(t, 1.0/9, e.Balance, 1e-12)
	require.InDelta(t, e.Scores.Controversial, math.Pow(float64(e.Votes), e.Balance), 1e-9)

	require.Equal(t, ConfidenceNone, Explain(RankInput{Created: created}, created).Confidence)
	require.Equal(t, ConfidenceLow, Explain(RankInput{Up: 3, Created: created}, created).Confidence)
	require.Equal(t, ConfidenceMedium, Explain(RankInput{Up: 10, Created: created}, created).Confidence)
	require.Equal(t, 0.0, Explain(RankInput{Created: created}, created.Add(-time.Hour)).AgeHours, "clock skew never gives a negative age")
	require.Equal(t, 2.51, Explain(RankInput{Created: created}, created.Add(2*time.Hour+30*time.Minute+40*time.Second)).AgeHours, "to the hundredth of an hour")

	// The score does not depend on now; only the age shown does.
	require.Equal(t, e.Scores, Explain(in, created.Add(1000*time.Hour)).Scores)

	b, err := json.Marshal(e)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"up", "down", "scores", "wilsonLower", "confidence", "ageHours", "hotVoteTerm", "hotTimeTerm", "balance"} {
		require.Contains(t, m, k)
	}
	require.Contains(t, m["scores"], "controversial")
}

func TestShownKeepsOrderAndSixDecimals(t *testing.T) {
	require.Equal(t, 2001.234568, Shown(2001.2345678901234))
	require.Equal(t, 0.3, Shown(0.30000000000000004))
	require.Equal(t, 1793908080.0, Shown(1793908080))
	// Monotonic: a sorted list stays sorted (at most ties appear).
	prev := math.Inf(-1)
	for i := range 10000 {
		x := Shown(float64(i)*0.0000003 + 1996.464)
		require.GreaterOrEqual(t, x, prev)
		prev = x
	}
	e := Explain(RankInput{Up: 7, Down: 2, Created: time.Date(2026, 11, 5, 19, 48, 1, 123456000, time.UTC)},
		time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)).Shown()
	b, err := json.Marshal(e)
	require.NoError(t, err)
	for _, f := range regexp.MustCompile(`-?\d+\.\d+`).FindAllString(string(b), -1) {
		_, frac, _ := strings.Cut(f, ".")
		require.LessOrEqual(t, len(frac), 6, "%s in %s", f, b)
	}
}

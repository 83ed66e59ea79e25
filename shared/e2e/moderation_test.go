package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/domain"
)

// Moderation end to end: tokens through the gateway, the real Postgres and a Redis
// of the test's own.

func (s *stack) moderator(t *testing.T) string {
	return s.issuer.IDToken(t, demo.ModeratorUserSubject, map[string]any{"email": "sam.okafor@riverton.example"})
}

func (s *stack) cityAdmin(t *testing.T) string {
	return s.issuer.IDToken(t, demo.CityAdminUserSubject, map[string]any{"email": "priya.raman@riverton.example"})
}

func (s *stack) lakeviewModerator(t *testing.T) string {
	return s.issuer.IDToken(t, "demo-lakeview-moderator", map[string]any{"email": "lee.ostrander@lakeview.example"})
}

// must sends a request and requires the status, returning the body.
func (s *stack) must(t *testing.T, status int, method, path, token, body string) []byte {
	t.Helper()
	got, b := s.do(t, method, path, token, body)
	require.Equal(t, status, got, "%s %s: %s", method, path, b)
	return b
}

func jsonOf[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(b, &v), string(b))
	return v
}

func qpath(q, action string) string {
	p := "/api/cities/riverton/questions/" + q
	if action != "" {
		p += "/" + action
	}
	return p
}

func vote(v int) string { return fmt.Sprintf(`{"value":%d}`, v) }

// voteRows reads a question's vote rows: voter subject -> value.
func (s *stack) voteRows(t *testing.T, q string) map[string]int {
	t.Helper()
	rows, err := s.db.Query(context.Background(), `SELECT u.subject, v.value FROM votes v JOIN users u ON u.id = v.user_id
		WHERE v.question_id = $1`, q)
	require.NoError(t, err)
	out := map[string]int{}
	for rows.Next() {
		var sub string
		var v int
		require.NoError(t, rows.Scan(&sub, &v))
		out[sub] = v
	}
	require.NoError(t, rows.Err())
	return out
}

// fingerprintAll digests every table moderation could change.
func (s *stack) fingerprintAll(t *testing.T) string {
	t.Helper()
	var out []string
	for _, table := range []string{"users", "user_roles", "candidates", "questions", "question_versions", "votes",
		"reports", "moderation_actions", "answers"} {
		var sum string
		require.NoError(t, s.db.QueryRow(context.Background(),
			`SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM `+table+` t`).Scan(&sum))
		out = append(out, table+"="+sum)
	}
	return strings.Join(out, " ")
}

// logEntries reads the city's whole public log through the API, page by page.
func (s *stack) logEntries(t *testing.T, city string) ([]domain.LogEntry, string) {
	t.Helper()
	var all []domain.LogEntry
	var raw strings.Builder
	cursor := ""
	for range 100 {
		path := "/api/cities/" + city + "/moderation/log?limit=3"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		b := s.must(t, http.StatusOK, "GET", path, "", "")
		raw.Write(b)
		page := jsonOf[struct {
			Entries []domain.LogEntry
			Next    string
		}](t, b)
		all = append(all, page.Entries...)
		if cursor = page.Next; cursor == "" {
			return all, raw.String()
		}
	}
	t.Fatal("the log never ended")
	return nil, ""
}

// The merge moves each vote exactly once: votes of voters who voted only on the
// duplicate move to the target; voters who voted on both keep their target vote
// and lose the duplicate's; counters equal the rows; the duplicate redirects and
// keeps its text; the ranking in Redis follows.
func TestMergeMovesEachVoteOnce(t *testing.T) {
	s := newStack(t)
	s.exec(t, `UPDATE cities SET votes_per_hour = 100000 WHERE id = $1`, demo.CityID)
	ids := s.addQuestions(t, 4)
	src, dst := ids[0], ids[1]
	_ = s.listAll(t, domain.SortTop) // the ranking exists in Redis before the merge
	onlySrc, onlyDst, both := 12, 7, 9
	type voter struct {
		sub, token string
		src, dst   int // values voted (0: none)
	}
	var voters []voter
	for i := range onlySrc + onlyDst + both {
		v := voter{sub: fmt.Sprintf("merge-voter-%02d", i)}
		v.token = s.issuer.IDToken(t, v.sub, nil)
		sign := 1 - 2*(i%3/2) // two up for one down
		switch {
		case i < onlySrc:
			v.src = sign
		case i < onlySrc+onlyDst:
			v.dst = sign
		default:
			v.src, v.dst = sign, -sign // opposite votes: the target's must win
		}
		if v.src != 0 {
			s.must(t, http.StatusOK, "PUT", qpath(src, "vote"), v.token, vote(v.src))
		}
		if v.dst != 0 {
			s.must(t, http.StatusOK, "PUT", qpath(dst, "vote"), v.token, vote(v.dst))
		}
		voters = append(voters, v)
	}

	b := s.must(t, http.StatusOK, "POST", qpath(src, "merge"), s.moderator(t), `{"into":"`+dst+`","reasonText":"Same question."}`)
	res := jsonOf[struct {
		Source, Target domain.Question
		Moved, Dropped int
	}](t, b)
	require.Equal(t, onlySrc, res.Moved)
	require.Equal(t, both, res.Dropped)
	require.Equal(t, domain.StatusMerged, res.Source.Status)
	require.Equal(t, dst, res.Source.MergedInto)

	rows := s.voteRows(t, dst)
	require.Empty(t, s.voteRows(t, src), "the duplicate keeps no votes")
	up, down := 0, 0
	for _, v := range voters {
		want := v.dst
		if want == 0 {
			want = v.src
		}
		require.Equal(t, want, rows[v.sub], "voter %s: one vote on the target, the target's own when they had one", v.sub)
		if want == 1 {
			up++
		} else {
			down++
		}
	}
	require.Len(t, rows, len(voters), "no voter counted twice, none lost")
	require.Equal(t, up, res.Target.Upvotes)
	require.Equal(t, down, res.Target.Downvotes)
	s.checkExact(t)
	s.checkRanking(t)

	// The duplicate redirects to the target; its text stays in its versions and on
	// the target's page.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(s.url + qpath(src, ""))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusPermanentRedirect, resp.StatusCode)
	require.Equal(t, "/api/cities/riverton/questions/"+dst, resp.Header.Get("Location"))
	page := jsonOf[domain.QuestionPage](t, s.must(t, http.StatusOK, "GET", qpath(dst, ""), "", ""))
	require.Len(t, page.MergedFrom, 1)
	require.Equal(t, src, page.MergedFrom[0].ID)
	// A vote on the merged question is refused; merging it again too.
	s.must(t, http.StatusConflict, "PUT", qpath(src, "vote"), voters[0].token, vote(1))
	s.must(t, http.StatusConflict, "POST", qpath(src, "merge"), s.moderator(t), `{"into":"`+dst+`"}`)
	s.must(t, http.StatusConflict, "POST", qpath(ids[2], "merge"), s.moderator(t), `{"into":"`+src+`"}`) // into a merged one
	s.checkExact(t)

	log, _ := s.logEntries(t, "riverton")
	require.Equal(t, domain.ActionMerge, log[0].Action)
	require.Equal(t, src, log[0].TargetID)
	require.Equal(t, dst, log[0].RelatedID)
	require.Equal(t, domain.RoleModerator, log[0].ActorRole)
}

// The demo duplicates: Maria voted on both, Ana and Marcus only on the duplicate.
func TestMergeDemoDuplicateKeepsItsVersion(t *testing.T) {
	s := newStack(t)
	b := s.must(t, http.StatusOK, "POST", qpath(demo.DuplicateQuestionID, "merge"), s.cityAdmin(t), `{"into":"`+demo.MergeTargetID+`"}`)
	res := jsonOf[struct {
		Target         domain.Question
		Moved, Dropped int
	}](t, b)
	require.Equal(t, 2, res.Moved)
	require.Equal(t, 1, res.Dropped)
	require.Equal(t, 4, res.Target.Upvotes)
	require.Equal(t, 1, res.Target.Downvotes)
	var text string
	require.NoError(t, s.db.QueryRow(context.Background(),
		`SELECT text FROM question_versions WHERE question_id = $1 AND version = 1`, demo.DuplicateQuestionID).Scan(&text))
	require.Contains(t, text, "9th Avenue")
	s.checkExact(t)
	log, _ := s.logEntries(t, "riverton")
	require.Equal(t, domain.RoleCityAdmin, log[0].ActorRole)
}

// Votes keep arriving on both questions while the merge runs. Each voter votes on
// one side only, sequentially, so what they last saw accepted is known: afterwards
// the target holds exactly each voter's last accepted vote (a duplicate-only voter's
// vote moved once; a vote on the duplicate after the merge is refused), the
// counters equal the rows, and the ranking in Redis equals Postgres.
func TestMergeUnderConcurrentVotes(t *testing.T) {
	s := newStack(t)
	s.exec(t, `UPDATE cities SET votes_per_hour = 100000 WHERE id = $1`, demo.CityID)
	ids := s.addQuestions(t, 3)
	src, dst := ids[0], ids[1]
	_ = s.listAll(t, domain.SortTop)
	const perSide, rounds = 12, 40
	type outcome struct {
		sub  string
		side string
		last int // the last accepted value
	}
	results := make([]outcome, 2*perSide)
	tokens := make([]string, 2*perSide)
	for i := range results {
		side := "src"
		if i >= perSide {
			side = "dst"
		}
		results[i] = outcome{sub: fmt.Sprintf("race-voter-%02d", i), side: side}
		tokens[i] = s.issuer.IDToken(t, results[i].sub, nil)
	}
	var wg sync.WaitGroup
	var accepted, stopped atomic.Int64 // src votes accepted; src voters stopped by the merge
	start := make(chan struct{})
	errs := make(chan string, 2*perSide*rounds)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			q := src
			if results[i].side == "dst" {
				q = dst
			}
			for range rounds {
				v := rng.IntN(3) - 1
				status, body := s.do(t, "PUT", qpath(q, "vote"), tokens[i], vote(v))
				switch {
				case status == http.StatusOK:
					results[i].last = v
					if q == src {
						accepted.Add(1)
					}
				case status == http.StatusConflict && q == src:
					stopped.Add(1)
					return // merged: every later vote is refused too
				default:
					errs <- fmt.Sprintf("voter %d: %d %s", i, status, body)
					return
				}
			}
		}(i)
	}
	close(start)
	// Merge once a third of the duplicate's votes are in: the rest race the merge.
	for accepted.Load() < perSide*rounds/3 {
		time.Sleep(time.Millisecond)
	}
	b := s.must(t, http.StatusOK, "POST", qpath(src, "merge"), s.moderator(t), `{"into":"`+dst+`"}`)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	require.Positive(t, stopped.Load(), "the merge happened while votes on the duplicate were still coming")
	res := jsonOf[struct{ Moved, Dropped int }](t, b)
	require.Zero(t, res.Dropped, "no voter voted on both")
	rows := s.voteRows(t, dst)
	require.Empty(t, s.voteRows(t, src))
	moved := 0
	for _, r := range results {
		if r.last == 0 {
			require.NotContains(t, rows, r.sub, "voter %s cleared their vote", r.sub)
			continue
		}
		require.Equal(t, r.last, rows[r.sub], "voter %s (%s side)", r.sub, r.side)
		if r.side == "src" {
			moved++
		}
	}
	require.Equal(t, moved, res.Moved, "the merge moved the votes standing on the duplicate, each once")
	s.checkExact(t)
	s.checkRanking(t)
	t.Logf("merge during votes: %d src votes accepted, %d voters stopped by the merge, %d votes moved", accepted.Load(), stopped.Load(), res.Moved)
}

// A rejected question's author sees the code and text on /api/me, may appeal once
// (it goes back to the queue, on the log with the role "author"), and not twice.
func TestRejectAppealOnce(t *testing.T) {
	s := newStack(t)
	author := s.issuer.IDToken(t, "appeal-author", nil)
	other := s.issuer.IDToken(t, "appeal-bystander", nil)
	b := s.must(t, http.StatusCreated, "POST", "/api/cities/riverton/contests/"+demo.RaceContestID+"/questions", author,
		`{"text":"Will you keep the Eastbank pool open through the winter months?"}`)
	q := jsonOf[struct{ Question domain.Question }](t, b).Question
	require.Equal(t, domain.StatusPending, q.Status)

	inQueue := func() bool {
		items := jsonOf[struct{ Items []domain.QueueItem }](t,
			s.must(t, http.StatusOK, "GET", "/api/cities/riverton/moderation/queue?limit=50", s.moderator(t), ""))
		return slices.ContainsFunc(items.Items, func(it domain.QueueItem) bool { return it.TargetID == q.ID })
	}
	require.True(t, inQueue())

	reject := `{"reasonCode":"off-topic","reasonText":"Pools are run by the parks district."}`
	s.must(t, http.StatusBadRequest, "POST", qpath(q.ID, "reject"), s.moderator(t), `{"reasonCode":"rude","reasonText":"x"}`)
	s.must(t, http.StatusForbidden, "POST", qpath(q.ID, "reject"), s.lakeviewModerator(t), reject)
	s.must(t, http.StatusOK, "POST", qpath(q.ID, "reject"), s.moderator(t), reject)
	require.False(t, inQueue())

	me := jsonOf[domain.Me](t, s.must(t, http.StatusOK, "GET", "/api/me", author, ""))
	require.Len(t, me.Questions, 1)
	require.Equal(t, domain.StatusRejected, me.Questions[0].Status)
	require.Equal(t, "off-topic", me.Questions[0].RejectionCode)
	require.Equal(t, "Pools are run by the parks district.", me.Questions[0].RejectionReason)
	require.Nil(t, me.Questions[0].AppealedAt)

	s.must(t, http.StatusForbidden, "POST", qpath(q.ID, "appeal"), other, "")
	s.must(t, http.StatusOK, "POST", qpath(q.ID, "appeal"), author, "")
	require.True(t, inQueue(), "an appeal puts the question back in the queue")
	me = jsonOf[domain.Me](t, s.must(t, http.StatusOK, "GET", "/api/me", author, ""))
	require.Equal(t, domain.StatusPending, me.Questions[0].Status)
	require.NotNil(t, me.Questions[0].AppealedAt)
	s.must(t, http.StatusConflict, "POST", qpath(q.ID, "appeal"), author, "") // pending: nothing to appeal

	s.must(t, http.StatusOK, "POST", qpath(q.ID, "reject"), s.cityAdmin(t), `{"reasonCode":"off-topic","reasonText":"Still about the parks district."}`)
	b = s.must(t, http.StatusConflict, "POST", qpath(q.ID, "appeal"), author, "")
	require.Contains(t, string(b), "already been appealed")
	me = jsonOf[domain.Me](t, s.must(t, http.StatusOK, "GET", "/api/me", author, ""))
	require.Equal(t, "Still about the parks district.", me.Questions[0].RejectionReason)

	log, raw := s.logEntries(t, "riverton")
	var mine []string
	for _, e := range log {
		if e.TargetID == q.ID {
			mine = append(mine, e.ActorRole+":"+e.Action)
		}
	}
	require.Equal(t, []string{"city_admin:reject", "author:appeal", "moderator:reject"}, mine, "newest first")
	for i := 1; i < len(log); i++ {
		require.False(t, log[i].CreatedAt.After(log[i-1].CreatedAt), "log newest first")
	}
	// Roles only: no account id, subject, name or email of anyone.
	for _, secret := range []string{demo.ModeratorUserID, demo.CityAdminUserID, "appeal-author", "Sam Okafor",
		"Priya Raman", "sam.okafor", "actorId", "actor_id"} {
		require.NotContains(t, raw, secret)
	}
	var authorID string
	require.NoError(t, s.db.QueryRow(context.Background(), `SELECT id FROM users WHERE subject = 'appeal-author'`).Scan(&authorID))
	require.NotContains(t, raw, authorID)
}

// Content with the city's number of open reports is hidden until a moderator
// reviews it; each resident reports an item once.
func TestReportThresholdHides(t *testing.T) {
	s := newStack(t)
	s.exec(t, `UPDATE cities SET report_hide_threshold = 2 WHERE id = $1`, demo.CityID)
	ids := s.addQuestions(t, 3)
	q := ids[1]
	s.checkRanking(t)
	report := func(reason string) string {
		return `{"targetType":"question","targetId":"` + q + `","reason":"` + reason + `"}`
	}
	r1 := s.issuer.IDToken(t, "reporter-1", nil)
	r2 := s.issuer.IDToken(t, "reporter-2", nil)
	r3 := s.issuer.IDToken(t, "reporter-3", nil)

	s.must(t, http.StatusBadRequest, "POST", "/api/cities/riverton/reports", r1, report("boring"))
	s.must(t, http.StatusCreated, "POST", "/api/cities/riverton/reports", r1, report("spam"))
	before := s.fingerprint(t)
	s.must(t, http.StatusConflict, "POST", "/api/cities/riverton/reports", r1, report("threats"))
	require.Equal(t, before, s.fingerprint(t), "a repeated report changes nothing")
	s.must(t, http.StatusOK, "GET", qpath(q, ""), "", "")
	require.Contains(t, s.listAll(t, domain.SortTop), q, "one report of two: still shown")

	s.must(t, http.StatusCreated, "POST", "/api/cities/riverton/reports", r2, report("harassment"))
	require.NotContains(t, s.listAll(t, domain.SortTop), q, "hidden at the threshold")
	s.must(t, http.StatusNotFound, "GET", qpath(q, ""), "", "")
	s.must(t, http.StatusConflict, "PUT", qpath(q, "vote"), r3, vote(1))
	s.must(t, http.StatusNotFound, "POST", "/api/cities/riverton/reports", r3, report("spam"))
	s.checkRanking(t)

	items := jsonOf[struct{ Items []domain.QueueItem }](t,
		s.must(t, http.StatusOK, "GET", "/api/cities/riverton/moderation/queue?limit=50", s.moderator(t), "")).Items
	i := slices.IndexFunc(items, func(it domain.QueueItem) bool { return it.TargetID == q })
	require.GreaterOrEqual(t, i, 0, "the hidden question is in the queue")
	require.Equal(t, 2, items[i].OpenReports)
	require.True(t, items[i].Hidden)
	require.Equal(t, []string{"harassment", "spam"}, items[i].ReportReasons)

	// Dismissed: shown again, its reports closed; a new report counts from zero.
	review := `{"targetType":"question","targetId":"` + q + `","decision":"%s"%s}`
	s.must(t, http.StatusForbidden, "POST", "/api/cities/riverton/reports/decision", s.lakeviewModerator(t), fmt.Sprintf(review, "dismiss", ""))
	s.must(t, http.StatusOK, "POST", "/api/cities/riverton/reports/decision", s.moderator(t), fmt.Sprintf(review, "dismiss", ""))
	s.must(t, http.StatusConflict, "POST", "/api/cities/riverton/reports/decision", s.moderator(t), fmt.Sprintf(review, "dismiss", ""))
	require.Contains(t, s.listAll(t, domain.SortTop), q)
	s.checkRanking(t)
	s.must(t, http.StatusCreated, "POST", "/api/cities/riverton/reports", r3, report("spam"))
	require.Contains(t, s.listAll(t, domain.SortTop), q, "one open report after the review")

	// Upheld: the question is rejected with the code; its author sees why.
	s.must(t, http.StatusBadRequest, "POST", "/api/cities/riverton/reports/decision", s.moderator(t), fmt.Sprintf(review, "uphold", ""))
	s.must(t, http.StatusOK, "POST", "/api/cities/riverton/reports/decision", s.moderator(t),
		fmt.Sprintf(review, "uphold", `,"reasonCode":"spam","reasonText":"Posted many times."`))
	require.NotContains(t, s.listAll(t, domain.SortTop), q)
	s.checkRanking(t)
	var status, code string
	require.NoError(t, s.db.QueryRow(context.Background(), `SELECT status, rejection_code FROM questions WHERE id = $1`, q).Scan(&status, &code))
	require.Equal(t, "rejected/spam", status+"/"+code)

	log, _ := s.logEntries(t, "riverton")
	var actions []string
	for _, e := range log {
		if e.TargetID == q {
			actions = append(actions, e.ActorRole+":"+e.Action)
		}
	}
	require.Equal(t, []string{"moderator:uphold_report", "moderator:unhide", "moderator:dismiss_report", "system:hide"}, actions)
}

// A moderator of another city is refused everywhere in this one, and nothing changes.
func TestOtherCityModeratorChangesNothing(t *testing.T) {
	s := newStack(t)
	lv := s.lakeviewModerator(t)
	before := s.fingerprintAll(t)
	for _, req := range []struct{ method, path, body string }{
		{"GET", "/api/cities/riverton/moderation/queue", ""},
		{"POST", qpath(demo.PendingQuestionID, "approve"), ""},
		{"POST", qpath(demo.PendingQuestionID, "reject"), `{"reasonCode":"spam","reasonText":"Spam."}`},
		{"POST", qpath(demo.DuplicateQuestionID, "merge"), `{"into":"` + demo.MergeTargetID + `"}`},
		{"POST", "/api/cities/riverton/reports/decision", `{"targetType":"question","targetId":"` + demo.HiddenQuestionID + `","decision":"dismiss"}`},
		{"POST", "/api/cities/riverton/candidates/" + demo.ClaimedCandidateID + "/claim/decision", `{"decision":"approve"}`},
		{"PUT", "/api/cities/riverton/moderators/" + demo.NeighborUserID, ""},
		{"DELETE", "/api/cities/riverton/moderators/" + demo.ModeratorUserID, ""},
		{"GET", "/api/cities/riverton/claims", ""},
	} {
		status, body := s.do(t, req.method, req.path, lv, req.body)
		require.Equal(t, http.StatusForbidden, status, "%s %s: %s", req.method, req.path, body)
		e := jsonOf[struct{ Error struct{ Code string } }](t, body)
		require.Contains(t, []string{"not_city_moderator", "not_city_admin"}, e.Error.Code)
	}
	require.Equal(t, before, s.fingerprintAll(t))
	// And in their own city they moderate: a Lakeview question (moderation_mode auto).
	tok := s.issuer.IDToken(t, "lakeview-resident", nil)
	b := s.must(t, http.StatusCreated, "POST", "/api/cities/lakeview/contests/"+demo.LakeviewContestID+"/questions", tok,
		`{"text":"How will you keep the ferry running every day in winter?"}`)
	q := jsonOf[struct{ Question domain.Question }](t, b).Question
	s.must(t, http.StatusOK, "POST", "/api/cities/lakeview/questions/"+q.ID+"/reject", lv, `{"reasonCode":"other","reasonText":"Asked already."}`)
	s.must(t, http.StatusForbidden, "POST", "/api/cities/lakeview/questions/"+q.ID+"/approve", s.moderator(t), "")
}

// A claim approved by the city's admin shows the verified badge everywhere the
// candidate appears, and only the claimant may then act for the record.
func TestClaimApprovedGetsBadge(t *testing.T) {
	s := newStack(t)
	claimant := s.issuer.IDToken(t, "elena-vasquez", nil)
	rival := s.issuer.IDToken(t, "not-elena", nil)
	cand := "/api/cities/riverton/candidates/" + demo.UnclaimedCandidate
	s.must(t, http.StatusAccepted, "POST", cand+"/claim", claimant, `{"filingId":"RIV-2027-MAY-003"}`)
	s.must(t, http.StatusConflict, "POST", cand+"/claim", rival, `{"filingId":"RIV-2027-MAY-003"}`)
	s.must(t, http.StatusConflict, "POST", cand+"/claim", claimant, `{"filingId":"RIV-2027-MAY-003"}`)
	s.must(t, http.StatusForbidden, "PUT", cand, claimant, `{"bio":"Pending claims cannot edit."}`)

	// Warm the caches the badge shows in, then approve.
	badge := func() []bool {
		p := jsonOf[domain.CandidateProfile](t, s.must(t, http.StatusOK, "GET", cand, "", ""))
		c := jsonOf[domain.ContestPage](t, s.must(t, http.StatusOK, "GET", "/api/cities/riverton/contests/"+demo.RaceContestID, "", ""))
		bl := jsonOf[domain.Ballot](t, s.must(t, http.StatusOK, "GET", "/api/cities/riverton/ballot", "", ""))
		out := []bool{p.Candidate.Verified}
		for _, cd := range c.Contest.Candidates {
			if cd.ID == demo.UnclaimedCandidate {
				out = append(out, cd.Verified)
			}
		}
		for _, ct := range bl.Contests {
			for _, cd := range ct.Candidates {
				if cd.ID == demo.UnclaimedCandidate {
					out = append(out, cd.Verified)
				}
			}
		}
		return out
	}
	require.Equal(t, []bool{false, false, false}, badge())
	claims := jsonOf[struct{ Claims []domain.Claim }](t, s.must(t, http.StatusOK, "GET", "/api/cities/riverton/claims", s.cityAdmin(t), ""))
	require.True(t, slices.ContainsFunc(claims.Claims, func(c domain.Claim) bool {
		return c.CandidateID == demo.UnclaimedCandidate && c.FilingID == "RIV-2027-MAY-003"
	}))
	s.must(t, http.StatusForbidden, "POST", cand+"/claim/decision", s.moderator(t), `{"decision":"approve"}`)
	s.must(t, http.StatusOK, "POST", cand+"/claim/decision", s.cityAdmin(t), `{"decision":"approve"}`)
	require.Equal(t, []bool{true, true, true}, badge())

	me := jsonOf[domain.Me](t, s.must(t, http.StatusOK, "GET", "/api/me", claimant, ""))
	require.Equal(t, []domain.Candidacy{{CandidateID: demo.UnclaimedCandidate, City: "riverton", Name: "Elena Vasquez-Ruiz",
		Verification: domain.VerificationVerified}}, me.Candidacies)
	// Only the approved candidate of this record edits its profile.
	s.must(t, http.StatusOK, "PUT", cand, claimant, `{"bio":"Elena Vasquez-Ruiz directs Riverton Community Housing.","website":"https://elena.example"}`)
	s.must(t, http.StatusForbidden, "PUT", cand, rival, `{"bio":"Not hers."}`)
	otherCandidate := s.issuer.IDToken(t, demo.CandidateUserSubject, map[string]any{"email": "dana@whitfieldformayor.example"})
	s.must(t, http.StatusForbidden, "PUT", cand, otherCandidate, `{"bio":"Another candidate's record."}`)
	p := jsonOf[domain.CandidateProfile](t, s.must(t, http.StatusOK, "GET", cand, "", ""))
	require.Equal(t, "https://elena.example", p.Candidate.Website)

	// A rejected claim: the claimant sees the reason; the log shows the decision.
	marcus := "/api/cities/riverton/candidates/" + demo.ClaimedCandidateID
	s.must(t, http.StatusOK, "POST", marcus+"/claim/decision", s.cityAdmin(t),
		`{"decision":"reject","reasonCode":"filing-mismatch","reasonText":"The filing is for District 3."}`)
	me = jsonOf[domain.Me](t, s.must(t, http.StatusOK, "GET", "/api/me",
		s.issuer.IDToken(t, "demo-claimant", map[string]any{"email": "marcus@bellshardware.example"}), ""))
	require.Equal(t, domain.VerificationRejected, me.Candidacies[0].Verification)
	require.Equal(t, "The filing is for District 3.", me.Candidacies[0].Reason)
	log, _ := s.logEntries(t, "riverton")
	require.Equal(t, "city_admin reject_claim candidate filing-mismatch", strings.Join([]string{log[0].ActorRole, log[0].Action, log[0].TargetType, log[0].ReasonCode}, " "))
	// The rejected record can be claimed again.
	s.must(t, http.StatusAccepted, "POST", marcus+"/claim", rival, `{"filingId":"RIV-2027-MAY-002"}`)
}

// A city admin grants and revokes the moderator role for their city only.
func TestCityAdminGrantsModerator(t *testing.T) {
	s := newStack(t)
	ana := s.issuer.IDToken(t, "demo-neighbor", map[string]any{"email": "ana.lima@riverton.example"})
	approve := qpath(demo.PendingQuestionID, "approve")
	s.must(t, http.StatusForbidden, "POST", approve, ana, "")
	s.must(t, http.StatusForbidden, "PUT", "/api/cities/riverton/moderators/"+demo.NeighborUserID, s.moderator(t), "")
	b := s.must(t, http.StatusOK, "PUT", "/api/cities/riverton/moderators/"+demo.NeighborUserID, s.cityAdmin(t), "")
	require.Contains(t, string(b), `"changed":true`)
	b = s.must(t, http.StatusOK, "PUT", "/api/cities/riverton/moderators/"+demo.NeighborUserID, s.cityAdmin(t), "")
	require.Contains(t, string(b), `"changed":false`)
	mods := jsonOf[struct{ Moderators []domain.CityModerator }](t, s.must(t, http.StatusOK, "GET", "/api/cities/riverton/moderators", s.cityAdmin(t), ""))
	require.True(t, slices.ContainsFunc(mods.Moderators, func(m domain.CityModerator) bool {
		return m.UserID == demo.NeighborUserID && m.Role == domain.RoleModerator
	}))
	s.must(t, http.StatusOK, "POST", approve, ana, "")
	me := jsonOf[domain.Me](t, s.must(t, http.StatusOK, "GET", "/api/me", ana, ""))
	require.Equal(t, []domain.CityRole{{City: "riverton", Role: "moderator"}}, me.Roles)
	// Lakeview is not theirs.
	s.must(t, http.StatusForbidden, "GET", "/api/cities/lakeview/moderation/queue", ana, "")
	s.must(t, http.StatusForbidden, "PUT", "/api/cities/lakeview/moderators/"+demo.NeighborUserID, s.cityAdmin(t), "")

	s.must(t, http.StatusOK, "DELETE", "/api/cities/riverton/moderators/"+demo.NeighborUserID, s.cityAdmin(t), "")
	s.must(t, http.StatusForbidden, "POST", qpath(demo.PendingQuestion2ID, "approve"), ana, "")
	s.must(t, http.StatusNotFound, "PUT", "/api/cities/riverton/moderators/b1000000-0000-4000-8000-000000000099", s.cityAdmin(t), "")
}

// The queue lists pending questions and reported content oldest first, one item per
// question, and its pages add up to the whole queue without repeats.
func TestQueueOldestFirstInPages(t *testing.T) {
	s := newStack(t)
	mod := s.moderator(t)
	all := jsonOf[struct{ Items []domain.QueueItem }](t,
		s.must(t, http.StatusOK, "GET", "/api/cities/riverton/moderation/queue?limit=50", mod, "")).Items
	var got []string
	for i, it := range all {
		got = append(got, it.TargetID)
		if i > 0 {
			require.False(t, it.Since.Before(all[i-1].Since), "oldest first")
		}
	}
	// The demo desk: the reported and hidden questions, then the two pending ones,
	// plus the report of a mayor-race question (by when each started waiting).
	require.Equal(t, []string{demo.HiddenQuestionID, demo.ReportedQuestionID, demo.PendingQuestionID, demo.PendingQuestion2ID,
		"f1000000-0000-4000-8000-000000000001"}, got)
	var paged []string
	cursor := ""
	for range 10 {
		path := "/api/cities/riverton/moderation/queue?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		page := jsonOf[struct {
			Items []domain.QueueItem
			Next  string
		}](t, s.must(t, http.StatusOK, "GET", path, mod, ""))
		for _, it := range page.Items {
			paged = append(paged, it.TargetID)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	require.Equal(t, got, paged)
	s.must(t, http.StatusBadRequest, "GET", "/api/cities/riverton/moderation/queue?cursor=xyz", mod, "")
}

// Redis down: moderation still works (Postgres is the truth), lists are served from
// Postgres meanwhile, and after Redis comes back empty the ranking is rebuilt right.
func TestModerationWithRedisDown(t *testing.T) {
	s := newStack(t)
	ids := s.addQuestions(t, 4)
	s.checkRanking(t)
	s.redis.Stop()
	pending := s.insertQuestion(t, "Will you light the riverfront trail after dark?", "pending", "")
	s.must(t, http.StatusOK, "POST", qpath(ids[0], "reject"), s.moderator(t), `{"reasonCode":"spam","reasonText":"Spam."}`)
	s.must(t, http.StatusOK, "POST", qpath(ids[1], "merge"), s.moderator(t), `{"into":"`+ids[2]+`"}`)
	s.must(t, http.StatusOK, "POST", qpath(pending, "approve"), s.moderator(t), "")
	_, order := s.pgRanking(t)
	for _, sort := range domain.Sorts {
		require.Equal(t, order[sort], s.listAll(t, sort), "served from Postgres while Redis is down")
	}
	s.redis.Start()
	time.Sleep(2100 * time.Millisecond) // the breaker's cooldown
	s.checkExact(t)
	s.checkRanking(t)
}

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/domain"
)

// The first request of a new resident creates their user row exactly once, even
// when several first requests race; /me then lists their questions with the
// moderation status and reason.
func TestMeCreatesTheUserOnceAndListsQuestions(t *testing.T) {
	s := newStack(t)
	token := s.issuer.IDToken(t, "new-resident", nil)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body := s.do(t, "GET", "/api/me", token, "")
			require.Equal(t, http.StatusOK, status, string(body))
		}()
	}
	wg.Wait()
	var n int
	require.NoError(t, s.db.QueryRow(context.Background(), `SELECT count(*) FROM users WHERE subject = 'new-resident'`).Scan(&n))
	require.Equal(t, 1, n)

	status, body := s.do(t, "POST", "/api/cities/riverton/contests/"+demo.RaceContestID+"/questions", token,
		`{"text": "Will you publish every city contract over $50,000 online?", "tags": ["budget"]}`)
	require.Equal(t, http.StatusCreated, status, string(body))
	var asked struct{ Question domain.Question }
	require.NoError(t, json.Unmarshal(body, &asked))
	s.exec(t, `UPDATE questions SET status = 'rejected', rejection_code = 'off-topic',
		rejection_reason = 'Contracts are the council''s business, not the mayor''s.' WHERE id = $1`, asked.Question.ID)

	status, body = s.do(t, "GET", "/api/me", token, "")
	require.Equal(t, http.StatusOK, status, string(body))
	var me domain.Me
	require.NoError(t, json.Unmarshal(body, &me))
	require.Equal(t, "new-resident", me.Subject)
	require.True(t, me.EmailVerified)
	require.Empty(t, me.Roles)
	require.Len(t, me.Questions, 1)
	q := me.Questions[0]
	require.Equal(t, asked.Question.ID, q.ID)
	require.Equal(t, "riverton", q.City)
	require.Equal(t, domain.StatusRejected, q.Status)
	require.Equal(t, "off-topic", q.RejectionCode)
	require.Contains(t, q.RejectionReason, "council")
	require.Equal(t, 1, q.Upvotes, "the author's own up-vote")

	status, _ = s.do(t, "GET", "/api/me", "", "")
	require.Equal(t, http.StatusUnauthorized, status)
}

// A moderator sees the cities they moderate.
func TestMeShowsRolesPerCity(t *testing.T) {
	s := newStack(t)
	token := s.issuer.IDToken(t, demo.ModeratorUserSubject, map[string]any{"email": "sam.okafor@riverton.example"})
	status, body := s.do(t, "GET", "/api/me", token, "")
	require.Equal(t, http.StatusOK, status, string(body))
	var me domain.Me
	require.NoError(t, json.Unmarshal(body, &me))
	require.Equal(t, demo.ModeratorUserID, me.ID)
	require.Equal(t, []domain.CityRole{{City: "riverton", Role: "moderator"}}, me.Roles)
	require.Equal(t, "riverton", me.HomeCity)
}

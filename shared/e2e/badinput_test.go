package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/domain"
)

// fingerprint digests every row a resident's request could change.
func (s *stack) fingerprint(t *testing.T) string {
	t.Helper()
	var out []string
	for _, table := range []string{"users", "questions", "question_versions", "votes"} {
		var sum string
		require.NoError(t, s.db.QueryRow(context.Background(),
			`SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM `+table+` t`).Scan(&sum))
		out = append(out, table+"="+sum)
	}
	return strings.Join(out, " ")
}

// insertQuestion adds a question of the mayor race in the given state.
func (s *stack) insertQuestion(t *testing.T, text, status string, extra string) string {
	t.Helper()
	var id string
	require.NoError(t, s.db.QueryRow(context.Background(), `INSERT INTO questions
		(city_id, contest_id, author_id, text, normalized_text, status, rejection_code, merged_into_id, hidden)
		VALUES ($1, $2, $3, $4, $5, $6,
			CASE WHEN $6 = 'rejected' THEN 'off-topic' END,
			CASE WHEN $6 = 'merged' THEN 'f1000000-0000-4000-8000-000000000001'::uuid END,
			$7 = 'hidden')
		RETURNING id`, demo.CityID, demo.RaceContestID, demo.ResidentUserID, text, domain.NormalizeQuestion(text),
		status, extra).Scan(&id))
	return id
}

// Every malformed or refused request gets its precise 4xx and leaves the database
// exactly as it was: no question, version, vote, counter or user row changes.
func TestBadInputChangesNothing(t *testing.T) {
	s := newStack(t)
	pending := s.insertQuestion(t, "A pending question about the library budget?", "pending", "")
	rejected := s.insertQuestion(t, "A rejected question about something off topic?", "rejected", "")
	merged := s.insertQuestion(t, "A merged question about rents going up so fast?", "merged", "")
	hidden := s.insertQuestion(t, "A hidden question reported three times already?", "approved", "hidden")

	verified := s.issuer.IDToken(t, "bad-input-resident", nil)
	unverified := s.issuer.IDToken(t, "bad-input-unverified", map[string]any{"email_verified": false})
	otherAudience := s.issuer.IDToken(t, "bad-input-resident", map[string]any{"aud": "another-client"})
	expired := s.issuer.IDToken(t, "bad-input-resident", map[string]any{"exp": 1000000000})

	ask := "/api/cities/riverton/contests/" + demo.RaceContestID + "/questions"
	vote := func(q string) string { return "/api/cities/riverton/questions/" + q + "/vote" }
	q1 := "f1000000-0000-4000-8000-000000000001"
	long := func(n int) string { return strings.Repeat("x", n) }
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	okText := "How will you keep the branch libraries open on Sundays?"

	before := s.fingerprint(t)
	for _, tc := range []struct {
		name, method, path, token, body string
		status                          int
		code                            string
	}{
		{"ask: text too short", "POST", ask, verified, js(map[string]any{"text": "Too short"}), 400, "invalid_question"},
		{"ask: text too long", "POST", ask, verified, js(map[string]any{"text": long(501)}), 400, "invalid_question"},
		{"ask: context too long", "POST", ask, verified, js(map[string]any{"text": okText, "context": long(501)}), 400, "invalid_question"},
		{"ask: six tags", "POST", ask, verified, js(map[string]any{"text": okText, "tags": []string{"a", "b", "c", "d", "e", "f"}}), 400, "invalid_question"},
		{"ask: tag too long", "POST", ask, verified, js(map[string]any{"text": okText, "tags": []string{long(33)}}), 400, "invalid_question"},
		{"ask: tag with spaces", "POST", ask, verified, js(map[string]any{"text": okText, "tags": []string{"public safety"}}), 400, "invalid_question"},
		{"ask: text is a number", "POST", ask, verified, `{"text": 42}`, 400, "invalid_json"},
		{"ask: tags is a string", "POST", ask, verified, js(map[string]any{"text": okText, "tags": "housing"}), 400, "invalid_json"},
		{"ask: unknown field", "POST", ask, verified, js(map[string]any{"text": okText, "status": "approved"}), 400, "invalid_json"},
		{"ask: two objects", "POST", ask, verified, js(map[string]any{"text": okText}) + "{}", 400, "invalid_json"},
		{"ask: a list", "POST", ask, verified, `[]`, 400, "invalid_json"},
		{"ask: null", "POST", ask, verified, `null`, 400, "invalid_question"},
		{"ask: empty body", "POST", ask, verified, ``, 400, "invalid_json"},
		{"ask: not JSON", "POST", ask, verified, `{"text": "unterminated`, 400, "invalid_json"},
		{"ask: body over 8 KiB", "POST", ask, verified, js(map[string]any{"text": long(9000)}), 413, "body_too_large"},
		{"ask: unverified email", "POST", ask, unverified, js(map[string]any{"text": okText}), 403, "email_not_verified"},
		{"ask: duplicate", "POST", ask, verified, js(map[string]any{"text": "Rents in Riverton went up 30% in four years. What, specifically, would you do in your first year to keep people housed?"}), 409, "duplicate_question"},
		{"ask: unknown contest", "POST", "/api/cities/riverton/contests/00000000-0000-4000-8000-000000000000/questions", verified, js(map[string]any{"text": okText}), 404, "contest_not_found"},
		{"ask: another city's contest", "POST", "/api/cities/riverton/contests/" + demo.LakeviewContestID + "/questions", verified, js(map[string]any{"text": okText}), 404, "contest_not_found"},
		{"ask: malformed contest id", "POST", "/api/cities/riverton/contests/mayor/questions", verified, js(map[string]any{"text": okText}), 400, "invalid_contest_id"},
		{"ask: unknown city", "POST", "/api/cities/atlantis/contests/" + demo.RaceContestID + "/questions", verified, js(map[string]any{"text": okText}), 404, "city_not_found"},
		{"vote: 2", "PUT", vote(q1), verified, `{"value": 2}`, 400, "invalid_vote"},
		{"vote: -2", "PUT", vote(q1), verified, `{"value": -2}`, 400, "invalid_vote"},
		{"vote: 1.5", "PUT", vote(q1), verified, `{"value": 1.5}`, 400, "invalid_json"},
		{"vote: a string", "PUT", vote(q1), verified, `{"value": "1"}`, 400, "invalid_json"},
		{"vote: a boolean", "PUT", vote(q1), verified, `{"value": true}`, 400, "invalid_json"},
		{"vote: null", "PUT", vote(q1), verified, `{"value": null}`, 400, "invalid_vote"},
		{"vote: missing", "PUT", vote(q1), verified, `{}`, 400, "invalid_vote"},
		{"vote: unknown field", "PUT", vote(q1), verified, `{"value": 1, "user": "someone-else"}`, 400, "invalid_json"},
		{"vote: body too large", "PUT", vote(q1), verified, `{"value": 1` + strings.Repeat(" ", 300) + `}`, 413, "body_too_large"},
		{"vote: pending question", "PUT", vote(pending), verified, `{"value": 1}`, 409, "question_not_open"},
		{"vote: rejected question", "PUT", vote(rejected), verified, `{"value": 1}`, 409, "question_not_open"},
		{"vote: merged question", "PUT", vote(merged), verified, `{"value": 1}`, 409, "question_not_open"},
		{"vote: hidden question", "PUT", vote(hidden), verified, `{"value": 1}`, 409, "question_not_open"},
		{"vote: unknown question", "PUT", vote("00000000-0000-4000-8000-000000000000"), verified, `{"value": 1}`, 404, "question_not_found"},
		{"vote: another city's question", "PUT", "/api/cities/lakeview/questions/" + q1 + "/vote", verified, `{"value": 1}`, 404, "question_not_found"},
		{"vote: malformed id", "PUT", vote("42"), verified, `{"value": 1}`, 400, "invalid_question_id"},
		{"vote: unverified email", "PUT", vote(q1), unverified, `{"value": 1}`, 403, "email_not_verified"},
		{"vote: clearing nothing", "PUT", vote(q1), "", `{"value": 0}`, 401, ""},
		{"vote: token for another audience", "PUT", vote(q1), otherAudience, `{"value": 1}`, 401, ""},
		{"vote: expired token", "PUT", vote(q1), expired, `{"value": 1}`, 401, ""},
		{"vote: wrong method", "POST", vote(q1), verified, `{"value": 1}`, 405, "method_not_allowed"},
	} {
		status, body := s.do(t, tc.method, tc.path, tc.token, tc.body)
		require.Equal(t, tc.status, status, "%s: %s", tc.name, body)
		if tc.code != "" {
			var e struct {
				Error struct{ Code, Message string }
			}
			require.NoError(t, json.Unmarshal(body, &e), "%s: %s", tc.name, body)
			require.Equal(t, tc.code, e.Error.Code, "%s: %s", tc.name, body)
			require.NotEmpty(t, e.Error.Message, tc.name)
		}
		require.Equal(t, before, s.fingerprint(t), "%s changed the database", tc.name)
	}

	// And the same requests done right do change it: the checks above can fail.
	status, body := s.do(t, "PUT", vote(q1), verified, `{"value": 1}`)
	require.Equal(t, http.StatusOK, status, string(body))
	require.NotEqual(t, before, s.fingerprint(t))
	status, body = s.do(t, "POST", ask, verified, fmt.Sprintf(`{"text": %q, "tags": ["libraries"]}`, okText))
	require.Equal(t, http.StatusCreated, status, string(body))
}

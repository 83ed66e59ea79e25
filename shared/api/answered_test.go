package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/testenv"
)

// A ranked list says how many candidates published an answer to each question,
// counting only published answers, the same figure as the question's own page.
func TestListCountsPublishedAnswers(t *testing.T) {
	e := newEnv(t, testenv.RedisAddr(t))
	const q1 = "f1000000-0000-4000-8000-000000000001"
	var others []string
	e.exec(`INSERT INTO answers (city_id, question_id, candidate_id, status)
		SELECT $1, $2, id, 'processing' FROM candidates WHERE contest_id = $3`, demo.CityID, q1, demo.RaceContestID)
	// A published answer has its video (answers_video_published_check).
	e.exec(`WITH v AS (
			INSERT INTO videos (city_id, answer_id, source_bucket, source_key, source_etag)
			SELECT city_id, id, 'uploads', 'k', 'e' FROM answers WHERE question_id = $1 AND candidate_id = $2
			RETURNING id, answer_id)
		UPDATE answers a SET status = 'published', published_at = now(), video_id = v.id
		FROM v WHERE a.id = v.answer_id`, q1, demo.CandidateID)

	rec := e.get(t, "/api/cities/riverton/contests/"+demo.RaceContestID+"/questions?sort=new")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	list := decode[struct {
		Questions []api.ListedQuestion `json:"questions"`
	}](t, rec)
	require.NotEmpty(t, list.Questions)
	for _, q := range list.Questions {
		if q.ID == q1 {
			require.Equal(t, 1, q.Answered, "one published answer; the others are still processing")
		} else {
			others = append(others, q.ID)
			require.Zero(t, q.Answered, q.ID)
		}
	}
	require.Len(t, others, len(list.Questions)-1, "the answered question is listed")
	require.Contains(t, rec.Body.String(), `"answered":1`)

	rec = e.get(t, "/api/cities/riverton/questions/"+q1)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, 1, decode[domain.QuestionPage](t, rec).Answered)
}

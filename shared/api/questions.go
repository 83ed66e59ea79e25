package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/civicq/civicq/shared/cache"
	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/store"
)

const (
	policyTTL = 10 * time.Minute
	// Ranked lists and question pages move with every vote: shared caches keep them
	// only briefly.
	listCacheControl    = "public, max-age=5, s-maxage=5, stale-if-error=600"
	similarCacheControl = "public, max-age=30, s-maxage=30"
	privateCacheControl = "private, no-store"
	defaultPageSize     = 20
	maxPageSize         = 50
	maxSimilar          = 10
	maxCursorLen        = 256
)

// cityPolicy reads the city's rules through the cache (the slug is validated),
// writing 404 when there is no such city.
func cityPolicy(w http.ResponseWriter, r *http.Request, d *Deps) (domain.CityPolicy, bool) {
	slug, ok := citySlug(w, r)
	if !ok {
		return domain.CityPolicy{}, false
	}
	var p domain.CityPolicy
	body, err := d.Cache.City(r.Context(), slug, "policy.json", policyTTL, func(ctx context.Context) ([]byte, error) {
		p, err := d.Store.CityPolicy(ctx, slug)
		if err != nil {
			return nil, err
		}
		return json.Marshal(p)
	})
	if err == nil {
		p, err = decodePolicy(slug, body)
	}
	if err != nil {
		writeStoreError(w, r, d.Log, "city_not_found", "No city called \""+slug+"\" is on CivicQ.", err)
		return p, false
	}
	return p, true
}

// decodedPolicy is a city's policy with the cached bytes it was decoded from.
type decodedPolicy struct {
	raw    []byte
	policy domain.CityPolicy
}

// policies remembers each city's last decoded policy, per execution environment
// (a Lambda is one process). Entries are checked against the cached bytes, so
// functions sharing a process (the local gateway) cannot mislead each other.
var policies sync.Map // slug -> *decodedPolicy

// decodePolicy decodes a city's cached policy, remembering the last one per city:
// the cache's in-memory tier hands back the same bytes for a second at a time, so
// on a busy route the JSON is decoded when it changes rather than on every
// request (it was a tenth of the ranked list's handler time).
func decodePolicy(slug string, body []byte) (domain.CityPolicy, error) {
	if v, ok := policies.Load(slug); ok {
		if last := v.(*decodedPolicy); bytes.Equal(last.raw, body) {
			return last.policy, nil
		}
	}
	var p domain.CityPolicy
	if err := json.Unmarshal(body, &p); err != nil {
		return p, err
	}
	policies.Store(slug, &decodedPolicy{raw: body, policy: p})
	return p, nil
}

// cityAndID reads the city's policy and the UUID path parameter named param,
// writing the 4xx when either is wrong.
func cityAndID(w http.ResponseWriter, r *http.Request, d *Deps, param string) (domain.CityPolicy, string, bool) {
	policy, ok := cityPolicy(w, r, d)
	if !ok {
		return policy, "", false
	}
	id, ok := pathID(w, r, param)
	return policy, id, ok
}

// requireContest writes 404 unless the contest is the city's.
func requireContest(w http.ResponseWriter, r *http.Request, d *Deps, policy domain.CityPolicy, contestID string) bool {
	exists, err := d.Store.ContestInCity(r.Context(), policy.CityID, contestID)
	if err == nil && !exists {
		err = store.ErrNotFound
	}
	if err != nil {
		writeStoreError(w, r, d.Log, "contest_not_found", "No such contest in "+policy.Slug+".", err)
		return false
	}
	return true
}

// rankItem is what the ranking in Redis needs of a question.
func rankItem(q domain.Question) cache.RankItem {
	return cache.RankItem{QuestionID: q.ID, Seq: q.Seq, Scores: domain.Scores(q.RankInput())}
}

// ListedQuestion is a question in a ranked list, with its score and its parts, and
// how many of the contest's candidates published an answer ("answered by X of N").
type ListedQuestion struct {
	domain.Question
	Score    float64            `json:"score"`
	Why      domain.Explanation `json:"why"`
	Answered int                `json:"answered"`
}

// questionList is the list-questions response.
type questionList struct {
	Sort      domain.Sort      `json:"sort"`
	Questions []ListedQuestion `json:"questions"`
	Next      string           `json:"next,omitempty"`
	Total     int64            `json:"total"`
}

// ListQuestions serves GET /api/cities/{city}/contests/{contest}/questions?sort=
// top|new|hot|controversial&limit=&cursor=: a contest's approved questions in rank
// order from the Redis sorted set (rebuilt from Postgres on a miss), or computed
// from Postgres when Redis is unavailable.
func ListQuestions(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, contestID, ok := cityAndID(w, r, d, "contest")
		if !ok {
			return
		}
		q := listQuery(r.URL.RawQuery)
		sort, ok := domain.ParseSort(q.sort)
		if !ok {
			WriteError(w, http.StatusBadRequest, "invalid_sort", "sort must be top, new, hot or controversial.")
			return
		}
		limit := defaultPageSize
		if s := q.limit; s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > maxPageSize {
				WriteError(w, http.StatusBadRequest, "invalid_limit", "limit must be a whole number from 1 to 50.")
				return
			}
			limit = n
		}
		cursor := q.cursor
		if len(cursor) > maxCursorLen {
			WriteError(w, http.StatusBadRequest, "invalid_cursor", "The cursor is not one this list gave out.")
			return
		}
		key := "list:" + string(sort) + ":" + strconv.Itoa(limit) + ":" + cursor
		body, err := d.Cache.Recent(r.Context(), contestID, key, func(ctx context.Context) ([]byte, error) {
			return rankedPage(ctx, d, policy.CityID, contestID, sort, cursor, limit)
		})
		switch {
		case errors.Is(err, cache.ErrBadCursor):
			WriteError(w, http.StatusBadRequest, "invalid_cursor", "The cursor is not one this list gave out (or it is for another sort).")
		case err != nil:
			writeStoreError(w, r, d.Log, "contest_not_found", "No such contest in "+policy.Slug+".", err)
		default:
			writeCachedJSON(w, r, d.Log, body, listCacheControl)
		}
	})
}

// listParams are a ranked list's query parameters.
type listParams struct{ sort, limit, cursor string }

// listQuery reads them from a raw query as url.Values.Get would (the first value
// of each; a pair that does not decode is ignored), in one pass and without the
// map url.ParseQuery builds: this runs on every list read.
func listQuery(raw string) listParams {
	var p listParams
	var seen [3]bool
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(k, "%+") {
			var err error
			if k, err = url.QueryUnescape(k); err != nil {
				continue
			}
		}
		var dst *string
		var i int
		switch k {
		case "sort":
			dst, i = &p.sort, 0
		case "limit":
			dst, i = &p.limit, 1
		case "cursor":
			dst, i = &p.cursor, 2
		default:
			continue
		}
		if strings.ContainsAny(v, "%+") {
			var err error
			if v, err = url.QueryUnescape(v); err != nil {
				continue
			}
		}
		if !seen[i] {
			*dst, seen[i] = v, true
		}
	}
	return p
}

// rankedPage builds one page of a ranked list, compressed: the order from the
// contest's sorted set in Redis (rebuilt from Postgres on a miss), or computed from
// Postgres when Redis is unavailable; the questions themselves from Postgres.
func rankedPage(ctx context.Context, d *Deps, cityID, contestID string, sort domain.Sort, cursor string, limit int) ([]byte, error) {
	rebuild := func(ctx context.Context) ([]cache.RankItem, error) {
		qs, err := rankedQuestions(ctx, d, cityID, contestID)
		if err != nil {
			return nil, err
		}
		items := make([]cache.RankItem, len(qs))
		for i, q := range qs {
			items[i] = rankItem(q)
		}
		return items, nil
	}
	page, err := d.Cache.RankPage(ctx, contestID, sort, cursor, limit, rebuild)
	if errors.Is(err, cache.ErrRankUnavailable) {
		// Redis is down: rank the contest from Postgres, with the same cursor.
		var qs []domain.Question
		if qs, err = rankedQuestions(ctx, d, cityID, contestID); err == nil {
			ranked := make([]cache.RankedID, len(qs))
			for i, q := range qs {
				ranked[i] = cache.RankedID{ID: q.ID, Score: domain.Score(sort, q.RankInput())}
			}
			page, err = cache.PageOf(sort, ranked, cursor, limit)
		}
	}
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(page.Items))
	for i, it := range page.Items {
		ids[i] = it.ID
	}
	byID, err := d.Store.QuestionsByID(ctx, cityID, contestID, ids)
	if err != nil {
		return nil, err
	}
	answered, err := d.Store.PublishedAnswers(ctx, cityID, ids)
	if err != nil {
		return nil, err
	}
	now := d.Now()
	out := questionList{Sort: sort, Questions: make([]ListedQuestion, 0, len(ids)), Next: page.Next, Total: page.Total}
	for _, it := range page.Items {
		if q, ok := byID[it.ID]; ok { // gone since it was ranked (rejected, hidden): skip
			out.Questions = append(out.Questions, ListedQuestion{Question: q, Score: domain.Shown(it.Score),
				Why: domain.Explain(q.RankInput(), now).Shown(), Answered: answered[q.ID]})
		}
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return compress(body)
}

// rankedQuestions reads a contest's public questions, 404 when the contest is not
// the city's.
func rankedQuestions(ctx context.Context, d *Deps, cityID, contestID string) ([]domain.Question, error) {
	ok, err := d.Store.ContestInCity(ctx, cityID, contestID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, store.ErrNotFound
	}
	return d.Store.RankedQuestions(ctx, cityID, contestID)
}

// askResponse is what a new question's author gets back.
type askResponse struct {
	Question domain.Question          `json:"question"`
	Similar  []domain.SimilarQuestion `json:"similar"`
}

// AskQuestion serves POST /api/cities/{city}/contests/{contest}/questions: a
// verified resident's question to every candidate of a contest.
func AskQuestion(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := permit(w, r, d, Scope{})
		if !ok {
			return
		}
		policy, contestID, ok := cityAndID(w, r, d, "contest")
		if !ok {
			return
		}
		in, ok := decodeJSON[domain.AskInput](w, r)
		if !ok {
			return
		}
		in, problems := in.Clean()
		if len(problems) > 0 {
			writeErrorDetail(w, http.StatusBadRequest, ErrorDetail{Code: "invalid_question",
				Message: "The question breaks a rule: see fields.", Fields: problems})
			return
		}
		ctx := r.Context()
		if !requireContest(w, r, d, policy, contestID) {
			return
		}
		if !allow(w, r, d, policy.CityID+":"+id.Subject, cache.Limit{Name: "questions", Max: policy.QuestionsPerDay, Window: 24 * time.Hour}) {
			return
		}
		q, err := d.Store.AskQuestion(ctx, store.NewQuestion{
			CityID: policy.CityID, ContestID: contestID, Author: id.Identity, Input: in,
			Normalized: domain.NormalizeQuestion(in.Text), Status: policy.InitialStatus(),
		})
		var dup *store.DuplicateError
		switch {
		case errors.As(err, &dup):
			writeErrorDetail(w, http.StatusConflict, ErrorDetail{Code: "duplicate_question",
				Message: "This question has already been asked in this contest: vote for it instead.", ExistingQuestionID: dup.ExistingID})
			return
		case err != nil:
			writeStoreError(w, r, d.Log, "contest_not_found", "No such contest in "+policy.Slug+".", err)
			return
		}
		if q.Status == domain.StatusApproved {
			if err := d.Cache.RankSet(ctx, contestID, []cache.RankItem{rankItem(q)}); err != nil {
				d.Log.WarnContext(ctx, "ranking not updated", "question", q.ID, "error", err.Error())
			}
		}
		// Similar questions help the author see where the conversation already is; a
		// failure here must not hide that the question was stored.
		similar, err := d.Store.SimilarQuestions(ctx, contestID, in.Text, maxSimilar+1)
		if err != nil {
			d.Log.WarnContext(ctx, "similar questions", "error", err.Error())
		}
		resp := askResponse{Question: q, Similar: make([]domain.SimilarQuestion, 0, len(similar))}
		for _, s := range similar {
			if s.ID != q.ID && len(resp.Similar) < maxSimilar {
				resp.Similar = append(resp.Similar, s)
			}
		}
		w.Header().Set("Location", "/api/cities/"+policy.Slug+"/questions/"+q.ID)
		writeJSON(w, http.StatusCreated, privateCacheControl, resp)
	})
}

// allow applies a rate limit, writing 429 with Retry-After when it is exceeded.
// When Redis is unavailable the limit fails open (the cache counts and logs it).
func allow(w http.ResponseWriter, r *http.Request, d *Deps, subject string, l cache.Limit) bool {
	dec, err := d.Cache.Allow(r.Context(), subject, l)
	if err != nil || dec.Allowed {
		return true
	}
	secs := int((dec.RetryAfter + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	what := map[string]string{"questions": "questions a day", "votes": "votes an hour", "reports": "reports an hour"}[l.Name]
	WriteError(w, http.StatusTooManyRequests, "rate_limited",
		"You have reached this city's limit of "+strconv.Itoa(l.Max)+" "+what+". Try again in "+strconv.Itoa(secs)+" seconds.")
	return false
}

// SimilarQuestions serves GET /api/cities/{city}/contests/{contest}/questions/similar?q=:
// the live questions of the contest closest to what a resident is typing.
func SimilarQuestions(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, contestID, ok := cityAndID(w, r, d, "contest")
		if !ok {
			return
		}
		text := r.URL.Query().Get("q")
		if !utf8.ValidString(text) || utf8.RuneCountInString(text) > domain.QuestionMaxChars {
			WriteError(w, http.StatusBadRequest, "invalid_query", "q must be text of at most 500 characters.")
			return
		}
		ctx := r.Context()
		if !requireContest(w, r, d, policy, contestID) {
			return
		}
		similar, err := d.Store.SimilarQuestions(ctx, contestID, text, 5)
		if err != nil {
			writeStoreError(w, r, d.Log, "contest_not_found", "No such contest.", err)
			return
		}
		writeJSON(w, http.StatusOK, similarCacheControl, map[string]any{"similar": similar})
	})
}

// GetQuestion serves GET /api/cities/{city}/questions/{question}: the question,
// its versions, why it ranks where it does, and which candidates answered it. A
// merged question redirects to the one it was merged into.
func GetQuestion(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, questionID, ok := cityAndID(w, r, d, "question")
		if !ok {
			return
		}
		p, err := d.Store.QuestionPage(r.Context(), policy.CityID, questionID)
		if err != nil {
			writeStoreError(w, r, d.Log, "question_not_found", "No such question in "+policy.Slug+".", err)
			return
		}
		if p.Question.Status == domain.StatusMerged && p.Question.MergedInto != "" {
			target := "/api/cities/" + policy.Slug + "/questions/" + p.Question.MergedInto
			w.Header().Set("Location", target)
			writeJSON(w, http.StatusPermanentRedirect, listCacheControl, map[string]string{"mergedInto": p.Question.MergedInto, "location": target})
			return
		}
		p.Why = domain.Explain(p.Question.RankInput(), d.Now()).Shown()
		for _, c := range p.Candidates {
			if c.Answer != nil {
				resolvePlayback(d, &c.Answer.Playback)
			}
		}
		writeJSON(w, http.StatusOK, listCacheControl, p)
	})
}

// voteBody is the vote request: {"value": 1}, -1, or 0 to clear.
type voteBody struct {
	Value *int `json:"value"`
}

// voteResponse is the question's counters after the vote.
type voteResponse struct {
	QuestionID string `json:"questionId"`
	Value      int    `json:"value"`
	Changed    bool   `json:"changed"`
	Upvotes    int    `json:"upvotes"`
	Downvotes  int    `json:"downvotes"`
}

// Vote serves PUT /api/cities/{city}/questions/{question}/vote: a verified
// resident's vote. Repeating a vote changes nothing; 0 clears it.
func Vote(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := permit(w, r, d, Scope{})
		if !ok {
			return
		}
		policy, questionID, ok := cityAndID(w, r, d, "question")
		if !ok {
			return
		}
		body, ok := decodeJSON[voteBody](w, r)
		if !ok {
			return
		}
		if body.Value == nil || !domain.VoteValue(*body.Value) {
			writeErrorDetail(w, http.StatusBadRequest, ErrorDetail{Code: "invalid_vote", Message: "value must be 1 (up), -1 (down) or 0 (clear).",
				Fields: []domain.FieldError{{Field: "value", Message: "must be 1, -1 or 0"}}})
			return
		}
		if !allow(w, r, d, policy.CityID+":"+id.Subject, cache.Limit{Name: "votes", Max: policy.VotesPerHour, Window: time.Hour}) {
			return
		}
		ctx := r.Context()
		res, err := d.Store.Vote(ctx, policy.CityID, questionID, id.Identity, *body.Value)
		switch {
		case errors.Is(err, store.ErrNotVotable):
			WriteError(w, http.StatusConflict, "question_not_open", "This question is "+res.NotVotable+": only approved questions take votes.")
			return
		case err != nil:
			writeStoreError(w, r, d.Log, "question_not_found", "No such question in "+policy.Slug+".", err)
			return
		}
		if res.Outcome == "changed" {
			// After the commit: the ranking follows Postgres, never leads it. A failure
			// leaves the sorted set to be rebuilt (the cache marks it).
			if err := d.Cache.RankSet(ctx, res.Question.ContestID, []cache.RankItem{rankItem(res.Question)}); err != nil {
				d.Log.WarnContext(ctx, "ranking not updated", "question", questionID, "error", err.Error())
			}
		}
		writeJSON(w, http.StatusOK, privateCacheControl, voteResponse{QuestionID: questionID, Value: *body.Value,
			Changed: res.Outcome == "changed", Upvotes: res.Question.Upvotes, Downvotes: res.Question.Downvotes})
	})
}

// MyVote serves GET /api/cities/{city}/questions/{question}/vote: the caller's own
// vote, kept out of the public (cached) question page.
func MyVote(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := permit(w, r, d, Scope{})
		if !ok {
			return
		}
		policy, questionID, ok := cityAndID(w, r, d, "question")
		if !ok {
			return
		}
		ctx := r.Context()
		exists, err := d.Store.QuestionExists(ctx, policy.CityID, questionID)
		if err == nil && !exists {
			err = store.ErrNotFound
		}
		if err != nil {
			writeStoreError(w, r, d.Log, "question_not_found", "No such question in "+policy.Slug+".", err)
			return
		}
		v, err := d.Store.MyVote(ctx, policy.CityID, questionID, id.Subject)
		if err != nil {
			writeStoreError(w, r, d.Log, "question_not_found", "No such question.", err)
			return
		}
		writeJSON(w, http.StatusOK, privateCacheControl, map[string]any{"questionId": questionID, "value": v})
	})
}

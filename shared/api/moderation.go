package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/civicq/civicq/shared/cache"
	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/store"
)

// Moderation of questions, per city: the queue, approve, reject, merge, the
// author's appeal, and the public log. Every change is one store transaction that
// also appends to the log; the Redis ranking then follows the question's new state.

const logCacheControl = "public, max-age=30, s-maxage=30, stale-if-error=600"

// moderatorOf reads the city and the UUID path parameter named param and admits a
// moderator (or admin) of that city, writing the 4xx otherwise.
func staffOf(w http.ResponseWriter, r *http.Request, d *Deps, param string) (domain.CityPolicy, string, Caller, bool) {
	policy, ok := cityPolicy(w, r, d)
	if !ok {
		return policy, "", Caller{}, false
	}
	c, ok := permit(w, r, d, Scope{CityID: policy.CityID})
	if !ok {
		return policy, "", c, false
	}
	var id string
	if param != "" {
		if id, ok = pathID(w, r, param); !ok {
			return policy, "", c, false
		}
	}
	return policy, id, c, true
}

// syncRank brings the contest's ranked lists in step with a question after a
// moderation change (seq-guarded: a late update cannot undo it). A Redis failure
// is logged; the contest is then rebuilt from Postgres (the cache marks it).
func syncRank(ctx context.Context, d *Deps, m store.Moderated) {
	q := m.Question
	var err error
	if m.Listed {
		err = d.Cache.RankSet(ctx, q.ContestID, []cache.RankItem{rankItem(q)})
	} else {
		err = d.Cache.RankRemove(ctx, q.ContestID, q.ID, q.Seq)
	}
	if err != nil {
		d.Log.WarnContext(ctx, "ranking not updated", "question", q.ID, "error", err.Error())
	}
}

// writeModerationError answers a store error of a moderation change.
func writeModerationError(w http.ResponseWriter, r *http.Request, d *Deps, slug string, err error) {
	var dup *store.DuplicateError
	switch c, isConflict := store.AsConflict(err); {
	case isConflict:
		WriteError(w, http.StatusConflict, c.Code, c.Message)
	case errors.As(err, &dup):
		writeErrorDetail(w, http.StatusConflict, ErrorDetail{Code: "duplicate_question",
			Message: "The same question is live again in this contest.", ExistingQuestionID: dup.ExistingID})
	case errors.Is(err, store.ErrTargetNotFound):
		WriteError(w, http.StatusNotFound, "target_not_found", "No question to merge into with that id in "+slug+".")
	case errors.Is(err, store.ErrNotAuthor):
		WriteError(w, http.StatusForbidden, "not_your_question", "Only the question's author may appeal its rejection.")
	default:
		writeStoreError(w, r, d.Log, "question_not_found", "No such question in "+slug+".", err)
	}
}

// moderatedResponse is a question after a moderation change.
type moderatedResponse struct {
	Question domain.Question `json:"question"`
	Listed   bool            `json:"listed"`
}

// ApproveQuestion serves POST /api/cities/{city}/questions/{question}/approve: a
// moderator of the city publishes a pending question.
func ApproveQuestion(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, questionID, c, ok := staffOf(w, r, d, "question")
		if !ok {
			return
		}
		m, err := d.Store.ApproveQuestion(r.Context(), c.actor(), policy.CityID, questionID)
		if err != nil {
			writeModerationError(w, r, d, policy.Slug, err)
			return
		}
		syncRank(r.Context(), d, m)
		writeJSON(w, http.StatusOK, privateCacheControl, moderatedResponse{Question: m.Question, Listed: m.Listed})
	})
}

// RejectQuestion serves POST /api/cities/{city}/questions/{question}/reject
// {"reasonCode", "reasonText"}: a moderator of the city rejects a pending or
// approved question; the author sees the code and text on /api/me.
func RejectQuestion(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, questionID, c, ok := staffOf(w, r, d, "question")
		if !ok {
			return
		}
		in, ok := decodeClean(w, r, "invalid_rejection", domain.RejectInput.Clean)
		if !ok {
			return
		}
		m, err := d.Store.RejectQuestion(r.Context(), c.actor(), policy.CityID, questionID, in)
		if err != nil {
			writeModerationError(w, r, d, policy.Slug, err)
			return
		}
		syncRank(r.Context(), d, m)
		writeJSON(w, http.StatusOK, privateCacheControl, moderatedResponse{Question: m.Question, Listed: m.Listed})
	})
}

// mergeResponse is what a merge did.
type mergeResponse struct {
	Source  domain.Question `json:"source"`
	Target  domain.Question `json:"target"`
	Moved   int             `json:"moved"`
	Dropped int             `json:"dropped"`
}

// MergeQuestion serves POST /api/cities/{city}/questions/{question}/merge
// {"into": "<question id>"}: a moderator merges a duplicate into another question
// of the same contest. Votes move where the voter has not voted on the target; the
// merged question then redirects there.
func MergeQuestion(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, questionID, c, ok := staffOf(w, r, d, "question")
		if !ok {
			return
		}
		in, ok := decodeClean(w, r, "invalid_merge", domain.MergeInput.Clean)
		if !ok {
			return
		}
		if in.Into == questionID {
			writeErrorDetail(w, http.StatusBadRequest, ErrorDetail{Code: "invalid_merge", Message: "A question cannot be merged into itself.",
				Fields: []domain.FieldError{{Field: "into", Message: "must be another question"}}})
			return
		}
		res, err := d.Store.MergeQuestion(r.Context(), c.actor(), policy.CityID, questionID, in.Into, in.ReasonText)
		if err != nil {
			writeModerationError(w, r, d, policy.Slug, err)
			return
		}
		syncRank(r.Context(), d, res.Source)
		syncRank(r.Context(), d, res.Target)
		w.Header().Set("Location", "/api/cities/"+policy.Slug+"/questions/"+in.Into)
		writeJSON(w, http.StatusOK, privateCacheControl, mergeResponse{Source: res.Source.Question, Target: res.Target.Question,
			Moved: res.Moved, Dropped: res.Dropped})
	})
}

// AppealQuestion serves POST /api/cities/{city}/questions/{question}/appeal: the
// author of a rejected question asks, once, for another review; it goes back to
// the queue, and the appeal is on the public log.
func AppealQuestion(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := permit(w, r, d, Scope{})
		if !ok {
			return
		}
		policy, questionID, ok := cityAndID(w, r, d, "question")
		if !ok {
			return
		}
		m, err := d.Store.Appeal(r.Context(), c.Identity, policy.CityID, questionID)
		if err != nil {
			writeModerationError(w, r, d, policy.Slug, err)
			return
		}
		writeJSON(w, http.StatusOK, privateCacheControl, moderatedResponse{Question: m.Question, Listed: m.Listed})
	})
}

// page reads ?limit= (1 to 50, default 20) and ?cursor= (a keyset cursor),
// writing 400 when either is malformed.
func page(w http.ResponseWriter, r *http.Request) (store.Keyset, int, bool) {
	q := r.URL.Query()
	limit := defaultPageSize
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageSize {
			WriteError(w, http.StatusBadRequest, "invalid_limit", "limit must be a whole number from 1 to 50.")
			return store.Keyset{}, 0, false
		}
		limit = n
	}
	var k store.Keyset
	if s := q.Get("cursor"); s != "" {
		t, id, ok := domain.DecodeKeyset(s)
		if !ok {
			WriteError(w, http.StatusBadRequest, "invalid_cursor", "The cursor is not one this list gave out.")
			return k, 0, false
		}
		k = store.Keyset{Time: t, ID: id}
	}
	return k, limit, true
}

// queueResponse is one page of the moderation queue.
type queueResponse struct {
	Items []domain.QueueItem `json:"items"`
	Next  string             `json:"next,omitempty"`
}

// ModerationQueue serves GET /api/cities/{city}/moderation/queue?limit=&cursor=:
// pending questions and reported content of the city, oldest first.
func ModerationQueue(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, _, _, ok := staffOf(w, r, d, "")
		if !ok {
			return
		}
		after, limit, ok := page(w, r)
		if !ok {
			return
		}
		items, err := d.Store.ModerationQueue(r.Context(), policy.CityID, after, limit+1)
		if err != nil {
			writeStoreError(w, r, d.Log, "city_not_found", "No such city.", err)
			return
		}
		resp := queueResponse{Items: items}
		if len(items) > limit {
			resp.Items = items[:limit]
			last := resp.Items[limit-1]
			resp.Next = domain.EncodeKeyset(last.Since, last.TargetID)
		}
		writeJSON(w, http.StatusOK, privateCacheControl, resp)
	})
}

// logResponse is one page of the public moderation log.
type logResponse struct {
	City    string            `json:"city"`
	Entries []domain.LogEntry `json:"entries"`
	Next    string            `json:"next,omitempty"`
}

// ModerationLog serves GET /api/cities/{city}/moderation/log?limit=&cursor=: every
// moderation decision of the city, newest first, with the actor's role (never who),
// the action, its target, its reason and when. Anyone may read it.
func ModerationLog(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, ok := cityPolicy(w, r, d)
		if !ok {
			return
		}
		before, limit, ok := page(w, r)
		if !ok {
			return
		}
		entries, err := d.Store.ModerationLog(r.Context(), policy.CityID, before, limit+1)
		if err != nil {
			writeStoreError(w, r, d.Log, "city_not_found", "No such city.", err)
			return
		}
		resp := logResponse{City: policy.Slug, Entries: entries}
		if len(entries) > limit {
			resp.Entries = entries[:limit]
			last := resp.Entries[limit-1]
			resp.Next = domain.EncodeKeyset(last.CreatedAt, last.ID)
		}
		writeJSON(w, http.StatusOK, logCacheControl, resp)
	})
}

// decodeClean decodes a JSON body of type T strictly and cleans it, writing 400
// with every invalid field (code badCode) when a rule is broken.
func decodeClean[T any](w http.ResponseWriter, r *http.Request, badCode string, clean func(T) (T, []domain.FieldError)) (T, bool) {
	in, ok := decodeJSON[T](w, r)
	if !ok {
		return in, false
	}
	in, problems := clean(in)
	if len(problems) > 0 {
		writeErrorDetail(w, http.StatusBadRequest, ErrorDetail{Code: badCode,
			Message: "The request breaks a rule: see fields.", Fields: problems})
		return in, false
	}
	return in, true
}

package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/civicq/civicq/shared/cache"
	"github.com/civicq/civicq/shared/store"
)

// Deps are what handlers are built from. The runtime builds them once per
// execution environment; tests build them against the real test servers.
type Deps struct {
	Function string
	Store    *store.Store
	Cache    *cache.Cache // nil: no Redis, every read goes to Postgres
	Log      *slog.Logger
	Now      func() time.Time
	// Uploads presigns candidates' video uploads (request-answer-upload).
	Uploads Uploads
	// MediaBaseURL is the URL serving the media bucket's keys ("": the site's
	// own origin, where CloudFront serves /media/*).
	MediaBaseURL string
}

// Constructor builds one route's handler.
type Constructor func(*Deps) http.Handler

// Handlers maps each route-table name to its handler constructor, each wrapped so
// that its row's permission rule is enforced (authz.go). The route test checks
// that every row of routes.Table has one. The local stack and the tests build from
// it; a function's main passes its one constructor to the runtime instead, so its
// binary holds its own handler and not the other routes'.
func Handlers() map[string]Constructor {
	m := Constructors()
	for name, build := range m {
		m[name] = WithRule(name, build)
	}
	return m
}

// Constructors maps each route-table name to its handler constructor as written
// (without the permission rule WithRule adds).
func Constructors() map[string]Constructor {
	return map[string]Constructor{
		"health":        Health,
		"list-cities":   ListCities,
		"get-ballot":    Ballot,
		"get-contest":   Contest,
		"get-candidate": Candidate,

		"list-questions":    ListQuestions,
		"ask-question":      AskQuestion,
		"similar-questions": SimilarQuestions,
		"get-question":      GetQuestion,
		"vote-question":     Vote,
		"get-my-vote":       MyVote,
		"get-me":            Me,

		"update-candidate":       UpdateCandidate,
		"claim-candidate":        ClaimCandidate,
		"decide-claim":           DecideClaim,
		"list-claims":            ListClaims,
		"moderation-queue":       ModerationQueue,
		"moderation-log":         ModerationLog,
		"approve-question":       ApproveQuestion,
		"reject-question":        RejectQuestion,
		"merge-question":         MergeQuestion,
		"appeal-question":        AppealQuestion,
		"report-content":         ReportContent,
		"review-reports":         ReviewReports,
		"list-moderators":        ListModerators,
		"grant-moderator":        GrantModerator,
		"revoke-moderator":       RevokeModerator,
		"request-answer-upload":  RequestAnswerUpload,
		"get-answer-progress":    AnswerProgress,
		"list-candidate-answers": CandidateAnswers,
	}
}

package api

import (
	"context"
	"net/http"

	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/routes"
	"github.com/civicq/civicq/shared/store"
)

// Permissions: the one place where a route's rule (the Who of its row in
// shared/routes) is enforced. Handlers never name a rule: it comes from the row.
//
// It happens in two steps, both here:
//
//  1. WithRule wraps every handler (in Handlers, and in each function's main
//     through the runtime): it decides what the token alone can (401 without a
//     caller on a route that needs one, 403 when the rule needs a verified
//     email) before the handler runs, and puts the rule in the request.
//  2. permit, called by every handler that needs the caller, decides the per-city
//     and candidate rules from Postgres once the handler knows where the request
//     acts: the city, and for CandidateOfRecord the candidate record (or the
//     contest in which the caller's own record is the one acted for, e.g. an answer
//     to a question of that contest).
//
// A refusal writes 401 or 403 with a JSON error whose code is one of
// PermissionCodes, before anything is written to the database.

// Error codes of permission refusals (and only of them: a handler's own 403s, such
// as "not your question", use other codes).
const (
	codeUnauthenticated  = "unauthenticated"
	codeEmailNotVerified = "email_not_verified"
	codeNotModerator     = "not_city_moderator"
	codeNotCityAdmin     = "not_city_admin"
	codeNotCandidate     = "not_candidate_of_record"
)

// PermissionCodes are the error codes permit and WithRule answer with; the permission
// matrix test tells a permission refusal from any other answer by them.
var PermissionCodes = []string{codeUnauthenticated, codeEmailNotVerified, codeNotModerator, codeNotCityAdmin, codeNotCandidate}

// Scope is where a request acts, for the per-city and candidate rules.
type Scope struct {
	CityID string
	// CandidateID is the candidate record the request acts for (CandidateOfRecord),
	// or ContestID the contest in which the caller's own approved record is the one
	// it acts for (when the request names a question, not a candidate).
	CandidateID string
	ContestID   string
}

// Caller is an admitted caller.
type Caller struct {
	domain.Identity
	// SignedIn is false only on routes that admit anyone.
	SignedIn bool
	// Set for the per-city and candidate rules:
	UserID      string // the caller's user row
	Role        string // domain.RoleCityAdmin or RoleModerator: what the public log names
	CandidateID string // the candidate record the caller acts for (CandidateOfRecord)
}

// grant is what WithRule leaves in the request for permit.
type grant struct {
	rule     routes.Rule
	id       domain.Identity
	signedIn bool
}

type grantKey struct{}

// WithRule wraps the constructor of the route named name with the first step.
func WithRule(name string, build Constructor) Constructor {
	row, found := routes.ByName(name)
	return func(d *Deps) http.Handler {
		h := build(d)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !found || !knownRule(row.Who) {
				// A route without a rule admits no one (the registry test fails first).
				d.Log.ErrorContext(r.Context(), "route has no permission rule", "route", name)
				WriteError(w, http.StatusInternalServerError, "internal", "Something went wrong on our side. It has been logged.")
				return
			}
			id, signedIn := callerFrom(r)
			if !tokenAdmits(w, row.Who, id, signedIn) {
				return
			}
			h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), grantKey{}, grant{rule: row.Who, id: id, signedIn: signedIn})))
		})
	}
}

func knownRule(r routes.Rule) bool {
	switch r {
	case routes.Anyone, routes.SignedIn, routes.Verified, routes.CandidateOfRecord, routes.CityModerator, routes.CityAdmin:
		return true
	}
	return false
}

// tokenAdmits decides what the token alone decides, writing the refusal.
func tokenAdmits(w http.ResponseWriter, rule routes.Rule, id domain.Identity, signedIn bool) bool {
	if rule == routes.Anyone {
		return true
	}
	if !signedIn {
		WriteError(w, http.StatusUnauthorized, codeUnauthenticated, "Sign in to do this.")
		return false
	}
	// Every rule above SignedIn needs a verified email: residents to ask, vote and
	// report; candidates and city staff because their roles are tied to the account.
	if rule != routes.SignedIn && (!id.EmailVerified || id.Email == "") {
		WriteError(w, http.StatusForbidden, codeEmailNotVerified, "Verify your email address before you do this.")
		return false
	}
	return true
}

// permit admits the caller of the request under its route's rule, or writes 401,
// 403 (or 503 when the database is down) and returns false. For Anyone, SignedIn
// and Verified the scope is not needed (pass Scope{}); for CityModerator and
// CityAdmin it needs CityID; for CandidateOfRecord CityID and CandidateID or
// ContestID.
func permit(w http.ResponseWriter, r *http.Request, d *Deps, scope Scope) (Caller, bool) {
	g, ok := r.Context().Value(grantKey{}).(grant)
	if !ok {
		d.Log.ErrorContext(r.Context(), "permit called outside a WithRule handler")
		WriteError(w, http.StatusInternalServerError, "internal", "Something went wrong on our side. It has been logged.")
		return Caller{}, false
	}
	c := Caller{Identity: g.id, SignedIn: g.signedIn}
	switch g.rule {
	case routes.Anyone, routes.SignedIn, routes.Verified:
		return c, true // decided by the token (WithRule)
	}
	if scope.CityID == "" || (g.rule == routes.CandidateOfRecord && scope.CandidateID == "" && scope.ContestID == "") {
		d.Log.ErrorContext(r.Context(), "permit called without the scope its rule needs", "rule", string(g.rule))
		WriteError(w, http.StatusInternalServerError, "internal", "Something went wrong on our side. It has been logged.")
		return c, false
	}
	st, err := d.Store.Standing(r.Context(), g.id.Subject, scope.CityID, scope.CandidateID, scope.ContestID)
	if err != nil {
		writeStoreError(w, r, d.Log, "not_found", "Not found.", err)
		return c, false
	}
	c.UserID = st.UserID
	switch {
	case st.CityAdmin:
		c.Role = domain.RoleCityAdmin
	case st.Moderator:
		c.Role = domain.RoleModerator
	}
	switch g.rule {
	case routes.CityModerator:
		if c.Role == "" {
			WriteError(w, http.StatusForbidden, codeNotModerator, "Only this city's moderators may do this.")
			return c, false
		}
	case routes.CityAdmin:
		if !st.CityAdmin {
			WriteError(w, http.StatusForbidden, codeNotCityAdmin, "Only this city's administrators may do this.")
			return c, false
		}
	case routes.CandidateOfRecord:
		if st.CandidateID == "" {
			WriteError(w, http.StatusForbidden, codeNotCandidate, "Only the candidate whose claim of this record was approved may do this.")
			return c, false
		}
		c.CandidateID = st.CandidateID
	}
	return c, true
}

// actor is the admitted moderator or admin as the store logs them.
func (c Caller) actor() store.Actor { return store.Actor{UserID: c.UserID, Role: c.Role} }

package api

import (
	"net/http"

	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/store"
)

// Candidate claims and profiles: a verified resident claims a candidate record
// with their filing id; the city's admin approves (the verified badge) or rejects
// it with a reason on the public log; the approved candidate edits their profile.

// candidateOf reads the city and the {candidate} path parameter.
func candidateOf(w http.ResponseWriter, r *http.Request, d *Deps) (domain.CityPolicy, string, bool) {
	return cityAndID(w, r, d, "candidate")
}

// writeClaimError answers a store error of a claim or profile change.
func writeClaimError(w http.ResponseWriter, r *http.Request, d *Deps, slug string, err error) {
	if c, ok := store.AsConflict(err); ok {
		WriteError(w, http.StatusConflict, c.Code, c.Message)
		return
	}
	writeStoreError(w, r, d.Log, "candidate_not_found", "No such candidate in "+slug+".", err)
}

// invalidateCity drops the city's cached pages (ballot, contests, candidates) after
// a change they show; a Redis failure is logged, the entries expire anyway.
func invalidateCity(r *http.Request, d *Deps, slug string) {
	if err := d.Cache.InvalidateCity(r.Context(), slug); err != nil {
		d.Log.WarnContext(r.Context(), "city cache not invalidated", "city", slug, "error", err.Error())
	}
}

// ClaimCandidate serves POST /api/cities/{city}/candidates/{candidate}/claim
// {"filingId"}: a verified resident claims a candidate record; the claim waits for
// the city's admin (202). One account holds a record at a time (409 otherwise).
func ClaimCandidate(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := permit(w, r, d, Scope{})
		if !ok {
			return
		}
		policy, candidateID, ok := candidateOf(w, r, d)
		if !ok {
			return
		}
		in, ok := decodeClean(w, r, "invalid_claim", domain.ClaimInput.Clean)
		if !ok {
			return
		}
		cand, err := d.Store.ClaimCandidate(r.Context(), c.Identity, policy.CityID, candidateID, in.FilingID)
		if err != nil {
			writeClaimError(w, r, d, policy.Slug, err)
			return
		}
		writeJSON(w, http.StatusAccepted, privateCacheControl, map[string]any{"candidacy": cand})
	})
}

// DecideClaim serves POST /api/cities/{city}/candidates/{candidate}/claim/decision
// {"decision": "approve"|"reject", "reasonCode", "reasonText"}: the city's admin
// decides a pending claim; an approved candidate shows the verified badge.
func DecideClaim(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, candidateID, c, ok := staffOf(w, r, d, "candidate")
		if !ok {
			return
		}
		in, ok := decodeClean(w, r, "invalid_decision", domain.ClaimDecision.Clean)
		if !ok {
			return
		}
		cand, err := d.Store.DecideClaim(r.Context(), c.actor(), policy.CityID, candidateID, in)
		if err != nil {
			writeClaimError(w, r, d, policy.Slug, err)
			return
		}
		invalidateCity(r, d, policy.Slug)
		writeJSON(w, http.StatusOK, privateCacheControl, map[string]any{"candidacy": cand})
	})
}

// ListClaims serves GET /api/cities/{city}/claims: the city's pending claims for
// its admins, oldest first, with the filing ids to check.
func ListClaims(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, _, _, ok := staffOf(w, r, d, "")
		if !ok {
			return
		}
		claims, err := d.Store.PendingClaims(r.Context(), policy.CityID)
		if err != nil {
			writeStoreError(w, r, d.Log, "city_not_found", "No such city.", err)
			return
		}
		writeJSON(w, http.StatusOK, privateCacheControl, map[string]any{"claims": claims})
	})
}

// UpdateCandidate serves PUT /api/cities/{city}/candidates/{candidate} {"bio",
// "website", "photoUrl"}: the candidate whose claim of this record was approved,
// and only they, edit their public profile.
func UpdateCandidate(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, candidateID, ok := candidateOf(w, r, d)
		if !ok {
			return
		}
		if _, ok := permit(w, r, d, Scope{CityID: policy.CityID, CandidateID: candidateID}); !ok {
			return
		}
		in, ok := decodeClean(w, r, "invalid_profile", domain.ProfileInput.Clean)
		if !ok {
			return
		}
		if err := d.Store.UpdateProfile(r.Context(), policy.CityID, candidateID, in); err != nil {
			writeClaimError(w, r, d, policy.Slug, err)
			return
		}
		invalidateCity(r, d, policy.Slug)
		p, err := d.Store.Candidate(r.Context(), policy.Slug, candidateID)
		if err != nil {
			writeClaimError(w, r, d, policy.Slug, err)
			return
		}
		writeJSON(w, http.StatusOK, privateCacheControl, p)
	})
}

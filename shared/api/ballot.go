package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/store"
)

// Cache lifetimes. Redis entries live as long as the reference design's (they are
// invalidated explicitly on writes); CloudFront and browsers keep responses only
// briefly, since they are not invalidated on every write.
const (
	ballotTTL    = time.Hour
	contestTTL   = time.Hour
	candidateTTL = 30 * time.Minute
	citiesTTL    = 24 * time.Hour

	browserMaxAge = 60
	cdnMaxAge     = 300
)

// citySlug reads and validates the {city} path parameter, writing a 400 when it is
// malformed.
func citySlug(w http.ResponseWriter, r *http.Request) (string, bool) {
	slug := r.PathValue("city")
	if !domain.ValidSlug(slug) {
		WriteError(w, http.StatusBadRequest, "invalid_city", "The city in the URL must be a slug such as \"riverton\": lower-case letters, digits and hyphens.")
		return "", false
	}
	return slug, true
}

// pathID reads and validates a UUID path parameter, writing a 400 when it is malformed.
func pathID(w http.ResponseWriter, r *http.Request, name string) (string, bool) {
	id, ok := domain.ParseID(r.PathValue(name))
	if !ok {
		WriteError(w, http.StatusBadRequest, "invalid_"+name+"_id", "The "+name+" id in the URL must be a UUID such as 7d7c1c2e-5f6a-4b8e-9a41-0c2f3e4d5a6b.")
		return "", false
	}
	return id, true
}

// marshal is the loader half of cache-aside: run the query, encode the result as
// JSON, compress it once for every reader that follows.
func marshal[T any](query func(ctx context.Context) (T, error)) func(ctx context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		v, err := query(ctx)
		if err != nil {
			return nil, err
		}
		body, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return compress(body)
	}
}

// Ballot serves GET /api/cities/{city}/ballot: the city's current or upcoming
// election with every contest, candidate and measure, in display order.
func Ballot(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slug, ok := citySlug(w, r)
		if !ok {
			return
		}
		body, err := d.Cache.City(r.Context(), slug, "ballot.json.gz", ballotTTL, marshal(func(ctx context.Context) (domain.Ballot, error) {
			return d.Store.Ballot(ctx, slug)
		}))
		if errors.Is(err, store.ErrNoElection) {
			WriteError(w, http.StatusNotFound, "no_upcoming_election", "CivicQ has no current or upcoming election for "+slug+" yet.")
			return
		}
		if err != nil {
			writeStoreError(w, r, d.Log, "city_not_found", "No city called \""+slug+"\" is on CivicQ.", err)
			return
		}
		writeCachedJSON(w, r, d.Log, body, browserMaxAge, cdnMaxAge)
	})
}

// Contest serves GET /api/cities/{city}/contests/{contest}.
func Contest(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slug, ok := citySlug(w, r)
		if !ok {
			return
		}
		id, ok := pathID(w, r, "contest")
		if !ok {
			return
		}
		body, err := d.Cache.City(r.Context(), slug, "contest:"+id+".json.gz", contestTTL, marshal(func(ctx context.Context) (domain.ContestPage, error) {
			return d.Store.Contest(ctx, slug, id)
		}))
		if err != nil {
			writeStoreError(w, r, d.Log, "contest_not_found", "No such contest in "+slug+".", err)
			return
		}
		writeCachedJSON(w, r, d.Log, body, browserMaxAge, cdnMaxAge)
	})
}

// Candidate serves GET /api/cities/{city}/candidates/{candidate}.
func Candidate(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slug, ok := citySlug(w, r)
		if !ok {
			return
		}
		id, ok := pathID(w, r, "candidate")
		if !ok {
			return
		}
		body, err := d.Cache.City(r.Context(), slug, "candidate:"+id+".json.gz", candidateTTL, marshal(func(ctx context.Context) (domain.CandidateProfile, error) {
			return d.Store.Candidate(ctx, slug, id)
		}))
		if err != nil {
			writeStoreError(w, r, d.Log, "candidate_not_found", "No such candidate in "+slug+".", err)
			return
		}
		writeCachedJSON(w, r, d.Log, body, browserMaxAge, cdnMaxAge)
	})
}

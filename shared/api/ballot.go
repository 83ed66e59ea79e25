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

	// Browsers keep a city's data a minute, CloudFront five; stale-if-error lets
	// CloudFront keep serving the ballot through a backend outage.
	readCacheControl = "public, max-age=60, s-maxage=300, stale-while-revalidate=60, stale-if-error=86400"
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

// cityRead serves a public read of one city's data: it validates the {city} slug
// and, when idParam is set, that UUID parameter; reads through the city's cache;
// and writes the compressed JSON with its Cache-Control. notFound is the error code
// for a missing row ("contest_not_found").
func cityRead[T any](d *Deps, idParam, name string, ttl time.Duration, notFound string,
	query func(ctx context.Context, slug, id string) (T, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slug, ok := citySlug(w, r)
		if !ok {
			return
		}
		var id string
		key := name + ".json.gz"
		if idParam != "" {
			if id, ok = pathID(w, r, idParam); !ok {
				return
			}
			key = name + ":" + id + ".json.gz"
		}
		body, err := d.Cache.City(r.Context(), slug, key, ttl, marshal(func(ctx context.Context) (T, error) {
			return query(ctx, slug, id)
		}))
		switch {
		case errors.Is(err, store.ErrNoElection):
			WriteError(w, http.StatusNotFound, "no_upcoming_election", "CivicQ has no current or upcoming election for "+slug+" yet.")
		case errors.Is(err, store.ErrNotFound) && idParam == "":
			WriteError(w, http.StatusNotFound, "city_not_found", "No city called \""+slug+"\" is on CivicQ.")
		case err != nil:
			writeStoreError(w, r, d.Log, notFound, "No such "+idParam+" in "+slug+".", err)
		default:
			writeCachedJSON(w, r, d.Log, body, readCacheControl)
		}
	})
}

// Ballot serves GET /api/cities/{city}/ballot: the city's current or upcoming
// election with every contest, candidate and measure, in display order.
func Ballot(d *Deps) http.Handler {
	return cityRead(d, "", "ballot", ballotTTL, "city_not_found",
		func(ctx context.Context, slug, _ string) (domain.Ballot, error) { return d.Store.Ballot(ctx, slug) })
}

// Contest serves GET /api/cities/{city}/contests/{contest}: one contest with its
// candidates or its measure.
func Contest(d *Deps) http.Handler {
	return cityRead(d, "contest", "contest", contestTTL, "contest_not_found", d.Store.Contest)
}

// Candidate serves GET /api/cities/{city}/candidates/{candidate}: one candidate's
// profile with the contest they run in and their published answers (playback
// URLs, duration, provenance hash). The transcoder invalidates the city's cache
// when it publishes one.
func Candidate(d *Deps) http.Handler {
	return cityRead(d, "candidate", "candidate", candidateTTL, "candidate_not_found",
		func(ctx context.Context, slug, id string) (domain.CandidateProfile, error) {
			p, err := d.Store.Candidate(ctx, slug, id)
			for i := range p.Answers {
				resolvePlayback(d, &p.Answers[i].Playback)
			}
			return p, err
		})
}

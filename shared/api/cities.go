package api

import (
	"context"
	"net/http"

	"github.com/civicq/civicq/shared/domain"
)

// citiesPage is the list-cities response.
type citiesPage struct {
	Cities []domain.CitySummary `json:"cities"`
}

// ListCities serves GET /api/cities: every city with its next election.
func ListCities(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := d.Cache.Global(r.Context(), "cities.json.gz", citiesTTL, marshal(func(ctx context.Context) (citiesPage, error) {
			cities, err := d.Store.ListCities(ctx)
			return citiesPage{Cities: cities}, err
		}))
		if err != nil {
			writeStoreError(w, r, d.Log, "not_found", "Not found.", err)
			return
		}
		writeCachedJSON(w, r, d.Log, body, readCacheControl)
	})
}

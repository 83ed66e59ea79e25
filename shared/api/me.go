package api

import (
	"net/http"
)

// Me serves GET /api/me: the caller's profile, roles per city, candidate claims and
// their own questions with moderation status and reasons. The first authenticated
// request creates the user row from the token's claims.
func Me(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := permit(w, r, d, Scope{})
		if !ok {
			return
		}
		me, err := d.Store.Me(r.Context(), id.Identity)
		if err != nil {
			writeStoreError(w, r, d.Log, "not_found", "Not found.", err)
			return
		}
		writeJSON(w, http.StatusOK, privateCacheControl, me)
	})
}

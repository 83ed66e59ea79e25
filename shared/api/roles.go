package api

import (
	"net/http"

	"github.com/civicq/civicq/shared/domain"
)

// Roles per city: a city admin grants and revokes the moderator role for their
// own city only. (The first admin of a city is made with scripts/cityadmin.)

// ListModerators serves GET /api/cities/{city}/moderators: who moderates the city.
func ListModerators(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, _, _, ok := staffOf(w, r, d, "")
		if !ok {
			return
		}
		mods, err := d.Store.Moderators(r.Context(), policy.CityID)
		if err != nil {
			writeStoreError(w, r, d.Log, "city_not_found", "No such city.", err)
			return
		}
		writeJSON(w, http.StatusOK, privateCacheControl, map[string]any{"city": policy.Slug, "moderators": mods})
	})
}

// roleResponse says what a grant or revoke did.
type roleResponse struct {
	City    string `json:"city"`
	UserID  string `json:"userId"`
	Role    string `json:"role"`
	Held    bool   `json:"held"`    // whether the user holds the role now
	Changed bool   `json:"changed"` // false when it already was so
}

// GrantModerator serves PUT /api/cities/{city}/moderators/{user}: the city's admin
// makes a user (by the id /api/me shows them) a moderator of the city.
func GrantModerator(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, userID, c, ok := staffOf(w, r, d, "user")
		if !ok {
			return
		}
		changed, err := d.Store.GrantModerator(r.Context(), c.UserID, policy.CityID, userID)
		if err != nil {
			writeStoreError(w, r, d.Log, "user_not_found", "No CivicQ account has that id (the person must sign in once first).", err)
			return
		}
		writeJSON(w, http.StatusOK, privateCacheControl, roleResponse{City: policy.Slug, UserID: userID,
			Role: domain.RoleModerator, Held: true, Changed: changed})
	})
}

// RevokeModerator serves DELETE /api/cities/{city}/moderators/{user}: the city's
// admin takes the moderator role of the city from a user.
func RevokeModerator(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, userID, _, ok := staffOf(w, r, d, "user")
		if !ok {
			return
		}
		changed, err := d.Store.RevokeModerator(r.Context(), policy.CityID, userID)
		if err != nil {
			writeStoreError(w, r, d.Log, "user_not_found", "No CivicQ account has that id.", err)
			return
		}
		writeJSON(w, http.StatusOK, privateCacheControl, roleResponse{City: policy.Slug, UserID: userID,
			Role: domain.RoleModerator, Held: false, Changed: changed})
	})
}

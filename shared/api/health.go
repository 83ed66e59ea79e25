package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/civicq/civicq/shared/domain"
)

// Health serves GET /api/health. Postgres is required (503 without it); Redis is
// optional (the API keeps serving from Postgres), so its loss only degrades.
func Health(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		h := domain.Health{Status: "ok", Checks: map[string]string{}, Function: d.Function, Time: d.Now().UTC()}
		status := http.StatusOK
		if err := d.Store.Ping(ctx); err != nil {
			h.Status, h.Checks["postgres"] = "unavailable", "unreachable"
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "5")
			d.Log.ErrorContext(ctx, "health: postgres", "error", err.Error())
		} else {
			h.Checks["postgres"] = "ok"
		}
		switch err := d.Cache.Ping(ctx); {
		case d.Cache == nil:
			h.Checks["redis"] = "disabled"
		case err != nil:
			h.Checks["redis"] = "unreachable"
			if status == http.StatusOK {
				h.Status = "degraded"
			}
		default:
			h.Checks["redis"] = "ok"
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(h)
	})
}

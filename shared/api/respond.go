// Package api holds CivicQ's HTTP handlers, one file per resource. Each takes its
// dependencies as a *Deps and is plain net/http: the shared runtime adapts it to
// API Gateway events, so handlers never see AWS types.
package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/store"
)

// ErrorBody is the JSON error envelope every route answers with:
// {"error": {"code": "city_not_found", "message": "..."}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is a machine-readable code and a sentence for people, with what a
// client needs to act on some errors.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Fields lists every invalid field of a request body (400 invalid_*).
	Fields []domain.FieldError `json:"fields,omitempty"`
	// ExistingQuestionID names the question a duplicate repeats (409).
	ExistingQuestionID string `json:"existingQuestionId,omitempty"`
}

// WriteError writes the error envelope. Errors are never cached by CloudFront.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	writeErrorDetail(w, status, ErrorDetail{Code: code, Message: message})
}

func writeErrorDetail(w http.ResponseWriter, status int, e ErrorDetail) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(ErrorBody{Error: e})
}

// writeJSON writes a JSON body with the given status and Cache-Control.
func writeJSON(w http.ResponseWriter, status int, cacheControl string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, "internal", "Something went wrong on our side. It has been logged.")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", cacheControl)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// retryAfterSeconds is what a 503 tells clients to wait: long enough for a proxy
// failover, short enough that a resident retrying by hand is not kept waiting.
const retryAfterSeconds = 5

// writeStoreError turns a store error into the right response: 404 for what does
// not exist, 503 with Retry-After when the database is down, 500 (logged, with no
// detail leaked to the client) for anything else.
func writeStoreError(w http.ResponseWriter, r *http.Request, log *slog.Logger, notFoundCode, notFoundMsg string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		WriteError(w, http.StatusNotFound, notFoundCode, notFoundMsg)
	case errors.Is(err, store.ErrUnavailable):
		log.ErrorContext(r.Context(), "database unavailable", "error", err.Error())
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		WriteError(w, http.StatusServiceUnavailable, "unavailable", "The service is briefly unavailable. Please try again in a few seconds.")
	default:
		log.ErrorContext(r.Context(), "request failed", "error", err.Error())
		WriteError(w, http.StatusInternalServerError, "internal", "Something went wrong on our side. It has been logged.")
	}
}

package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/civicq/civicq/shared/cache"
	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/store"
)

// Reports: residents report a public question or answer (once each); at the
// city's threshold of open reports it is hidden until a moderator dismisses or
// upholds the reports.

// reportsPerHour bounds one resident's reports in one city.
const reportsPerHour = 30

// ReportContent serves POST /api/cities/{city}/reports {"targetType":
// "question"|"answer", "targetId", "reason", "details"}: a verified resident
// reports content, with a reason from the fixed list. 409 on a second report of
// the same item.
func ReportContent(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := permit(w, r, d, Scope{})
		if !ok {
			return
		}
		policy, ok := cityPolicy(w, r, d)
		if !ok {
			return
		}
		in, ok := decodeClean(w, r, "invalid_report", domain.ReportInput.Clean)
		if !ok {
			return
		}
		if !allow(w, r, d, policy.CityID+":"+c.Subject, cache.Limit{Name: "reports", Max: reportsPerHour, Window: time.Hour}) {
			return
		}
		res, err := d.Store.Report(r.Context(), c.Identity, policy.CityID, in)
		switch {
		case errors.Is(err, store.ErrAlreadyReported):
			WriteError(w, http.StatusConflict, "already_reported", "You have already reported this "+in.TargetType+": moderators will review it.")
			return
		case err != nil:
			writeStoreError(w, r, d.Log, in.TargetType+"_not_found", "No such public "+in.TargetType+" in "+policy.Slug+".", err)
			return
		}
		if res.Question != nil {
			syncRank(r.Context(), d, *res.Question)
		} else if res.Hidden {
			invalidateCity(r, d, policy.Slug) // an answer's pages are cached with the city
		}
		writeJSON(w, http.StatusCreated, privateCacheControl, map[string]any{
			"targetType": in.TargetType, "targetId": in.TargetID, "reason": in.Reason})
	})
}

// ReviewReports serves POST /api/cities/{city}/reports/decision {"targetType",
// "targetId", "decision": "dismiss"|"uphold", "reasonCode", "reasonText"}: a
// moderator of the city settles every open report of one item.
func ReviewReports(d *Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		policy, _, c, ok := staffOf(w, r, d, "")
		if !ok {
			return
		}
		in, ok := decodeClean(w, r, "invalid_review", domain.ReviewInput.Clean)
		if !ok {
			return
		}
		res, err := d.Store.ReviewReports(r.Context(), c.actor(), policy.CityID, in)
		if cf, isConflict := store.AsConflict(err); isConflict {
			WriteError(w, http.StatusConflict, cf.Code, cf.Message)
			return
		} else if err != nil {
			writeStoreError(w, r, d.Log, in.TargetType+"_not_found", "No such "+in.TargetType+" in "+policy.Slug+".", err)
			return
		}
		resp := map[string]any{"targetType": in.TargetType, "targetId": in.TargetID, "decision": in.Decision, "closed": res.Closed}
		if res.Question != nil {
			syncRank(r.Context(), d, *res.Question)
			resp["question"] = res.Question.Question
		} else {
			invalidateCity(r, d, policy.Slug)
		}
		writeJSON(w, http.StatusOK, privateCacheControl, resp)
	})
}

package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/civicq/civicq/shared/domain"
)

// Reports: residents report a public question or answer once each; at the city's
// threshold of open reports the item is hidden until a moderator reviews it, and
// the moderator's review closes every open report of the item at once.

// ErrAlreadyReported means the caller has reported this item before (409).
var ErrAlreadyReported = errors.New("store: already reported")

// reportTarget is the reported item, read under its row lock.
type reportTarget struct {
	question *lockedQuestion // set for a question
	hidden   bool
	// public: what residents can see (an approved question, a published answer,
	// not hidden), and so what they can report.
	public bool
}

// lockTarget locks a question or answer of the city; ErrNotFound when there is none.
func lockTarget(ctx context.Context, tx pgx.Tx, cityID, targetType, targetID string) (reportTarget, error) {
	var t reportTarget
	if targetType == domain.TargetQuestion {
		q, err := lockQuestion(ctx, tx, cityID, targetID)
		if err != nil {
			return t, err
		}
		t.question, t.hidden, t.public = &q, q.Hidden, q.Status == domain.StatusApproved && !q.Hidden
		return t, nil
	}
	var status string
	err := tx.QueryRow(ctx, `SELECT status, hidden FROM answers WHERE city_id = $1 AND id = $2 FOR UPDATE`,
		cityID, targetID).Scan(&status, &t.hidden)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, ErrNotFound
	}
	t.public = status == "published" && !t.hidden
	return t, err
}

// setHidden hides or shows an item again; a question's seq moves, since it leaves
// or rejoins the ranked lists.
func setHidden(ctx context.Context, tx pgx.Tx, t *reportTarget, targetType, targetID string, hidden bool) error {
	if t.question != nil {
		return scanLocked(tx.QueryRow(ctx, `UPDATE questions q SET hidden = $2, vote_seq = q.vote_seq + 1, updated_at = now()
			WHERE q.id = $1 RETURNING `+lockedColumns, targetID, hidden), t.question)
	}
	_, err := tx.Exec(ctx, `UPDATE answers SET hidden = $2, updated_at = now() WHERE id = $1`, targetID, hidden)
	return err
}

// ReportResult is what a report did.
type ReportResult struct {
	OpenReports int
	// Hidden is true when this report reached the threshold and hid the item.
	Hidden bool
	// Question is the reported question's new state when it was hidden (for the ranking).
	Question *Moderated
}

// Report records a resident's report of a public question or answer of the city.
// ErrAlreadyReported: this caller reported it before, whatever its state since
// (nothing changes). ErrNotFound: no such public item. When the open reports reach the city's
// report_hide_threshold, the item is hidden in the same transaction and the hiding
// is logged as the system's.
func (s *Store) Report(ctx context.Context, reporter domain.Identity, cityID string, in domain.ReportInput) (ReportResult, error) {
	var res ReportResult
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		// The item's row lock serializes its reports, so exactly one report crosses
		// the threshold.
		t, err := lockTarget(ctx, tx, cityID, in.TargetType, in.TargetID)
		if err != nil {
			return err
		}
		var again bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM reports r JOIN users u ON u.id = r.reporter_id
				WHERE u.subject = $1 AND r.target_type = $2 AND r.target_id = $3)`,
			reporter.Subject, in.TargetType, in.TargetID).Scan(&again); err != nil {
			return err
		}
		if again {
			return ErrAlreadyReported
		}
		if !t.public {
			return ErrNotFound
		}
		var reporterID string
		if err := tx.QueryRow(ctx, `SELECT civicq_user($1, $2, $3)`,
			reporter.Subject, reporter.Email, reporter.EmailVerified).Scan(&reporterID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO reports (city_id, reporter_id, target_type, target_id, reason, details)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (reporter_id, target_type, target_id) DO NOTHING`,
			cityID, reporterID, in.TargetType, in.TargetID, in.Reason, in.Details)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrAlreadyReported // a race with their own report; rolls the user row back too
		}
		var threshold int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM reports WHERE city_id = $1 AND target_type = $2
				AND target_id = $3 AND status = 'open')::int, c.report_hide_threshold FROM cities c WHERE c.id = $1`,
			cityID, in.TargetType, in.TargetID).Scan(&res.OpenReports, &threshold); err != nil {
			return err
		}
		if !domain.ShouldHide(res.OpenReports, threshold) || t.hidden {
			return nil
		}
		if err := setHidden(ctx, tx, &t, in.TargetType, in.TargetID, true); err != nil {
			return err
		}
		res.Hidden = true
		if t.question != nil {
			m := moderated(*t.question)
			res.Question = &m
		}
		return logAction(ctx, tx, cityID, Actor{Role: domain.RoleSystem}, domain.ActionHide, in.TargetType, in.TargetID, "",
			domain.CodeReportThreshold, "")
	})
	return res, classify("report", err)
}

// ReviewResult is what a review of an item's reports did.
type ReviewResult struct {
	Closed int // open reports closed
	// Question is the reviewed question's new state (for the ranking), nil for an answer.
	Question *Moderated
}

// ReviewReports settles the open reports of one item. Dismiss: the reports are
// closed and a hidden item is shown again. Uphold: the reports are closed and a
// question still pending or approved is rejected with the code and text (its
// author sees them and may appeal); an answer stays hidden (answers are on the
// record: never deleted). A *ConflictError when the item has no open reports.
func (s *Store) ReviewReports(ctx context.Context, actor Actor, cityID string, in domain.ReviewInput) (ReviewResult, error) {
	var res ReviewResult
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		t, err := lockTarget(ctx, tx, cityID, in.TargetType, in.TargetID)
		if err != nil {
			return err
		}
		status, action := "dismissed", domain.ActionDismiss
		if in.Decision == domain.DecisionUphold {
			status, action = "upheld", domain.ActionUphold
		}
		n, err := resolveReports(ctx, tx, cityID, in.TargetType, in.TargetID, status, actor.UserID)
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict("no_open_reports", "This "+in.TargetType+" has no open reports to review.")
		}
		res.Closed = int(n)
		if err := logAction(ctx, tx, cityID, actor, action, in.TargetType, in.TargetID, "", in.ReasonCode, in.ReasonText); err != nil {
			return err
		}
		switch {
		case in.Decision == domain.DecisionDismiss && t.hidden:
			if err := setHidden(ctx, tx, &t, in.TargetType, in.TargetID, false); err != nil {
				return err
			}
			if err := logAction(ctx, tx, cityID, actor, domain.ActionUnhide, in.TargetType, in.TargetID, "", in.ReasonCode, ""); err != nil {
				return err
			}
		case in.Decision == domain.DecisionUphold && t.question != nil && domain.CanReject(t.question.Status):
			if err := rejectLocked(ctx, tx, t.question, in.ReasonCode, in.ReasonText); err != nil {
				return err
			}
		case in.Decision == domain.DecisionUphold && t.question == nil && !t.hidden:
			if err := setHidden(ctx, tx, &t, in.TargetType, in.TargetID, true); err != nil {
				return err
			}
		}
		if t.question != nil {
			m := moderated(*t.question)
			res.Question = &m
		}
		return nil
	})
	return res, classify("review reports", err)
}

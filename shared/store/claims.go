package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/civicq/civicq/shared/domain"
)

// Candidate claims: a verified resident claims a candidate record with the filing
// id the elections office gave them; one account holds a record at a time; the
// city's admin approves (the record gets its verified badge and only that account
// may act for it) or rejects with a reason, on the public log.

// ClaimCandidate records the caller's claim of a candidate record of the city, as
// pending. A record already claimed (pending or approved) by anyone is refused with
// a *ConflictError; an unclaimed or rejected one may be claimed.
func (s *Store) ClaimCandidate(ctx context.Context, claimant domain.Identity, cityID, candidateID, filingID string) (domain.Candidacy, error) {
	var c domain.Candidacy
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		var holder *string
		err := tx.QueryRow(ctx, `SELECT cd.name, cd.verification, cd.claimed_by_user_id::text, ci.slug
			FROM candidates cd JOIN cities ci ON ci.id = cd.city_id
			WHERE cd.city_id = $1 AND cd.id = $2 FOR UPDATE OF cd`, cityID, candidateID).Scan(&c.Name, &c.Verification, &holder, &c.City)
		if err != nil {
			return err
		}
		var me string
		if err := tx.QueryRow(ctx, `SELECT civicq_user($1, $2, $3)`,
			claimant.Subject, claimant.Email, claimant.EmailVerified).Scan(&me); err != nil {
			return err
		}
		if c.Verification == domain.VerificationPending || c.Verification == domain.VerificationVerified {
			if holder != nil && *holder == me {
				return conflict("already_claimed", "You have already claimed this candidate record (it is "+c.Verification+").")
			}
			return conflict("claim_taken", "Another account holds this candidate record. If it is yours, contact the city's elections office.")
		}
		c.CandidateID, c.Verification = candidateID, domain.VerificationPending
		_, err = tx.Exec(ctx, `UPDATE candidates SET claimed_by_user_id = $2, filing_id = $3, verification = 'pending',
				verification_reason = NULL, verified_at = NULL, updated_at = now()
			WHERE id = $1`, candidateID, me, filingID)
		return err
	})
	return c, classify("claim candidate", err)
}

// DecideClaim approves or rejects the pending claim of a candidate record of the
// city and logs the decision with its reason. A *ConflictError when no claim is
// pending.
func (s *Store) DecideClaim(ctx context.Context, actor Actor, cityID, candidateID string, in domain.ClaimDecision) (domain.Candidacy, error) {
	var c domain.Candidacy
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT cd.name, cd.verification, ci.slug FROM candidates cd JOIN cities ci ON ci.id = cd.city_id
			WHERE cd.city_id = $1 AND cd.id = $2 FOR UPDATE OF cd`, cityID, candidateID).Scan(&c.Name, &c.Verification, &c.City)
		if err != nil {
			return err
		}
		if c.Verification != domain.VerificationPending {
			return conflict("claim_not_pending", "This candidate record has no pending claim (it is "+c.Verification+").")
		}
		c.CandidateID = candidateID
		action := domain.ActionApproveClaim
		if in.Decision == domain.DecisionApprove {
			c.Verification = domain.VerificationVerified
			_, err = tx.Exec(ctx, `UPDATE candidates SET verification = 'verified', verified_at = now(),
				verification_reason = NULL, updated_at = now() WHERE id = $1`, candidateID)
		} else {
			c.Verification, c.Reason, action = domain.VerificationRejected, in.ReasonText, domain.ActionRejectClaim
			_, err = tx.Exec(ctx, `UPDATE candidates SET verification = 'rejected', verified_at = NULL,
				verification_reason = $2, updated_at = now() WHERE id = $1`, candidateID, in.ReasonText)
		}
		if err != nil {
			return err
		}
		return logAction(ctx, tx, cityID, actor, action, "candidate", candidateID, "", in.ReasonCode, in.ReasonText)
	})
	return c, classify("decide claim", err)
}

// PendingClaims lists a city's claims waiting for a decision, oldest first, with
// what staff need to check them (the filing id and the claimant's account).
func (s *Store) PendingClaims(ctx context.Context, cityID string) ([]domain.Claim, error) {
	rows, err := s.w.Query(ctx, `SELECT cd.id, cd.name, cd.contest_id, coalesce(cd.filing_id, ''), cd.verification,
			u.id, u.display_name, u.email, cd.updated_at
		FROM candidates cd JOIN users u ON u.id = cd.claimed_by_user_id
		WHERE cd.city_id = $1 AND cd.verification = 'pending'
		ORDER BY cd.updated_at, cd.id LIMIT 500`, cityID)
	if err != nil {
		return nil, classify("pending claims", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Claim, error) {
		var c domain.Claim
		return c, row.Scan(&c.CandidateID, &c.CandidateName, &c.ContestID, &c.FilingID, &c.Verification,
			&c.ClaimantID, &c.ClaimantName, &c.ClaimantEmail, &c.ClaimedAt)
	})
	if out == nil {
		out = []domain.Claim{}
	}
	return out, classify("pending claims", err)
}

// UpdateProfile replaces the parts of a candidate's public profile the candidate
// writes themselves.
func (s *Store) UpdateProfile(ctx context.Context, cityID, candidateID string, in domain.ProfileInput) error {
	tag, err := s.w.Exec(ctx, `UPDATE candidates SET bio = $3, website = $4, photo_url = $5, updated_at = now()
		WHERE city_id = $1 AND id = $2`, cityID, candidateID, in.Bio, nullable(in.Website), nullable(in.PhotoURL))
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return classify("update profile", err)
}

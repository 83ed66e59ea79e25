package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// Standing is what the database says about a caller in one city: the facts the
// per-city permission rules (routes.CityModerator, CityAdmin, CandidateOfRecord)
// are decided on.
type Standing struct {
	UserID    string // "" when the caller has no user row yet (then nothing else holds)
	Moderator bool
	CityAdmin bool
	// CandidateID is the candidate record the caller holds with an approved claim,
	// among those asked about; "" when none.
	CandidateID string
}

// Standing reads the caller's roles in a city and, when candidateID or contestID
// is given, the candidate record they hold with an approved claim: that record
// itself, or their record in that contest. It reads the writer, so a role revoked
// a moment ago is not still honoured by a lagging replica. It never writes: a
// caller who is refused leaves no trace.
func (s *Store) Standing(ctx context.Context, subject, cityID, candidateID, contestID string) (Standing, error) {
	var st Standing
	var cand *string
	err := s.w.QueryRow(ctx, `SELECT u.id,
			EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.city_id = $2 AND r.role = 'moderator'),
			EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.city_id = $2 AND r.role = 'city_admin'),
			(SELECT cd.id::text FROM candidates cd
			  WHERE cd.claimed_by_user_id = u.id AND cd.city_id = $2 AND cd.verification = 'verified'
			    AND (cd.id = $3::uuid OR cd.contest_id = $4::uuid)
			  ORDER BY cd.id LIMIT 1)
		FROM users u WHERE u.subject = $1`,
		subject, cityID, nullable(candidateID), nullable(contestID)).Scan(&st.UserID, &st.Moderator, &st.CityAdmin, &cand)
	if errors.Is(err, pgx.ErrNoRows) {
		return Standing{}, nil
	}
	if cand != nil {
		st.CandidateID = *cand
	}
	return st, classify("standing", err)
}

// nullable turns "" into SQL NULL.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

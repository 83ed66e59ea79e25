package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/civicq/civicq/shared/domain"
)

// maxMyQuestions bounds the questions listed on the caller's page.
const maxMyQuestions = 100

// Me returns the caller's profile, creating their user row from the token's claims
// on the first request (civicq_user: safe when first requests race). Everything is
// read in the same transaction, so a brand-new user sees a consistent empty page.
func (s *Store) Me(ctx context.Context, id domain.Identity) (domain.Me, error) {
	var me domain.Me
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT civicq_user($1, $2, $3)`, id.Subject, id.Email, id.EmailVerified).Scan(&me.ID); err != nil {
			return err
		}
		batch := &pgx.Batch{}
		batch.Queue(`SELECT u.subject, u.email, u.email_verified, u.display_name, coalesce(c.slug, '')
			FROM users u LEFT JOIN cities c ON c.id = u.home_city_id WHERE u.id = $1`, me.ID)
		batch.Queue(`SELECT c.slug, r.role FROM user_roles r JOIN cities c ON c.id = r.city_id
			WHERE r.user_id = $1 ORDER BY c.slug, r.role`, me.ID)
		batch.Queue(`SELECT cd.id, c.slug, cd.name, cd.verification, coalesce(cd.verification_reason, '')
			FROM candidates cd JOIN cities c ON c.id = cd.city_id
			WHERE cd.claimed_by_user_id = $1 ORDER BY cd.name`, me.ID)
		batch.Queue(`SELECT q.id, c.slug, q.contest_id, q.text, q.status, coalesce(q.rejection_code, ''),
				coalesce(q.rejection_reason, ''), coalesce(q.merged_into_id::text, ''), q.hidden, q.appealed_at,
				q.upvotes, q.downvotes, q.created_at
			FROM questions q JOIN cities c ON c.id = q.city_id
			WHERE q.author_id = $1 ORDER BY q.created_at DESC, q.id LIMIT $2`, me.ID, maxMyQuestions)
		br := tx.SendBatch(ctx, batch)
		defer br.Close()
		if err := br.QueryRow().Scan(&me.Subject, &me.Email, &me.EmailVerified, &me.DisplayName, &me.HomeCity); err != nil {
			return err
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		if me.Roles, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.CityRole, error) {
			var r domain.CityRole
			return r, row.Scan(&r.City, &r.Role)
		}); err != nil {
			return err
		}
		if rows, err = br.Query(); err != nil {
			return err
		}
		if me.Candidacies, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Candidacy, error) {
			var c domain.Candidacy
			return c, row.Scan(&c.CandidateID, &c.City, &c.Name, &c.Verification, &c.Reason)
		}); err != nil {
			return err
		}
		if rows, err = br.Query(); err != nil {
			return err
		}
		if me.Questions, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.MyQuestion, error) {
			var q domain.MyQuestion
			return q, row.Scan(&q.ID, &q.City, &q.ContestID, &q.Text, &q.Status, &q.RejectionCode, &q.RejectionReason,
				&q.MergedInto, &q.Hidden, &q.AppealedAt, &q.Upvotes, &q.Downvotes, &q.CreatedAt)
		}); err != nil {
			return err
		}
		return br.Close()
	})
	if me.Roles == nil {
		me.Roles = []domain.CityRole{}
	}
	if me.Candidacies == nil {
		me.Candidacies = []domain.Candidacy{}
	}
	if me.Questions == nil {
		me.Questions = []domain.MyQuestion{}
	}
	return me, classify("me", err)
}

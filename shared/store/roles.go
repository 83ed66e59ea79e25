package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civicq/civicq/shared/domain"
)

// Roles per city (user_roles): a city admin grants and revokes the moderator role
// for their own city; the first city admin of a city is made outside the API
// (GrantRole, used by scripts/cityadmin), since no one in the API can grant it.

// GrantModerator makes a user a moderator of the city. changed is false when they
// already were. ErrNotFound when there is no such user.
func (s *Store) GrantModerator(ctx context.Context, grantedBy, cityID, userID string) (changed bool, err error) {
	tag, err := s.w.Exec(ctx, `INSERT INTO user_roles (user_id, city_id, role, granted_by) VALUES ($1, $2, 'moderator', $3)
		ON CONFLICT (user_id, city_id, role) DO NOTHING`, userID, cityID, nullable(grantedBy))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" && pgErr.ConstraintName == "user_roles_user_id_fkey" {
		return false, ErrNotFound
	}
	return tag.RowsAffected() == 1, classify("grant moderator", err)
}

// RevokeModerator takes the moderator role of the city from a user. changed is
// false when they did not hold it. ErrNotFound when there is no such user. A city
// admin keeps moderating through their admin role (revoked only outside the API).
func (s *Store) RevokeModerator(ctx context.Context, cityID, userID string) (changed bool, err error) {
	var exists bool
	var n int64
	err = pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)`, userID).Scan(&exists); err != nil || !exists {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM user_roles WHERE user_id = $1 AND city_id = $2 AND role = 'moderator'`, userID, cityID)
		n = tag.RowsAffected()
		return err
	})
	if err == nil && !exists {
		err = pgx.ErrNoRows
	}
	return n == 1, classify("revoke moderator", err)
}

// Moderators lists who holds a role in the city, by role then name.
func (s *Store) Moderators(ctx context.Context, cityID string) ([]domain.CityModerator, error) {
	rows, err := s.w.Query(ctx, `SELECT u.id, u.display_name, u.email, r.role, r.granted_at
		FROM user_roles r JOIN users u ON u.id = r.user_id
		WHERE r.city_id = $1 ORDER BY r.role, u.display_name, u.id`, cityID)
	if err != nil {
		return nil, classify("moderators", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.CityModerator, error) {
		var m domain.CityModerator
		return m, row.Scan(&m.UserID, &m.DisplayName, &m.Email, &m.Role, &m.GrantedAt)
	})
	if out == nil {
		out = []domain.CityModerator{}
	}
	return out, classify("moderators", err)
}

// GrantRole gives a role in a city (by slug) to the user with that email or
// identity-provider subject (who must have signed in once, so that their row
// exists). It is how the first city admin of a city is made (scripts/cityadmin).
// It returns the user's id; ErrNotFound when the city or user is unknown.
func (s *Store) GrantRole(ctx context.Context, citySlug, user, role string) (string, error) {
	if role != domain.RoleModerator && role != domain.RoleCityAdmin {
		return "", errors.New("store: role must be moderator or city_admin")
	}
	var userID string
	err := pgx.BeginFunc(ctx, s.w, func(tx pgx.Tx) error {
		var cityID string
		if err := tx.QueryRow(ctx, `SELECT id FROM cities WHERE slug = $1`, citySlug).Scan(&cityID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id::text FROM users
			WHERE subject = $1 OR (email <> '' AND lower(email) = lower($1)) ORDER BY id`, user)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		switch {
		case err != nil:
			return err
		case len(ids) == 0:
			return pgx.ErrNoRows
		case len(ids) > 1:
			return fmt.Errorf("%d accounts match %q: give the subject instead of the email", len(ids), user)
		}
		userID = ids[0]
		_, err = tx.Exec(ctx, `INSERT INTO user_roles (user_id, city_id, role) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, city_id, role) DO NOTHING`, userID, cityID, role)
		return err
	})
	return userID, classify("grant role", err)
}

// RevokeRole takes a role in a city (by slug) from the user with that email or
// subject. It returns whether a role was removed.
func (s *Store) RevokeRole(ctx context.Context, citySlug, user, role string) (bool, error) {
	tag, err := s.w.Exec(ctx, `DELETE FROM user_roles r USING users u, cities c
		WHERE r.user_id = u.id AND r.city_id = c.id AND c.slug = $1 AND r.role = $3
		  AND (u.subject = $2 OR (u.email <> '' AND lower(u.email) = lower($2)))`, citySlug, user, role)
	return tag.RowsAffected() > 0, classify("revoke role", err)
}

package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The application's Postgres users. The functions never connect as the schema
// owner: a write route signs in (through RDS Proxy, with an IAM token) as
// WriterUser, a read route as ReaderUser. RDS Proxy in turn signs in to Postgres
// with the password kept for that user in Secrets Manager, so the migrate function
// (the only code that runs as the owner) creates both users with those passwords
// and grants them what they may do, on every deploy.
const (
	WriterUser = "civicq_writer"
	ReaderUser = "civicq_reader"
)

// Login is a Postgres user and the password RDS Proxy will present for it.
type Login struct {
	User     string
	Password string
}

// userName is what EnsureUsers accepts as a user name. It is interpolated into
// DDL (CREATE ROLE takes no bind parameters), so it is checked, not trusted.
var userName = regexp.MustCompile(`^civicq_[a-z]{1,30}$`)

// grants says what each user may do in the public schema. The reader can only
// read; the writer can change rows and call the schema's functions (cast_vote,
// civicq_user) but never change the schema itself. The version table is the
// migrations' own and stays out of reach of both.
var grants = map[string][]string{
	ReaderUser: {
		"GRANT USAGE ON SCHEMA public TO %[1]s",
		"GRANT SELECT ON ALL TABLES IN SCHEMA public TO %[1]s",
		"REVOKE ALL ON " + VersionTable + " FROM %[1]s",
	},
	WriterUser: {
		"GRANT USAGE ON SCHEMA public TO %[1]s",
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %[1]s",
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %[1]s",
		"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO %[1]s",
		"REVOKE ALL ON " + VersionTable + " FROM %[1]s",
	},
}

// EnsureUsers creates each login's user (or resets its password when it exists:
// the secret is the truth, so a rotated or re-created secret takes effect on the
// next deploy) and grants it its rights on every table the migrations have
// created. It runs after Up, so the grants cover the newest tables; running it
// again changes nothing. Users are cluster-wide, so concurrent runs against other
// databases of the same cluster may race to create them: the loser alters.
func EnsureUsers(ctx context.Context, db *sql.DB, logins []Login) error {
	var dbName string
	if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&dbName); err != nil {
		return fmt.Errorf("migrate: users: %w", err)
	}
	for _, l := range logins {
		if !userName.MatchString(l.User) {
			return fmt.Errorf("migrate: users: %q is not a CivicQ user name", l.User)
		}
		stmts, ok := grants[l.User]
		if !ok {
			return fmt.Errorf("migrate: users: no grants defined for %s", l.User)
		}
		if l.Password == "" {
			return fmt.Errorf("migrate: users: empty password for %s", l.User)
		}
		ident := pgx.Identifier{l.User}.Sanitize()
		if err := createOrAlter(ctx, db, ident, l.Password); err != nil {
			return fmt.Errorf("migrate: users: %s: %w", l.User, err)
		}
		all := append([]string{"GRANT CONNECT ON DATABASE " + pgx.Identifier{dbName}.Sanitize() + " TO %[1]s"}, stmts...)
		for _, s := range all {
			if _, err := db.ExecContext(ctx, fmt.Sprintf(s, ident)); err != nil {
				return fmt.Errorf("migrate: users: %s: %w", l.User, err)
			}
		}
	}
	return nil
}

// createOrAlter sets the user's password, creating the user first if needed. The
// password never appears in an error: pgx does not echo statements, and ours are
// wrapped with the user name only.
func createOrAlter(ctx context.Context, db *sql.DB, ident, password string) error {
	lit := quoteLiteral(password)
	_, err := db.ExecContext(ctx, "CREATE ROLE "+ident+" LOGIN PASSWORD "+lit)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42710" { // duplicate_object: it exists
		_, err = db.ExecContext(ctx, "ALTER ROLE "+ident+" LOGIN PASSWORD "+lit)
	}
	if err != nil {
		return errors.New("create or alter role failed: " + sqlState(err))
	}
	return nil
}

// quoteLiteral quotes s as a standard SQL string literal (standard_conforming_strings
// is on in every supported Postgres, so only the quote itself needs doubling).
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// sqlState describes err without its text, which could quote the statement.
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return "SQLSTATE " + pgErr.Code + " (" + pgErr.Message + ")"
	}
	return "connection error"
}

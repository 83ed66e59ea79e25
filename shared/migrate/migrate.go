// Package migrate applies CivicQ's embedded SQL migrations (package migrations) to a
// PostgreSQL database with goose. The migrate function (a CloudFormation custom
// resource run on every deploy) and the local stack both call Up; it is safe to run
// again and from several processes at once.
package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/civicq/civicq/migrations"
	"github.com/civicq/civicq/shared/awsauth"
)

// VersionTable is the table in which goose records the applied migrations.
const VersionTable = "goose_db_version"

// Result reports what one call of Up did.
type Result struct {
	Applied []string // file names of the migrations applied by this call, in order; empty when none were pending
	Version int64    // the schema version after the call (the highest applied migration)
}

// Up applies all pending migrations and reports what it did. A second call applies
// nothing. Concurrent callers are serialized by a PostgreSQL advisory lock: the one
// that waits finds nothing pending when it gets the lock. Each migration runs in its
// own transaction; when one fails, Up returns the error and, in Result.Applied, the
// migrations committed before it.
func Up(ctx context.Context, dsn string) (Result, error) {
	db, err := open(dsn, "")
	if err != nil {
		return Result{}, err
	}
	defer db.Close()
	return up(ctx, db)
}

func up(ctx context.Context, db *sql.DB) (Result, error) {
	p, err := NewProvider(db)
	if err != nil {
		return Result{}, err
	}
	results, err := p.Up(ctx)
	var partial *goose.PartialError
	if errors.As(err, &partial) {
		results = partial.Applied // applied (and committed) before the failing one
	}
	var res Result
	for _, r := range results {
		res.Applied = append(res.Applied, path.Base(r.Source.Path))
	}
	if err != nil {
		return res, fmt.Errorf("migrate up: %w", err)
	}
	if res.Version, err = p.GetDBVersion(ctx); err != nil {
		return res, fmt.Errorf("migrate: read version: %w", err)
	}
	return res, nil
}

// Version returns the schema version of the database at dsn: the highest applied
// migration, or 0 when none has been applied. It only reads: it neither creates the
// version table nor waits for a migration in progress.
func Version(ctx context.Context, dsn string) (int64, error) {
	db, err := open(dsn, "")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", VersionTable).Scan(&exists); err != nil {
		return 0, fmt.Errorf("migrate: read version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT max(version_id) FROM "+VersionTable).Scan(&v); err != nil {
		return 0, fmt.Errorf("migrate: read version: %w", err)
	}
	return v.Int64, nil
}

// NewProvider returns a goose provider over the embedded migrations for db, with the
// same locking as Up. It is for tests and developer tooling that need more than Up
// (Down, Status); the caller owns db.
//
// Locking uses a session-level advisory lock (pg_try_advisory_lock). The architecture
// forbids session state on the request path because it pins RDS Proxy connections,
// but it is right here: migrate is a deploy-time function with its own short-lived
// pool, goose takes the lock, runs every migration and unlocks on one and the same
// connection, and that pinning is exactly what keeps the lock on the backend session
// that runs the DDL. Closing the pool (Up does, on return) ends the pinned session,
// and if the function dies the lock goes with its connection, so it cannot leak.
func NewProvider(db *sql.DB) (*goose.Provider, error) {
	if db == nil {
		return nil, errors.New("migrate: nil database")
	}
	// Retry every second for up to 5 minutes: a concurrent deploy's migrations are short.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, fmt.Errorf("migrate: session locker: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return nil, fmt.Errorf("migrate: goose provider: %w", err)
	}
	return p, nil
}

// open returns a database/sql pool over pgx for dsn. With iamRegion set, each
// connection signs in with an IAM token, as the API functions do: in the cloud
// the migrate function reaches Postgres only through RDS Proxy, which requires it.
func open(dsn, iamRegion string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("migrate: parse database URL: %w", err)
	}
	var opts []stdlib.OptionOpenDB
	if iamRegion != "" {
		opts = append(opts, stdlib.OptionBeforeConnect(awsauth.IAMBeforeConnect(iamRegion)))
	}
	db := stdlib.OpenDB(*cfg, opts...)
	// goose holds one connection (lock + migrations) and may open one more for reads.
	db.SetMaxOpenConns(2)
	return db, nil
}

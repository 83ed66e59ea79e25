// Package store is CivicQ's only door to PostgreSQL: repositories over pgx pools,
// the only place that holds SQL. Errors leave it classified (ErrNotFound,
// ErrUnavailable) so handlers can answer 404 or 503 without knowing pgx.
package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civicq/civicq/shared/awsauth"
	"github.com/civicq/civicq/shared/metrics"
)

// PoolOptions tune a pool for a Lambda behind RDS Proxy.
type PoolOptions struct {
	MaxConns       int32
	ConnectTimeout time.Duration
	// IAMRegion, when set, turns on IAM authentication: each new connection signs
	// in with a token for that region (iam.go) instead of a password.
	IAMRegion string
}

// NewPool builds a pool without connecting: the first query connects, so a cold
// start pays nothing for routes that never reach the database (a warm cache).
//
// Settings that matter behind RDS Proxy:
//   - few connections per environment (the proxy multiplexes many environments);
//   - QueryExecModeExec: the extended protocol with unnamed statements, one round
//     trip per query and no named prepared statements, which would pin the proxy
//     connection to this client and defeat multiplexing;
//   - a short connect timeout, so an unreachable database becomes a fast 503;
//   - idle connections closed well before the proxy's own idle timeout.
func NewPool(ctx context.Context, dsn string, o PoolOptions) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The DSN may hold a password: report only that it is malformed.
		return nil, errors.New("store: the database URL is malformed")
	}
	cfg.MaxConns = o.MaxConns
	cfg.MinConns = 0
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.MaxConnLifetime = 30 * time.Minute
	cfg.HealthCheckPeriod = time.Minute
	if o.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = o.ConnectTimeout
	}
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	cfg.ConnConfig.Tracer = dbTimer{}
	if o.IAMRegion != "" {
		cfg.BeforeConnect = awsauth.IAMBeforeConnect(o.IAMRegion)
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}

// dbTimer adds the wall time of each query and batch to the invocation's DBTime
// metric, so cost reviewers see how much of a function's duration is the database.
type dbTimer struct{}

type startKey struct{}

func (dbTimer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, startKey{}, time.Now())
}

func (dbTimer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if t, ok := ctx.Value(startKey{}).(time.Time); ok {
		metrics.FromContext(ctx).AddDBTime(time.Since(t))
	}
}

func (dbTimer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return context.WithValue(ctx, startKey{}, time.Now())
}

func (dbTimer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (dbTimer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	if t, ok := ctx.Value(startKey{}).(time.Time); ok {
		metrics.FromContext(ctx).AddDBTime(time.Since(t))
	}
}

// ErrNotFound means the row asked for does not exist (or is not visible to the caller).
var ErrNotFound = errors.New("store: not found")

// ErrUnavailable means the database could not be reached or is refusing work; the
// handler answers 503 with Retry-After.
var ErrUnavailable = errors.New("store: database unavailable")

// classify maps driver errors onto the store's errors.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if isUnavailable(err) {
		return fmt.Errorf("%s: %w (%v)", op, ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

func isUnavailable(err error) bool {
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01-03: admin shutdown, crash
		// shutdown, cannot connect now; 53300: too many connections.
		switch {
		case len(pgErr.Code) == 5 && pgErr.Code[:2] == "08",
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", pgErr.Code == "53300":
			return true
		}
	}
	return false
}

// Store holds the writer pool and the reader pool (the same pool when no read
// endpoint is configured). Read routes use the reader; writes always the writer.
type Store struct {
	w, r *pgxpool.Pool
}

// New builds a Store. reader may be nil, in which case reads use the writer.
func New(writer, reader *pgxpool.Pool) *Store {
	if reader == nil {
		reader = writer
	}
	return &Store{w: writer, r: reader}
}

// Ping checks the reader for the health route.
func (s *Store) Ping(ctx context.Context) error {
	return classify("ping", s.r.Ping(ctx))
}

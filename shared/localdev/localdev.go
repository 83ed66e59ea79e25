// Package localdev prepares a local database the way `make dev` needs it: the
// migrations applied and the demo city loaded. Both steps are idempotent.
package localdev

import (
	"context"
	"fmt"
	"time"

	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/migrate"
	"github.com/civicq/civicq/shared/store"
)

// Prepare migrates the database at dsn and, when withDemo is set, loads the demo
// data. It returns a one-line summary for the console.
func Prepare(ctx context.Context, dsn string, withDemo bool) (string, error) {
	res, err := migrate.Up(ctx, dsn)
	if err != nil {
		return "", fmt.Errorf("migrations: %w", err)
	}
	summary := fmt.Sprintf("migrations: %d applied now, schema version %d", len(res.Applied), res.Version)
	if !withDemo {
		return summary, nil
	}
	pool, err := store.NewPool(ctx, dsn, store.PoolOptions{MaxConns: 1, ConnectTimeout: 5 * time.Second})
	if err != nil {
		return "", err
	}
	defer pool.Close()
	if err := demo.Load(ctx, pool); err != nil {
		return "", fmt.Errorf("demo data: %w", err)
	}
	return summary + fmt.Sprintf("; demo city %q loaded", demo.CitySlug), nil
}

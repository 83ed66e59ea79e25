package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/migrate"
	"github.com/civicq/civicq/shared/testenv"
)

// The questions.rank column (SQL civicq_wilson) and the "top" score of the sorted
// sets (domain.WilsonLowerBound) must be the same number.
func TestWilsonInSQLMatchesGo(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.EmptyDB(t)
	_, err := migrate.Up(ctx, dsn)
	require.NoError(t, err)
	pool, err := pgxpool.New(ctx, dsn)
	require.NoError(t, err)
	defer pool.Close()
	rows, err := pool.Query(ctx, `SELECT u, d, civicq_wilson(u, d)
		FROM generate_series(0, 60) u, generate_series(0, 60) d
		UNION ALL SELECT 100000, 1, civicq_wilson(100000, 1) UNION ALL SELECT 3, 70000, civicq_wilson(3, 70000)`)
	require.NoError(t, err)
	n := 0
	for rows.Next() {
		var up, down int
		var sql float64
		require.NoError(t, rows.Scan(&up, &down, &sql))
		require.InDelta(t, domain.WilsonLowerBound(up, down), sql, 1e-12, "wilson(%d, %d)", up, down)
		n++
	}
	require.NoError(t, rows.Err())
	require.Equal(t, 61*61+2, n)
}

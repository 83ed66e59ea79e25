package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/testenv"
)

func fakeLambdaCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_SESSION_TOKEN", "session-token")
}

// A pool with IAM auth signs a token for every new connection and still connects
// (the local server trusts loopback, so it ignores the token): the hook is on the
// real connect path.
func TestIAMPoolConnects(t *testing.T) {
	fakeLambdaCredentials(t)
	dsn := testenv.EmptyDB(t)
	pool, err := NewPool(context.Background(), dsn, PoolOptions{MaxConns: 1, ConnectTimeout: 2 * time.Second, IAMRegion: "us-east-1"})
	require.NoError(t, err)
	defer pool.Close()
	require.NoError(t, New(pool, nil).Ping(context.Background()))
}

func TestIAMPoolWithoutCredentialsCannotConnect(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	dsn := testenv.EmptyDB(t)
	pool, err := NewPool(context.Background(), dsn, PoolOptions{MaxConns: 1, ConnectTimeout: 2 * time.Second, IAMRegion: "us-east-1"})
	require.NoError(t, err)
	defer pool.Close()
	require.Error(t, New(pool, nil).Ping(context.Background()), "the token hook runs before every connection")
}

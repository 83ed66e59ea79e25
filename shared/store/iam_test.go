package store

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/testenv"
)

func fakeLambdaCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_SESSION_TOKEN", "session-token")
}

// The token is a SigV4-presigned "connect" request for the DSN's user, host and
// port, put where the password goes.
func TestIAMTokenReplacesThePassword(t *testing.T) {
	fakeLambdaCredentials(t)
	cc, err := pgx.ParseConfig("postgres://civicq_reader@proxy.example.us-east-1.rds.amazonaws.com:5432/civicq")
	require.NoError(t, err)
	require.NoError(t, iamPassword("us-east-1")(context.Background(), cc))
	u, err := url.Parse("https://" + cc.Password)
	require.NoError(t, err)
	require.Equal(t, "proxy.example.us-east-1.rds.amazonaws.com:5432", u.Host)
	q := u.Query()
	require.Equal(t, "connect", q.Get("Action"))
	require.Equal(t, "civicq_reader", q.Get("DBUser"))
	require.True(t, strings.HasPrefix(q.Get("X-Amz-Credential"), "AKIAIOSFODNN7EXAMPLE/"))
	require.Contains(t, q.Get("X-Amz-Credential"), "/us-east-1/rds-db/aws4_request")
	require.NotEmpty(t, q.Get("X-Amz-Signature"))
	require.Equal(t, "session-token", q.Get("X-Amz-Security-Token"))
}

func TestIAMAuthWithoutCredentialsFailsClearly(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	cc, err := pgx.ParseConfig("postgres://u@h:5432/db")
	require.NoError(t, err)
	err = iamPassword("us-east-1")(context.Background(), cc)
	require.ErrorContains(t, err, "AWS_ACCESS_KEY_ID")
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

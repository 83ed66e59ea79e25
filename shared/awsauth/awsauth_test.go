package awsauth

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, IAMBeforeConnect("us-east-1")(context.Background(), cc))
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
	err = IAMBeforeConnect("us-east-1")(context.Background(), cc)
	require.ErrorContains(t, err, "AWS_ACCESS_KEY_ID")
}

// Package awsauth holds the two pieces of AWS signing that functions need without
// the SDK's whole credential chain: the execution role's credentials from the
// environment, and IAM authentication tokens for RDS Proxy.
package awsauth

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/jackc/pgx/v5"
)

// IAMBeforeConnect is a pgx BeforeConnect hook that signs in to RDS Proxy with an
// IAM authentication token instead of a password: before each new connection it
// signs a fresh token (valid 15 minutes, only for the connection attempt) for the
// DSN's user, host and port, with the function's own credentials. The stack grants each function rds-db:connect for
// its user only, so no database password exists in the function at all.
func IAMBeforeConnect(region string) func(context.Context, *pgx.ConnConfig) error {
	return func(ctx context.Context, cc *pgx.ConnConfig) error {
		endpoint := net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port)))
		token, err := auth.BuildAuthToken(ctx, endpoint, region, cc.User, EnvCredentials)
		if err != nil {
			return err
		}
		cc.Password = token
		return nil
	}
}

// EnvCredentials are the execution role's credentials, which Lambda puts in the
// environment; the migrate function signs its Secrets Manager calls with them too.
// Reading them here keeps the SDK's credential chain (and its size) out of every
// function binary.
var EnvCredentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	c := aws.Credentials{
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		Source:          "environment",
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return c, errors.New("AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them)")
	}
	return c, nil
})

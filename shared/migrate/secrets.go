package migrate

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/civicq/civicq/shared/awsauth"
)

// SecretLogins reads the users' logins from Secrets Manager: secretARNs maps a
// user name to the ARN of its secret, in the JSON shape RDS database secrets have
// ({"username": ..., "password": ...}). A secret whose username is not the user it
// is configured for is refused, so a wiring mistake cannot hand the reader the
// writer's password.
func SecretLogins(ctx context.Context, client *secretsmanager.Client, secretARNs map[string]string) ([]Login, error) {
	var logins []Login
	for _, user := range []string{WriterUser, ReaderUser} {
		arn, ok := secretARNs[user]
		if !ok {
			continue
		}
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
		if err != nil {
			return nil, fmt.Errorf("migrate: read the %s secret: %w", user, err)
		}
		var s struct {
			Username string `json:"username"`
			Password string `json:"password"`
		}
		if out.SecretString == nil || json.Unmarshal([]byte(*out.SecretString), &s) != nil {
			return nil, fmt.Errorf("migrate: the %s secret is not an RDS database secret (JSON with username and password)", user)
		}
		if s.Username != user {
			return nil, fmt.Errorf("migrate: the secret configured for %s is for user %q", user, s.Username)
		}
		if s.Password == "" {
			return nil, fmt.Errorf("migrate: the %s secret has no password", user)
		}
		logins = append(logins, Login{User: user, Password: s.Password})
	}
	return logins, nil
}

// NewSecretsClient returns a Secrets Manager client for region that signs with the
// credentials Lambda puts in the environment. Building it directly, rather than
// through the SDK's config loader, keeps the shared-config, SSO and IMDS code out
// of the migrate binary. endpoint, when set, overrides the service endpoint (tests
// point it at a local server speaking the same protocol).
func NewSecretsClient(region, endpoint string) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:      region,
		Credentials: awsauth.EnvCredentials,
		BaseEndpoint: func() *string {
			if endpoint == "" {
				return nil
			}
			return aws.String(endpoint)
		}(),
	})
}

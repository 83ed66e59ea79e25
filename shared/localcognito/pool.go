package localcognito

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/civicq/civicq/shared/jwtauth"
	"github.com/civicq/civicq/shared/routes"
)

// Region is the region cognito-local reports (its pool ids are "local_...").
const Region = "local"

// WebClientName is the app client the frontend (and scripts/cognito) signs in with.
const WebClientName = "web"

// TokenValidity is the ID and access token lifetime of the web client: Cognito's
// default, which the CDK client keeps.
const TokenValidity = time.Hour

// NewClient returns the SDK's Cognito client aimed at a cognito-local endpoint.
// cognito-local ignores request signatures; the static credentials only let the
// SDK sign the admin calls as it must for the cloud.
func NewClient(endpoint string) *cip.Client {
	return cip.New(cip.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local", Source: "localcognito"}, nil
		}),
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
	})
}

// Pool is a user pool with its web client: what jwtauth needs to verify the
// pool's tokens and what the sign-up and sign-in calls need. It is saved as JSON
// (Save, Load) for scripts/cognito and the frontend.
type Pool struct {
	Endpoint string `json:"endpoint"` // cognito-local's base URL (the SDK endpoint)
	Region   string `json:"region"`
	ID       string `json:"userPoolId"`
	ClientID string `json:"clientId"` // the web client: the audience the gateway accepts
	Issuer   string `json:"issuer"`   // exactly the iss of the pool's tokens
	JWKSURL  string `json:"jwksUrl"`

	api *cip.Client
}

// Ensure finds the pool called name on the cognito-local at endpoint, or creates
// it, with its web client and the routes.CognitoGroups, configured like the CDK
// stack's pool (email as the user name, email verification, the password policy).
// It is idempotent: run it on every start, and users, clients and groups persist
// in cognito-local's data directory.
func Ensure(ctx context.Context, endpoint, name string) (Pool, error) {
	api := NewClient(endpoint)
	p := Pool{Endpoint: endpoint, Region: Region, api: api}
	id, err := findPool(ctx, api, name)
	if err != nil {
		return Pool{}, err
	}
	if id == "" {
		out, err := api.CreateUserPool(ctx, &cip.CreateUserPoolInput{
			PoolName:               aws.String(name),
			UsernameAttributes:     []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
			AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
			AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
				{Name: types.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(1)},
			}},
			// The CDK pool's policy. cognito-local 5.3.0 does not enforce it; it is set
			// so the pool describes itself as the cloud one does.
			Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{
				MinimumLength: aws.Int32(12), RequireLowercase: true, RequireUppercase: true,
				RequireNumbers: true, RequireSymbols: true,
			}},
			MfaConfiguration: types.UserPoolMfaTypeOptional,
		})
		if err != nil {
			return Pool{}, fmt.Errorf("create user pool %q: %w", name, err)
		}
		id = aws.ToString(out.UserPool.Id)
	}
	p.ID = id
	p.Issuer = endpoint + "/" + id
	p.JWKSURL = endpoint + "/" + id + "/.well-known/jwks.json"
	if p.ClientID, err = p.EnsureClient(ctx, WebClientName, TokenValidity); err != nil {
		return Pool{}, err
	}
	if err := p.ensureGroups(ctx, routes.CognitoGroups); err != nil {
		return Pool{}, err
	}
	return p, nil
}

func findPool(ctx context.Context, api *cip.Client, name string) (string, error) {
	pages := cip.NewListUserPoolsPaginator(api, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list user pools: %w", err)
		}
		for _, up := range page.UserPools {
			if aws.ToString(up.Name) == name {
				return aws.ToString(up.Id), nil
			}
		}
	}
	return "", nil
}

// EnsureClient returns the id of the pool's app client called name, creating it
// (or updating its settings) so that it allows USER_PASSWORD_AUTH and refresh
// and issues ID and access tokens valid for validity (whole seconds). The tests
// use it for a second client (a wrong audience) and a short-lived one.
func (p Pool) EnsureClient(ctx context.Context, name string, validity time.Duration) (string, error) {
	secs := int32(validity / time.Second)
	if secs < 1 {
		return "", fmt.Errorf("client %q: token validity %s is under a second", name, validity)
	}
	flows := []types.ExplicitAuthFlowsType{
		types.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
		types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
		types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
	}
	units := &types.TokenValidityUnitsType{
		IdToken: types.TimeUnitsTypeSeconds, AccessToken: types.TimeUnitsTypeSeconds, RefreshToken: types.TimeUnitsTypeDays,
	}
	var id string
	pages := cip.NewListUserPoolClientsPaginator(p.api, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(p.ID), MaxResults: aws.Int32(60)})
	for pages.HasMorePages() && id == "" {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list app clients of %s: %w", p.ID, err)
		}
		for _, c := range page.UserPoolClients {
			if aws.ToString(c.ClientName) == name {
				id = aws.ToString(c.ClientId)
				break
			}
		}
	}
	if id != "" {
		_, err := p.api.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{
			UserPoolId: aws.String(p.ID), ClientId: aws.String(id), ClientName: aws.String(name),
			ExplicitAuthFlows: flows, PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
			IdTokenValidity: aws.Int32(secs), AccessTokenValidity: aws.Int32(secs), RefreshTokenValidity: 30,
			TokenValidityUnits: units,
		})
		if err != nil {
			return "", fmt.Errorf("update app client %q: %w", name, err)
		}
		return id, nil
	}
	out, err := p.api.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(p.ID), ClientName: aws.String(name),
		ExplicitAuthFlows: flows, PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
		IdTokenValidity: aws.Int32(secs), AccessTokenValidity: aws.Int32(secs), RefreshTokenValidity: 30,
		TokenValidityUnits: units,
	})
	if err != nil {
		return "", fmt.Errorf("create app client %q: %w", name, err)
	}
	return aws.ToString(out.UserPoolClient.ClientId), nil
}

func (p Pool) ensureGroups(ctx context.Context, groups []string) error {
	var have []string
	pages := cip.NewListGroupsPaginator(p.api, &cip.ListGroupsInput{UserPoolId: aws.String(p.ID)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list groups of %s: %w", p.ID, err)
		}
		for _, g := range page.Groups {
			have = append(have, aws.ToString(g.GroupName))
		}
	}
	for _, g := range groups {
		if slices.Contains(have, g) {
			continue
		}
		if _, err := p.api.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(p.ID), GroupName: aws.String(g)}); err != nil {
			return fmt.Errorf("create group %q: %w", g, err)
		}
	}
	return nil
}

// JWTConfig is the gateway's authorizer configuration for the pool: its issuer
// and JWKS URL, given directly, and the web client (plus any extra clients) as
// the audiences, as the CDK stack configures the HTTP API's JWT authorizer.
func (p Pool) JWTConfig(extraClients ...string) jwtauth.Config {
	return jwtauth.Config{Issuer: p.Issuer, JWKSURL: p.JWKSURL, Audiences: append([]string{p.ClientID}, extraClients...)}
}

// WithClient returns the pool signing users up and in through another app client.
func (p Pool) WithClient(clientID string) Pool {
	p.ClientID = clientID
	return p
}

// API is the SDK client the pool uses, for calls this package does not wrap.
func (p Pool) API() *cip.Client { return p.api }

// Save writes the pool as JSON to path (for scripts/cognito and the frontend).
func (p Pool) Save(path string) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Load reads a pool saved by Save.
func Load(path string) (Pool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Pool{}, err
	}
	var p Pool
	if err := json.Unmarshal(b, &p); err != nil {
		return Pool{}, fmt.Errorf("%s: %w", path, err)
	}
	if p.Endpoint == "" || p.ID == "" || p.ClientID == "" {
		return Pool{}, fmt.Errorf("%s: endpoint, userPoolId and clientId are required", path)
	}
	p.api = NewClient(p.Endpoint)
	return p, nil
}

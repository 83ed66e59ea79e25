package localcognito

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Tokens are what a sign-in returns.
type Tokens struct {
	// ID is the token the frontend sends as "Authorization: Bearer": its aud is the
	// client id and it carries email and email_verified, which the API needs to
	// create the user's row and let them ask and vote.
	ID string
	// Access carries client_id instead of aud and no email: the authorizer
	// accepts it, but the API treats its bearer as unverified.
	Access  string
	Refresh string
}

// The calls below are the ones a client of the real pool makes: SignUp,
// ConfirmSignUp and InitiateAuth through the app client, and the Admin* calls an
// operator (or an admin function) makes with credentials.

// SignUp registers email with password through the app client (self sign-up, as
// the web app does) and returns the user's sub. The user is unconfirmed until
// Confirm or ConfirmWithCode.
func (p Pool) SignUp(ctx context.Context, email, password string) (string, error) {
	out, err := p.api.SignUp(ctx, &cip.SignUpInput{
		ClientId: aws.String(p.ClientID), Username: aws.String(email), Password: aws.String(password),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}},
	})
	if err != nil {
		return "", fmt.Errorf("sign up %s: %w", email, err)
	}
	return aws.ToString(out.UserSub), nil
}

// Confirm does what the user's click on the emailed code does in the cloud, with
// admin calls: AdminConfirmSignUp (skipped when already confirmed), then
// email_verified=true with AdminUpdateUserAttributes.
func (p Pool) Confirm(ctx context.Context, email string) error {
	user, err := p.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(p.ID), Username: aws.String(email)})
	if err != nil {
		return fmt.Errorf("get user %s: %w", email, err)
	}
	if user.UserStatus == types.UserStatusTypeUnconfirmed {
		if _, err := p.api.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{
			UserPoolId: aws.String(p.ID), Username: aws.String(email),
		}); err != nil {
			return fmt.Errorf("confirm %s: %w", email, err)
		}
	}
	return p.MarkEmailVerified(ctx, email)
}

// ConfirmWithCode confirms with the code cognito-local "emailed" (it prints it in
// its log), through the app client as the web app would, then sets email_verified,
// which Cognito sets on this call and cognito-local does not.
func (p Pool) ConfirmWithCode(ctx context.Context, email, code string) error {
	if _, err := p.api.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{
		ClientId: aws.String(p.ClientID), Username: aws.String(email), ConfirmationCode: aws.String(code),
	}); err != nil {
		return fmt.Errorf("confirm %s with code: %w", email, err)
	}
	return p.MarkEmailVerified(ctx, email)
}

// MarkEmailVerified sets email_verified=true on the user whose email (and user
// name) is email. cognito-local refuses email_verified without email in the same
// call; Cognito accepts both together too, and sets no new code for an email
// given as verified.
func (p Pool) MarkEmailVerified(ctx context.Context, email string) error {
	if _, err := p.api.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(p.ID), Username: aws.String(email),
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	}); err != nil {
		return fmt.Errorf("verify email of %s: %w", email, err)
	}
	return nil
}

// SignIn signs in with InitiateAuth USER_PASSWORD_AUTH through the app client.
func (p Pool) SignIn(ctx context.Context, email, password string) (Tokens, error) {
	return p.initiate(ctx, types.AuthFlowTypeUserPasswordAuth, map[string]string{"USERNAME": email, "PASSWORD": password})
}

// Refresh gets new ID and access tokens for a refresh token (REFRESH_TOKEN_AUTH);
// they list the user's groups as they are now.
func (p Pool) Refresh(ctx context.Context, refreshToken string) (Tokens, error) {
	t, err := p.initiate(ctx, types.AuthFlowTypeRefreshTokenAuth, map[string]string{"REFRESH_TOKEN": refreshToken})
	if t.Refresh == "" {
		t.Refresh = refreshToken // Cognito keeps the refresh token; it does not rotate it
	}
	return t, err
}

func (p Pool) initiate(ctx context.Context, flow types.AuthFlowType, params map[string]string) (Tokens, error) {
	out, err := p.api.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(p.ClientID), AuthFlow: flow, AuthParameters: params})
	if err != nil {
		return Tokens{}, fmt.Errorf("sign in (%s): %w", flow, err)
	}
	if out.AuthenticationResult == nil {
		// An MFA or new-password challenge: none of the pool's local users has one.
		return Tokens{}, fmt.Errorf("sign in (%s): challenge %s is not supported here", flow, out.ChallengeName)
	}
	r := out.AuthenticationResult
	if aws.ToString(r.IdToken) == "" {
		return Tokens{}, errors.New("sign in: no ID token in the result")
	}
	return Tokens{ID: aws.ToString(r.IdToken), Access: aws.ToString(r.AccessToken), Refresh: aws.ToString(r.RefreshToken)}, nil
}

// AddToGroup puts the user in group (AdminAddUserToGroup). Tokens issued before
// this do not list it: the user must sign in again (or refresh).
func (p Pool) AddToGroup(ctx context.Context, email, group string) error {
	if _, err := p.api.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{
		UserPoolId: aws.String(p.ID), Username: aws.String(email), GroupName: aws.String(group),
	}); err != nil {
		return fmt.Errorf("add %s to %s: %w", email, group, err)
	}
	return nil
}

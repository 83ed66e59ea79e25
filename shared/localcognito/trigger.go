package localcognito

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// VerifyEmailFunction is the name cognito-local's PostConfirmation trigger calls.
//
// Cognito marks a user's email verified when they confirm their sign-up with the
// code it e-mailed; cognito-local 5.3.0 confirms without setting email_verified,
// so a resident who signs up in the browser would stay unverified (403 on asking
// and voting). cognito-local can call Lambda triggers through the Lambda Invoke
// API at a configurable endpoint: Start serves that API on loopback with one
// function, which sets email_verified=true on the confirmed user with
// AdminUpdateUserAttributes, the way Cognito's own confirmation does. No Lambda
// trigger does this in the cloud: Cognito needs none.
const VerifyEmailFunction = "civicq-local-verify-email"

// triggerEvent is the part of cognito-local's PostConfirmation event the trigger
// reads (the Lambda event Cognito sends to a PostConfirmation trigger).
type triggerEvent struct {
	TriggerSource string `json:"triggerSource"`
	CallerContext struct {
		// ClientID is the app client of a ConfirmSignUp (the user typed the
		// e-mailed code); null for AdminConfirmSignUp.
		ClientID *string `json:"clientId"`
	} `json:"callerContext"`
	UserPoolID string `json:"userPoolId"`
	UserName   string `json:"userName"`
	Request    struct {
		UserAttributes map[string]string `json:"userAttributes"`
	} `json:"request"`
}

// triggers is the loopback Lambda Invoke endpoint cognito-local calls.
type triggers struct {
	URL string
	srv *http.Server
}

// startTriggers serves POST /2015-03-31/functions/<VerifyEmailFunction>/invocations
// on a free loopback port. endpoint returns cognito-local's base URL, known only
// once it runs (the admin call goes back to it).
func startTriggers(endpoint func() string) (*triggers, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &triggers{URL: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("name") != VerifyEmailFunction {
			lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+r.PathValue("name"))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
			return
		}
		var ev triggerEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "the event is not JSON: "+err.Error())
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		if err := verifyEmail(ctx, NewClient(endpoint()), ev); err != nil {
			// A function error, as Lambda reports one: 200 with X-Amz-Function-Error.
			// cognito-local logs it; the confirmation itself stands.
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"errorType": "Error", "errorMessage": err.Error()})
			return
		}
		// A PostConfirmation trigger returns the event it was given.
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	t.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = t.srv.Serve(ln) }()
	return t, nil
}

// verifyEmail sets email_verified on the user who confirmed their sign-up with
// the code sent to their address, as Cognito does. An admin's confirmation
// (AdminConfirmSignUp, no client) proves nothing about the address and, as in
// Cognito, leaves it unverified; other trigger sources (a forgotten-password
// confirmation) change nothing.
func verifyEmail(ctx context.Context, api *cip.Client, ev triggerEvent) error {
	if ev.TriggerSource != "PostConfirmation_ConfirmSignUp" || ev.CallerContext.ClientID == nil || *ev.CallerContext.ClientID == "" {
		return nil
	}
	email := ev.Request.UserAttributes["email"]
	if ev.UserPoolID == "" || ev.UserName == "" || email == "" {
		return errors.New("the event names no user pool, user or email")
	}
	if ev.Request.UserAttributes["email_verified"] == "true" {
		return nil
	}
	// cognito-local takes email_verified only together with the email.
	_, err := api.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(ev.UserPoolID), Username: aws.String(ev.UserName),
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	if err != nil {
		return fmt.Errorf("verify email of %s: %w", strings.TrimSpace(email), err)
	}
	return nil
}

func lambdaError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "Message": msg})
}

func (t *triggers) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = t.srv.Shutdown(ctx)
}

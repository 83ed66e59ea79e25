package migrate

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// PhysicalID names the one migrations resource of a stack. Keeping it constant
// means an Update never "replaces" the resource (which would make CloudFormation
// send a Delete for the old id).
const PhysicalID = "civicq-migrations"

// Response is what the CDK custom-resource Provider framework expects back from an
// onEvent handler: it relays it to CloudFormation.
type Response struct {
	PhysicalResourceId string            //nolint:revive // the framework's field name
	Data               map[string]string `json:",omitempty"`
}

// Options configure the migrate function. OptionsFromEnv reads them as the stack
// sets them.
type Options struct {
	// DSN is the schema owner's database URL (DATABASE_URL).
	DSN string
	// IAMAuth signs in with IAM tokens (DB_IAM_AUTH): the cloud path through RDS
	// Proxy.
	IAMAuth bool
	// Region is the AWS region of the tokens and secrets (AWS_REGION).
	Region string
	// UserSecrets maps the application users (WriterUser, ReaderUser) to the ARNs
	// of their Secrets Manager secrets (WRITER_SECRET_ARN, READER_SECRET_ARN).
	// Empty locally, where the functions connect as the cluster's owner.
	UserSecrets map[string]string
	// SecretsEndpoint overrides the Secrets Manager endpoint (tests only).
	SecretsEndpoint string
}

// OptionsFromEnv reads Options from the environment the stack gives the function.
func OptionsFromEnv() Options {
	o := Options{DSN: os.Getenv("DATABASE_URL"), Region: os.Getenv("AWS_REGION"), UserSecrets: map[string]string{}}
	o.IAMAuth, _ = strconv.ParseBool(os.Getenv("DB_IAM_AUTH"))
	for user, env := range map[string]string{WriterUser: "WRITER_SECRET_ARN", ReaderUser: "READER_SECRET_ARN"} {
		if arn := os.Getenv(env); arn != "" {
			o.UserSecrets[user] = arn
		}
	}
	return o
}

// Handler is the migrate function: on Create and Update (every deploy changes a
// property, so every deploy runs it) it applies the pending migrations, then
// creates or updates the application's users with the passwords in their secrets
// and grants them their rights on the new schema; on Delete it leaves the schema
// alone, because dropping a city's data with a stack is never what anyone wants.
// A failure is returned as an error so the deploy stops before the API functions
// that need the new schema are updated.
func Handler(o Options) func(context.Context, cfn.Event) (Response, error) {
	log := slog.New(lambdacontext.NewLogHandler()).With("function", "migrate")
	return func(ctx context.Context, ev cfn.Event) (Response, error) {
		resp := Response{PhysicalResourceId: PhysicalID}
		switch ev.RequestType {
		case cfn.RequestCreate, cfn.RequestUpdate:
		case cfn.RequestDelete:
			log.InfoContext(ctx, "delete: schema left in place", "stack", ev.StackID)
			return resp, nil
		default:
			return resp, fmt.Errorf("migrate: unknown request type %q", ev.RequestType)
		}
		res, users, err := run(ctx, o)
		log.InfoContext(ctx, "migrations", "request", string(ev.RequestType), "applied", strings.Join(res.Applied, ","),
			"version", res.Version, "users", strings.Join(users, ","), "error", errString(err))
		if err != nil {
			return resp, err
		}
		resp.Data = map[string]string{
			"Version": fmt.Sprint(res.Version),
			"Applied": fmt.Sprint(len(res.Applied)),
		}
		return resp, nil
	}
}

// run applies the migrations, then the users; it returns the users it set up.
func run(ctx context.Context, o Options) (Result, []string, error) {
	if o.DSN == "" {
		return Result{}, nil, fmt.Errorf("migrate: DATABASE_URL is not set")
	}
	// Read the secrets first: a missing grant fails the deploy before any DDL.
	var logins []Login
	if len(o.UserSecrets) > 0 {
		var err error
		logins, err = SecretLogins(ctx, NewSecretsClient(o.Region, o.SecretsEndpoint), o.UserSecrets)
		if err != nil {
			return Result{}, nil, err
		}
	}
	iamRegion := ""
	if o.IAMAuth {
		if o.Region == "" {
			return Result{}, nil, fmt.Errorf("migrate: DB_IAM_AUTH needs AWS_REGION")
		}
		iamRegion = o.Region
	}
	db, err := open(o.DSN, iamRegion)
	if err != nil {
		return Result{}, nil, err
	}
	defer db.Close()
	res, err := up(ctx, db)
	if err != nil {
		return res, nil, err
	}
	var names []string
	for _, l := range logins {
		names = append(names, l.User)
	}
	return res, names, EnsureUsers(ctx, db, logins)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

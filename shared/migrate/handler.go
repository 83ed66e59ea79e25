package migrate

import (
	"context"
	"fmt"
	"log/slog"
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

// Handler is the migrate function: on Create and Update (every deploy changes a
// property, so every deploy runs it) it applies the pending migrations; on Delete it
// leaves the schema alone, because dropping a city's data with a stack is never
// what anyone wants. A failure is returned as an error so the deploy stops before
// the API functions that need the new schema are updated.
func Handler(dsn string) func(context.Context, cfn.Event) (Response, error) {
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
		if dsn == "" {
			return resp, fmt.Errorf("migrate: DATABASE_URL is not set")
		}
		res, err := Up(ctx, dsn)
		log.InfoContext(ctx, "migrations", "request", string(ev.RequestType), "applied", strings.Join(res.Applied, ","),
			"version", res.Version, "error", errString(err))
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

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Package requeue lets an SQS-triggered function bring a message it failed back
// sooner than the queue's visibility timeout would. A Lambda event source needs
// that timeout at six times the function's (the transcoder's: 6 x 900 s), so a
// message reported as a batch item failure would otherwise wait an hour and a half
// for its retry, and a candidate as long for an answer that a passing fault held
// up. ChangeMessageVisibility on the failed receive shortens the wait to a backoff.
// Only the transcode task imports it.
package requeue

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/civicq/civicq/shared/awsauth"
)

// Options configure the client.
type Options struct {
	Region string
	// Endpoint, when set, is an SQS-compatible endpoint (the local stack's).
	Endpoint string
	// Credentials sign the requests (nil: awsauth.EnvCredentials, the execution
	// role's, without the SDK's credential chain).
	Credentials aws.CredentialsProvider
	HTTPClient  *http.Client
}

// Client changes the visibility of received messages.
type Client struct {
	sqs      *sqs.Client
	endpoint string
}

// New builds a client without touching the network.
func New(o Options) *Client {
	opts := sqs.Options{Region: o.Region, Credentials: o.Credentials}
	if opts.Credentials == nil {
		opts.Credentials = awsauth.EnvCredentials
	}
	if o.HTTPClient != nil {
		opts.HTTPClient = o.HTTPClient
	}
	if o.Endpoint != "" {
		opts.BaseEndpoint = aws.String(o.Endpoint)
	}
	return &Client{sqs: sqs.New(opts), endpoint: strings.TrimSuffix(o.Endpoint, "/")}
}

// MaxDelay is the longest visibility SQS accepts (12 hours).
const MaxDelay = 12 * time.Hour

// After makes msg, received and not yet deleted, visible again after d (rounded
// down to whole seconds, as SQS counts them).
func (c *Client) After(ctx context.Context, msg events.SQSMessage, d time.Duration) error {
	if d < 0 || d > MaxDelay {
		return fmt.Errorf("requeue: delay %v is outside 0..%v", d, MaxDelay)
	}
	url, err := c.queueURL(msg.EventSourceARN)
	if err != nil {
		return err
	}
	_, err = c.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(url), ReceiptHandle: aws.String(msg.ReceiptHandle),
		VisibilityTimeout: int32(d / time.Second),
	})
	if err != nil {
		return fmt.Errorf("requeue: change visibility of %s: %w", msg.MessageId, err)
	}
	return nil
}

// queueURL is the URL of the queue an event record came from
// (arn:aws:sqs:REGION:ACCOUNT:NAME), on the configured endpoint or AWS's.
func (c *Client) queueURL(arn string) (string, error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" || parts[3] == "" || parts[4] == "" || parts[5] == "" {
		return "", errors.New("requeue: not an SQS queue ARN: " + arn)
	}
	region, account, name := parts[3], parts[4], parts[5]
	base := c.endpoint
	if base == "" {
		base = "https://sqs." + region + ".amazonaws.com"
	}
	return base + "/" + account + "/" + name, nil
}

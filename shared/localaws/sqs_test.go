package localaws

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/requeue"
	"github.com/civicq/civicq/shared/testenv"
)

// ChangeMessageVisibility through the SDK (requeue.Client) against the local SQS
// API: a failed receive comes back after the delay asked for, not the queue's
// visibility timeout, with its receive count intact; bad handles and delays are
// refused as SQS refuses them.
func TestChangeVisibilityThroughTheSDK(t *testing.T) {
	ctx := context.Background()
	q, _ := newQueue(t, testenv.RedisAddr(t), time.Minute)
	srv := httptest.NewServer(SQSAPI(q))
	t.Cleanup(srv.Close)
	rq := requeue.New(requeue.Options{Region: "us-east-1", Endpoint: srv.URL,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}, nil
		})})

	_, err := q.Send(ctx, []byte(`{"n":1}`))
	require.NoError(t, err)
	m, err := q.Receive(ctx, "c", 0)
	require.NoError(t, err)
	require.NotNil(t, m)
	first := time.Now()
	require.NoError(t, rq.After(ctx, q.SQS(m, first), time.Second))

	again, err := q.Receive(ctx, "c", 0)
	require.NoError(t, err)
	require.Nil(t, again, "hidden for the second asked for")
	for again == nil && time.Since(first) < 5*time.Second {
		time.Sleep(100 * time.Millisecond)
		again, err = q.Receive(ctx, "c", 0)
		require.NoError(t, err)
	}
	require.NotNil(t, again, "visible again after the delay, not after the queue's minute")
	require.GreaterOrEqual(t, time.Since(first), 900*time.Millisecond)
	require.Equal(t, m.ID, again.ID)
	require.Equal(t, 2, again.ReceiveCount, "a visibility change is not a receive")

	// Deleted: its handle is no longer valid.
	require.NoError(t, q.Delete(ctx, again))
	err = rq.After(ctx, q.SQS(again, first), time.Second)
	var api smithy.APIError
	require.ErrorAs(t, err, &api)
	require.Equal(t, "ReceiptHandleIsInvalid", api.ErrorCode())

	// An ARN of another queue, and a delay SQS would refuse.
	other := q.SQS(again, first)
	other.EventSourceARN = "arn:aws:sqs:us-east-1:000000000000:nope"
	require.ErrorAs(t, rq.After(ctx, other, time.Second), &api)
	require.Equal(t, "QueueDoesNotExist", api.ErrorCode())
	require.Error(t, rq.After(ctx, q.SQS(again, first), 13*time.Hour))
	other.EventSourceARN = "not an arn"
	require.ErrorContains(t, rq.After(ctx, other, time.Second), "not an SQS queue ARN")
}

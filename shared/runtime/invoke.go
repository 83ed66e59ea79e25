package runtime

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/civicq/civicq/shared/apigwjson"
)

// lambdaHandler is an HTTP function as aws-lambda-go's lambda.Handler: raw event
// bytes in, raw response bytes out. lambda.Start takes a Handler as it is, so this
// is the entry path in Lambda and in the local gateway alike. Doing the JSON here
// instead of in aws-lambda-go's reflection wrapper lets it go through apigwjson,
// which gives encoding/json's results without its reflection (the event decode
// alone was about a quarter of a warm cached read's CPU).
type lambdaHandler struct {
	fn HTTPFunc
}

var _ lambda.Handler = lambdaHandler{}

// Invoke decodes the event, serves it and encodes the response. A payload that is
// not an API Gateway event is the platform's failure, not the caller's, so it is
// the one case that returns an error.
func (h lambdaHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	ev, err := apigwjson.DecodeRequest(payload)
	if err != nil {
		return nil, err
	}
	resp, err := h.fn(ctx, ev)
	if err != nil {
		return nil, err
	}
	// Room for the body and the usual headers, so the buffer is allocated once.
	return apigwjson.AppendResponse(make([]byte, 0, len(resp.Body)+512), &resp), nil
}

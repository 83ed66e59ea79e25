package runtime

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
)

// lambdaHandler is an HTTP function as aws-lambda-go's lambda.Handler: raw event
// bytes in, raw response bytes out. lambda.Start takes a Handler as it is, so this
// is the entry path in Lambda and in the local gateway alike; doing the JSON here
// instead of in aws-lambda-go's reflection wrapper lets the response be encoded
// without re-escaping its body (see encodeResponse).
type lambdaHandler struct {
	fn HTTPFunc
}

// Invoke decodes the event, serves it and encodes the response. A payload that is
// not an API Gateway event is the platform's failure, not the caller's, so it is
// the one case that returns an error.
func (h lambdaHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	resp, err := h.fn(ctx, ev)
	if err != nil {
		return nil, err
	}
	return encodeResponse(resp)
}

// encodeResponse writes the same bytes as json.Marshal(resp). Cached responses are
// gzip, so their body travels base64-encoded (the api-proxy encodes any body that
// is not UTF-8), and base64's alphabet never needs JSON escaping: the body, the
// bulk of the payload, is copied instead of being scanned byte by byte. Every
// response here comes from HTTPHandler, whose IsBase64Encoded bodies are the
// api-proxy's base64.StdEncoding output, so the alphabet holds by construction.
func encodeResponse(resp events.APIGatewayV2HTTPResponse) ([]byte, error) {
	if !resp.IsBase64Encoded {
		return json.Marshal(resp)
	}
	headers, err := json.Marshal(resp.Headers)
	if err != nil {
		return nil, err
	}
	multi, err := json.Marshal(resp.MultiValueHeaders)
	if err != nil {
		return nil, err
	}
	cookies, err := json.Marshal(resp.Cookies)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(resp.Body)+len(headers)+len(multi)+len(cookies)+100)
	b = append(b, `{"statusCode":`...)
	b = strconv.AppendInt(b, int64(resp.StatusCode), 10)
	b = append(b, `,"headers":`...)
	b = append(b, headers...)
	b = append(b, `,"multiValueHeaders":`...)
	b = append(b, multi...)
	b = append(b, `,"body":"`...)
	b = append(b, resp.Body...)
	b = append(b, `","isBase64Encoded":true,"cookies":`...)
	b = append(b, cookies...)
	b = append(b, '}')
	return b, nil
}

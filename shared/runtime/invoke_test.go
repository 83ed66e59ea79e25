package runtime

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/stretchr/testify/require"
)

// The raw-bytes entry path answers exactly what aws-lambda-go's own reflection
// wrapper (encoding/json both ways) answers for the same function, on every
// fixture and on payloads that are not events.
func TestLambdaHandlerMatchesAWSLambdaGo(t *testing.T) {
	rt, _ := newTestRuntime(t)
	fn := rt.HTTPHandler(testRow, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Set("X-Echo", r.Header.Get("Content-Type")+" <&> "+r.URL.RawQuery)
		if r.URL.Path == "/api/things/bin" {
			_, _ = w.Write([]byte{0x1f, 0x8b, 0xff, 0})
			return
		}
		body, _ := json.Marshal(map[string]string{"thing": r.PathValue("thing"), "method": r.Method})
		_, _ = w.Write(body)
	}))
	fast := lambdaHandler{fn: fn}
	slow := lambda.NewHandler(fn)

	payloads := [][]byte{[]byte(`[]`), []byte(`{"requestContext":{"timeEpoch":"x"}}`), []byte(`not json`)}
	for _, path := range []string{"/api/things/x", "/api/things/bin", "/api/other"} {
		ev := event(http.MethodGet, path, "")
		ev.RawQueryString = "a=1&b=%3C"
		p, err := json.Marshal(ev)
		require.NoError(t, err)
		payloads = append(payloads, p)
	}
	files, err := filepath.Glob("../../events/*/*.json")
	require.NoError(t, err)
	for _, f := range files {
		p, err := os.ReadFile(f)
		require.NoError(t, err)
		payloads = append(payloads, p)
	}
	for _, p := range payloads {
		want, wantErr := slow.Invoke(context.Background(), p)
		got, err := fast.Invoke(context.Background(), p)
		require.Equal(t, wantErr == nil, err == nil, "%s: %v / %v", p, err, wantErr)
		if err != nil {
			continue
		}
		// Equal as documents: aws-lambda-go's encoder does not escape HTML.
		var a, b events.APIGatewayV2HTTPResponse
		require.NoError(t, json.Unmarshal(got, &a))
		require.NoError(t, json.Unmarshal(want, &b))
		require.Equal(t, b, a, "%s", p)
	}
}

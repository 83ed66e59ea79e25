package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/metrics"
	"github.com/civicq/civicq/shared/routes"
)

var testRow = routes.Route{Name: "echo", Method: "GET", Path: "/api/things/{thing}", MemoryMB: 128, Timeout: 5}

// newTestRuntime builds a Runtime whose pools point nowhere: New never connects.
func newTestRuntime(t *testing.T) (*Runtime, *bytes.Buffer) {
	t.Helper()
	rt, err := New(config.Config{Function: "echo", DatabaseURL: "postgres://nobody@127.0.0.1:1/none",
		DatabaseReadURL: "postgres://nobody@127.0.0.1:1/none", DBMaxConns: 1, MetricsNamespace: "CivicQTest"})
	require.NoError(t, err)
	t.Cleanup(rt.Close)
	var emf bytes.Buffer
	rt.Metrics = &emf
	rt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	return rt, &emf
}

// invoke runs the handler through aws-lambda-go's own decoding, as Lambda does.
func invoke(t *testing.T, fn HTTPFunc, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	payload, err := json.Marshal(ev)
	require.NoError(t, err)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	out, err := lambda.NewHandler(fn).Invoke(ctx, payload)
	require.NoError(t, err, "HTTP functions never return Go errors")
	var resp events.APIGatewayV2HTTPResponse
	require.NoError(t, json.Unmarshal(out, &resp))
	return resp
}

func event(method, path, body string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: testRow.Pattern(), RawPath: path, Body: body,
		Headers: map[string]string{"content-type": "application/json"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "api-req-1", DomainName: "example.com",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path},
		},
	}
}

func emfDocs(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var docs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var d map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &d), line)
		docs = append(docs, d)
	}
	return docs
}

func TestPathValuesContextAndOneEMFDocumentPerInvocation(t *testing.T) {
	rt, emf := newTestRuntime(t)
	fn := rt.HTTPHandler(testRow, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The request context must carry the Lambda context (ProxyWithContext) and the
		// invocation's metrics.
		lc, ok := lambdacontext.FromContext(r.Context())
		require.True(t, ok, "ProxyWithContext must keep the Lambda context")
		metrics.FromContext(r.Context()).CacheHit()
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, r.PathValue("thing")+" "+lc.AwsRequestID)
	}))
	resp := invoke(t, fn, event("GET", "/api/things/lamp", ""))
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "lamp req-1", resp.Body)
	resp = invoke(t, fn, event("GET", "/api/things/desk", ""))
	require.Equal(t, "desk req-1", resp.Body)

	docs := emfDocs(t, emf)
	require.Len(t, docs, 2, "exactly one EMF document per invocation")
	require.EqualValues(t, 1, docs[0]["ColdStart"])
	require.EqualValues(t, 0, docs[1]["ColdStart"])
	for _, d := range docs {
		require.Equal(t, "echo", d["Function"])
		require.Equal(t, "2xx", d["StatusClass"])
		require.EqualValues(t, 1, d["CacheHits"])
		require.Equal(t, "req-1", d["requestId"])
		require.Equal(t, "api-req-1", d["apiRequestId"])
		require.Contains(t, d, "_aws")
	}
}

func TestGuardAnswersEveryFailureWithJSON(t *testing.T) {
	rt, emf := newTestRuntime(t)
	silent := rt.HTTPHandler(testRow, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	panics := rt.HTTPHandler(testRow, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	ok := rt.HTTPHandler(testRow, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))

	for _, tc := range []struct {
		name   string
		fn     HTTPFunc
		ev     events.APIGatewayV2HTTPRequest
		status int
		code   string
	}{
		{"handler wrote nothing", silent, event("GET", "/api/things/a", ""), 500, "internal"},
		{"handler panicked", panics, event("GET", "/api/things/a", ""), 500, "internal"},
		{"body on a route that takes none", ok, event("GET", "/api/things/a", `{"x":1}`), 413, "body_too_large"},
		{"wrong method", ok, event("DELETE", "/api/things/a", ""), 405, "method_not_allowed"},
		{"path outside the route", ok, event("GET", "/api/other", ""), 404, "not_found"},
		{"body that is not base64", ok, func() events.APIGatewayV2HTTPRequest {
			e := event("GET", "/api/things/a", "%%%")
			e.IsBase64Encoded = true
			return e
		}(), 400, "bad_request"},
	} {
		resp := invoke(t, tc.fn, tc.ev)
		require.Equal(t, tc.status, resp.StatusCode, tc.name)
		var body struct {
			Error struct{ Code, Message string }
		}
		require.NoError(t, json.Unmarshal([]byte(resp.Body), &body), "%s: %s", tc.name, resp.Body)
		require.Equal(t, tc.code, body.Error.Code, tc.name)
		require.NotEmpty(t, body.Error.Message, tc.name)
	}
	docs := emfDocs(t, emf)
	require.Len(t, docs, 6)
	require.Equal(t, "5xx", docs[0]["StatusClass"])
	require.Equal(t, "4xx", docs[2]["StatusClass"])
}

func TestBodyWithinLimitReachesHandler(t *testing.T) {
	rt, _ := newTestRuntime(t)
	row := testRow
	row.Method, row.MaxBody = "POST", 16
	fn := rt.HTTPHandler(row, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		w.WriteHeader(200)
		_, _ = w.Write(b)
	}))
	resp := invoke(t, fn, event("POST", "/api/things/a", `{"ok":true}`))
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, `{"ok":true}`, resp.Body)
	resp = invoke(t, fn, event("POST", "/api/things/a", `{"ok":true,"more":"xxxxxxxx"}`))
	require.Equal(t, 413, resp.StatusCode)
}

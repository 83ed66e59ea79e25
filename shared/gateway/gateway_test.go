package gateway

import (
	"bytes"
	"context"
	stdbase64 "encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/jwtauth"
	"github.com/civicq/civicq/shared/jwtauth/jwttest"
	"github.com/civicq/civicq/shared/routes"
)

var (
	publicRow = routes.Route{Name: "echo-public", Method: "GET", Path: "/api/cities/{city}/things/{thing}", Access: routes.Public, Timeout: 5}
	callerRow = routes.Route{Name: "echo-caller", Method: "PUT", Path: "/api/cities/{city}/things/{thing}", Access: routes.Caller, Timeout: 5}
)

// echo is a Lambda handler that answers with the event it received, so tests see
// exactly what a function would.
func echo(t *testing.T) lambda.Handler {
	return lambda.NewHandler(func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		lc, ok := lambdacontext.FromContext(ctx)
		require.True(t, ok, "the gateway must give functions a Lambda context")
		_, hasDeadline := ctx.Deadline()
		require.True(t, hasDeadline, "the gateway must set the function's timeout as a deadline")
		require.NotEmpty(t, lc.AwsRequestID)
		body, _ := json.Marshal(ev)
		return events.APIGatewayV2HTTPResponse{
			StatusCode: 201, Body: string(body),
			Headers: map[string]string{"Content-Type": "application/json"},
			Cookies: []string{"a=1; Path=/", "b=2"},
		}, nil
	})
}

func newGateway(t *testing.T, auth Authorizer) *Gateway {
	t.Helper()
	g, err := New([]Mount{{Route: publicRow, Handler: echo(t)}, {Route: callerRow, Handler: echo(t)}}, auth,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	return g
}

func do(g http.Handler, method, target string, body io.Reader, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	return rec
}

func TestEventIsShapedLikeAPIGateways(t *testing.T) {
	g := newGateway(t, nil)
	rec := do(g, "GET", "/api/cities/riverton/things/a%20b?x=1&x=2&y=3", nil, map[string]string{
		"X-Custom": "v", "Cookie": "session=abc; theme=dark",
	})
	require.Equal(t, 201, rec.Code, rec.Body.String())
	require.Equal(t, []string{"a=1; Path=/", "b=2"}, rec.Header().Values("Set-Cookie"))
	var ev events.APIGatewayV2HTTPRequest
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &ev))
	require.Equal(t, "2.0", ev.Version)
	require.Equal(t, "GET /api/cities/{city}/things/{thing}", ev.RouteKey)
	require.Equal(t, ev.RouteKey, ev.RequestContext.RouteKey)
	require.Equal(t, "/api/cities/riverton/things/a%20b", ev.RawPath)
	require.Equal(t, "x=1&x=2&y=3", ev.RawQueryString)
	require.Equal(t, map[string]string{"x": "1,2", "y": "3"}, ev.QueryStringParameters)
	require.Equal(t, map[string]string{"city": "riverton", "thing": "a b"}, ev.PathParameters)
	require.Equal(t, "v", ev.Headers["x-custom"], "header names are lower-cased")
	require.NotContains(t, ev.Headers, "cookie")
	require.Equal(t, []string{"session=abc", "theme=dark"}, ev.Cookies)
	require.Equal(t, "GET", ev.RequestContext.HTTP.Method)
	require.Equal(t, "$default", ev.RequestContext.Stage)
	require.NotEmpty(t, ev.RequestContext.RequestID)
	require.NotZero(t, ev.RequestContext.TimeEpoch)
	require.Nil(t, ev.RequestContext.Authorizer, "public routes carry no claims")
}

func TestBinaryBodyIsBase64(t *testing.T) {
	g, err := New([]Mount{{Route: routes.Route{Name: "p", Method: "POST", Path: "/api/p", Access: routes.Public, Timeout: 5}, Handler: echo(t)}}, nil, nil)
	require.NoError(t, err)
	rec := do(g, "POST", "/api/p", bytes.NewReader([]byte{0xff, 0x00, 0xfe}), nil)
	var ev events.APIGatewayV2HTTPRequest
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &ev))
	require.True(t, ev.IsBase64Encoded)
	require.Equal(t, "/wD+", ev.Body)
	rec = do(g, "POST", "/api/p", strings.NewReader(`{"a":1}`), nil)
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &ev))
	require.False(t, ev.IsBase64Encoded)
	require.Equal(t, `{"a":1}`, ev.Body)
}

// A binary response travels base64-encoded in the response JSON (as the api-proxy
// sends every non-UTF-8 body); the gateway writes it decoded, and answers a bare
// 500 for a body that is not valid base64, as API Gateway does.
func TestBinaryResponsesAreDecoded(t *testing.T) {
	var body []byte
	raw := false
	fn := lambda.NewHandler(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		enc := stdbase64.StdEncoding.EncodeToString(body)
		if raw {
			enc = "not base64!"
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: enc, IsBase64Encoded: true,
			Headers: map[string]string{"Content-Encoding": "gzip"}}, nil
	})
	g, err := New([]Mount{{Route: publicRow, Handler: fn}}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	for _, n := range []int{0, 1, 2, 3, 44, 45, 46, 100, 4318, 65536 + 7} {
		body = make([]byte, n)
		for i := range body {
			body[i] = byte(i*7 + n)
		}
		rec := do(g, "GET", "/api/cities/riverton/things/x", nil, nil)
		require.Equal(t, 200, rec.Code)
		require.Equal(t, "gzip", rec.Header().Get("Content-Encoding"))
		require.Equal(t, string(body), rec.Body.String(), "%d bytes", n)
	}
	raw = true
	rec := do(g, "GET", "/api/cities/riverton/things/x", nil, nil)
	require.Equal(t, 500, rec.Code)
	require.JSONEq(t, `{"message":"Internal Server Error"}`, rec.Body.String())
}

func TestUnroutedRequests(t *testing.T) {
	g := newGateway(t, nil)
	rec := do(g, "GET", "/api/nowhere", nil, nil)
	require.Equal(t, 404, rec.Code)
	require.JSONEq(t, `{"message":"Not Found"}`, rec.Body.String())

	rec = do(g, "DELETE", "/api/cities/riverton/things/x", nil, nil)
	require.Equal(t, 405, rec.Code)
	require.Equal(t, "GET, PUT", rec.Header().Get("Allow"))
	require.Contains(t, rec.Body.String(), `"code":"method_not_allowed"`)

	rec = do(g, "GET", "/api/cities/riverton/things/x", strings.NewReader(strings.Repeat("x", maxPayload+1)), nil)
	require.Equal(t, 413, rec.Code)
}

func TestCallerRoutesVerifyTheJWT(t *testing.T) {
	iss := jwttest.New(t)
	auth, err := jwtauth.New(context.Background(), jwtauth.Config{Issuer: iss.URL, JWKSURL: iss.JWKSURL, Audiences: []string{iss.ClientID}})
	require.NoError(t, err)
	g := newGateway(t, auth)

	// No token, a garbled one, one for another audience: 401 as the authorizer says it.
	for _, hdr := range []map[string]string{
		nil,
		{"Authorization": "Bearer not.a.token"},
		{"Authorization": "Bearer " + iss.IDToken(t, "u1", map[string]any{"aud": "someone-else"})},
	} {
		rec := do(g, "PUT", "/api/cities/riverton/things/x", nil, hdr)
		require.Equal(t, 401, rec.Code)
		require.JSONEq(t, `{"message":"Unauthorized"}`, rec.Body.String())
	}

	tok := iss.IDToken(t, "user-123", map[string]any{"cognito:groups": []string{"moderators", "residents"}})
	rec := do(g, "PUT", "/api/cities/riverton/things/x", nil, map[string]string{"Authorization": "Bearer " + tok})
	require.Equal(t, 201, rec.Code, rec.Body.String())
	var ev events.APIGatewayV2HTTPRequest
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &ev))
	require.NotNil(t, ev.RequestContext.Authorizer)
	claims := ev.RequestContext.Authorizer.JWT.Claims
	require.Equal(t, "user-123", claims["sub"])
	require.Equal(t, "true", claims["email_verified"])
	require.Equal(t, "[moderators residents]", claims["cognito:groups"])

	// Without an authorizer configured, caller routes are closed, never open.
	rec = do(newGateway(t, nil), "PUT", "/api/cities/riverton/things/x", nil, map[string]string{"Authorization": "Bearer " + tok})
	require.Equal(t, 401, rec.Code)
}

func TestFunctionErrorsBecomeBare500s(t *testing.T) {
	failing := lambda.NewHandler(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{}, io.ErrUnexpectedEOF
	})
	g, err := New([]Mount{{Route: publicRow, Handler: failing}}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	rec := do(g, "GET", "/api/cities/riverton/things/x", nil, nil)
	require.Equal(t, 500, rec.Code)
	require.JSONEq(t, `{"message":"Internal Server Error"}`, rec.Body.String())
}

func TestMountingMistakesAreRefused(t *testing.T) {
	_, err := New([]Mount{{Route: publicRow, Handler: echo(t)}, {Route: publicRow, Handler: echo(t)}}, nil, nil)
	require.Error(t, err)
	_, err = New([]Mount{{Route: publicRow}}, nil, nil)
	require.Error(t, err)
}

// A row that forgets to say who may call it is closed, not open.
func TestRowsWithoutAccessNeedACaller(t *testing.T) {
	g, err := New([]Mount{{Route: routes.Route{Name: "x", Method: "GET", Path: "/api/x", Timeout: 5}, Handler: echo(t)}}, nil, nil)
	require.NoError(t, err)
	require.Equal(t, 401, do(g, "GET", "/api/x", nil, nil).Code)
}

// queryParams builds queryStringParameters in one pass; it must agree with the
// url.Values route it replaced (decoded names and values, repeats joined with
// commas in order, undecodable pairs left out).
func TestQueryParamsAgreesWithParseQuery(t *testing.T) {
	for _, raw := range []string{
		"", "sort=top", "sort=top&limit=5&cursor=abc", "a=1&a=2&a=3", "q=a+b%20c&x=%2C", "flag", "=v", "k=",
		"bad=%zz&ok=1", "semi=1;2&ok=1", "&&a=1&", "a=1&b=&a=", "%41=%42",
	} {
		want := map[string]string{}
		q, _ := url.ParseQuery(raw)
		for k, v := range q {
			want[k] = strings.Join(v, ",")
		}
		got := queryParams(raw)
		if len(want) == 0 && got == nil {
			continue
		}
		if !maps.Equal(got, want) {
			t.Errorf("queryParams(%q) = %v, want %v", raw, got, want)
		}
	}
}

func TestIDsAreShapedLikeAWSs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		u := newUUID()
		if _, err := uuid.Parse(u); err != nil || u[14] != '4' || !strings.ContainsAny(u[19:20], "89ab") {
			t.Fatalf("newUUID() = %q: not a version 4 UUID (%v)", u, err)
		}
		id := newRequestID()
		if b, err := stdbase64.StdEncoding.DecodeString(id); err != nil || len(b) != 10 {
			t.Fatalf("newRequestID() = %q: not 10 bytes of base64", id)
		}
		if seen[u] || seen[id] {
			t.Fatalf("an id repeated within 1,000")
		}
		seen[u], seen[id] = true, true
	}
}

// Package gateway is the local stand-in for API Gateway's HTTP API. It serves every
// row of the route table, turns each HTTP request into the payload-2.0 event the
// cloud would send (path parameters, lowercased headers, cookies, JWT claims under
// requestContext.authorizer.jwt), verifies bearer tokens as the JWT authorizer
// would, and invokes the function's handler through aws-lambda-go's own entry path
// (lambda.Handler.Invoke on the JSON payload), so a function cannot tell it apart
// from the cloud.
//
// The gateway's own JSON (the event it sends, the response it reads) goes through
// shared/apigwjson, which writes json.Marshal's bytes and reads as json.Unmarshal
// does without reflection: that cost belongs to API Gateway in the cloud, not to
// the function being measured. A response body is read as bytes and base64-decoded
// into a pooled buffer, never copied into a string first, with segmentio/asm's
// base64 (AVX2 on amd64, NEON on arm64; the standard library's results, several
// times faster on the kilobytes of a gzip body).
package gateway

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/segmentio/asm/base64"

	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/apigwjson"
	"github.com/civicq/civicq/shared/jwtauth"
	"github.com/civicq/civicq/shared/routes"
)

// maxPayload is API Gateway's own limit on a request payload.
const maxPayload = 10 << 20

// Authorizer verifies an Authorization header; *jwtauth.Authorizer is one.
type Authorizer interface {
	Authorize(ctx context.Context, header string) (jwtauth.Result, error)
}

// Mount is one route row served by one function's Lambda handler.
type Mount struct {
	Route   routes.Route
	Handler lambda.Handler
}

// mounted is a Mount with what every request to it needs, worked out once.
type mounted struct {
	Mount
	pattern string   // "GET /api/cities/{city}/ballot", the event's routeKey
	params  []string // path parameter names
	arn     string   // the function's ARN in the Lambda context
	timeout time.Duration
}

func newMounted(m Mount) *mounted {
	return &mounted{Mount: m, pattern: m.Route.Pattern(), params: m.Route.PathParams(),
		arn:     "arn:aws:lambda:local:000000000000:function:" + m.Route.Name,
		timeout: time.Duration(m.Route.Timeout) * time.Second}
}

// Gateway is an http.Handler serving the mounted routes under their paths.
type Gateway struct {
	mux    *http.ServeMux
	mounts map[string]Mount // by name
	auth   Authorizer
	log    *slog.Logger
	// Fallback serves what is not under /api (the web app, later).
	Fallback http.Handler
}

// New mounts the routes. auth may be nil when no route needs a caller; a caller
// route then answers 401, as an HTTP API with a broken authorizer would.
func New(mounts []Mount, auth Authorizer, log *slog.Logger) (*Gateway, error) {
	if log == nil {
		log = slog.Default()
	}
	g := &Gateway{mux: http.NewServeMux(), mounts: map[string]Mount{}, auth: auth, log: log}
	byPath := map[string]map[string]*mounted{}
	for _, m := range mounts {
		if m.Handler == nil {
			return nil, errors.New("gateway: route " + m.Route.Name + " has no handler")
		}
		if _, dup := g.mounts[m.Route.Name]; dup {
			return nil, errors.New("gateway: route " + m.Route.Name + " mounted twice")
		}
		g.mounts[m.Route.Name] = m
		if byPath[m.Route.Path] == nil {
			byPath[m.Route.Path] = map[string]*mounted{}
		}
		byPath[m.Route.Path][m.Route.Method] = newMounted(m)
	}
	for path, methods := range byPath {
		g.mux.Handle(path, g.dispatch(methods))
	}
	// An unrouted path gets API Gateway's own 404, from a catch-all rather than a
	// lookup before serving, so each request is matched once.
	g.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		gatewayMessage(w, http.StatusNotFound, "Not Found")
	})
	return g, nil
}

// Mounted reports whether a route name is served.
func (g *Gateway) Mounted(name string) bool {
	_, ok := g.mounts[name]
	return ok
}

// ServeHTTP routes a request as the HTTP API would.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.Fallback != nil && r.URL.Path != "/api" && !strings.HasPrefix(r.URL.Path, "/api/") {
		g.Fallback.ServeHTTP(w, r)
		return
	}
	g.mux.ServeHTTP(w, r)
}

// dispatch picks the function for the request's method among the rows that share
// one path. API Gateway itself answers 404 for an unrouted method; CivicQ answers
// 405 with the allowed methods, which tells a client what it did wrong.
func (g *Gateway) dispatch(methods map[string]*mounted) http.Handler {
	allowed := make([]string, 0, len(methods))
	for m := range methods {
		allowed = append(allowed, m)
	}
	sort.Strings(allowed)
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, ok := methods[r.Method]
		if !ok {
			w.Header().Set("Allow", allow)
			api.WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", "This URL accepts "+allow+" only.")
			return
		}
		g.invoke(w, r, m)
	})
}

func (g *Gateway) invoke(w http.ResponseWriter, r *http.Request, m *mounted) {
	if !g.log.Enabled(r.Context(), slog.LevelDebug) {
		g.serve(w, r, m)
		return
	}
	start := time.Now()
	status := g.serve(w, r, m)
	g.log.Debug("gateway", "method", r.Method, "path", r.URL.Path, "function", m.Route.Name,
		"status", status, "ms", float64(time.Since(start).Microseconds())/1000)
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, m *mounted) int {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxPayload)); err != nil {
			return gatewayMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		}
	}
	ev := event(r, m.pattern, m.params, body)
	if m.Route.NeedsCaller() {
		if g.auth == nil {
			return gatewayMessage(w, http.StatusUnauthorized, "Unauthorized")
		}
		res, err := g.auth.Authorize(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			g.log.Info("gateway: token refused", "function", m.Route.Name, "error", err.Error())
			return gatewayMessage(w, http.StatusUnauthorized, "Unauthorized")
		}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: res.Claims, Scopes: res.Scopes},
		}
	}
	// The payload's buffer is reused: Invoke decodes it and keeps nothing of it
	// (apigwjson copies every string it reads), as Lambda's runtime client reuses
	// its own.
	pbuf := payloads.Get().(*[]byte)
	defer payloads.Put(pbuf)
	payload, err := apigwjson.AppendRequest((*pbuf)[:0], &ev)
	if err != nil {
		return gatewayMessage(w, http.StatusInternalServerError, "Internal Server Error")
	}
	*pbuf = payload

	// What the Lambda service gives a handler: a deadline from the function's
	// timeout and the Lambda context with a request id.
	ctx, cancel := context.WithTimeout(r.Context(), m.timeout)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       newUUID(),
		InvokedFunctionArn: m.arn,
	})
	out, err := m.Handler.Invoke(ctx, payload)
	if err != nil {
		// A Go error from a function is what API Gateway turns into a bare 500.
		g.log.Error("gateway: function returned an error", "function", m.Route.Name, "error", err.Error())
		return gatewayMessage(w, http.StatusInternalServerError, "Internal Server Error")
	}
	resp, respBody, err := apigwjson.DecodeResponse(out)
	if err != nil || resp.StatusCode == 0 {
		g.log.Error("gateway: function returned no valid response", "function", m.Route.Name)
		return gatewayMessage(w, http.StatusInternalServerError, "Internal Server Error")
	}
	return writeResponse(w, resp, respBody)
}

// Event builds the API Gateway v2 HTTP event for a request routed to row.
func Event(r *http.Request, row routes.Route, body []byte) events.APIGatewayV2HTTPRequest {
	return event(r, row.Pattern(), row.PathParams(), body)
}

func event(r *http.Request, pattern string, params []string, body []byte) events.APIGatewayV2HTTPRequest {
	now := time.Now().UTC()
	headers := make(map[string]string, len(r.Header)+1)
	var cookies []string
	for name, vals := range r.Header {
		if strings.EqualFold(name, "cookie") {
			for _, v := range vals {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lowerName(name)] = strings.Join(vals, ",")
	}
	if r.Host != "" {
		headers["host"] = r.Host
	}
	query := queryParams(r.URL.RawQuery)
	var pathParams map[string]string
	if len(params) > 0 {
		pathParams = make(map[string]string, len(params))
		for _, n := range params {
			pathParams[n] = r.PathValue(n)
		}
	}
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	host := hostOnly(r.Host)
	prefix, _, _ := strings.Cut(host, ".")
	path := r.URL.EscapedPath()
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              pattern,
		RawPath:               path,
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        pathParams,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     pattern,
			AccountID:    "000000000000",
			Stage:        "$default",
			RequestID:    newRequestID(),
			APIID:        "local",
			DomainName:   host,
			DomainPrefix: prefix,
			Time:         now.Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		// HTTP APIs pass text through and base64-encode anything else.
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// lowerName is the header name as API Gateway passes it, lowercased. net/http
// keeps names canonical ("Accept-Encoding"), so the usual ones are looked up
// rather than lowercased into a new string on every request.
func lowerName(name string) string {
	if l, ok := lowerNames[name]; ok {
		return l
	}
	return strings.ToLower(name)
}

var lowerNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"Accept", "Accept-Encoding", "Accept-Language", "Authorization", "Cache-Control",
		"Connection", "Content-Length", "Content-Type", "If-Modified-Since", "If-None-Match", "Origin", "Pragma",
		"Referer", "User-Agent", "X-Forwarded-For", "X-Forwarded-Proto", "X-Requested-With"} {
		m[n] = strings.ToLower(n)
	}
	return m
}()

// bodies holds the buffers response bodies are base64-decoded into (the
// ResponseWriter copies what it is given, so a buffer is free again after Write).
var bodies = sync.Pool{New: func() any { return new([]byte) }}

// writeResponse writes a function's response; body is its (still encoded) body.
func writeResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse, body []byte) int {
	h := w.Header()
	// One backing array for the single-valued headers instead of a slice each
	// (http.Header.Set allocates one per call); the three-index slices keep a
	// later Add from writing into a neighbour.
	vals := make([]string, 0, len(resp.Headers))
	for k, v := range resp.Headers {
		vals = append(vals, v)
		n := len(vals)
		h[textproto.CanonicalMIMEHeaderKey(k)] = vals[n-1 : n : n]
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	if resp.IsBase64Encoded {
		buf := bodies.Get().(*[]byte)
		defer bodies.Put(buf)
		if size := base64.StdEncoding.DecodedLen(len(body)); cap(*buf) < size {
			*buf = make([]byte, size)
		}
		n, err := base64.StdEncoding.Decode((*buf)[:cap(*buf)], body)
		if err != nil {
			return gatewayMessage(w, http.StatusInternalServerError, "Internal Server Error")
		}
		body = (*buf)[:n]
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return resp.StatusCode
}

// gatewayMessage answers as API Gateway itself does, before or instead of a function.
func gatewayMessage(w http.ResponseWriter, status int, msg string) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"message":"` + msg + `"}`))
	return status
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// The ids below only need to be unique: math/rand/v2's generator (per thread, no
// system call) rather than crypto/rand, on every request.

// newRequestID makes an id shaped like API Gateway's ("JKJaXmPLvHcESHA=").
func newRequestID() string {
	var raw [10]byte
	var out [16]byte
	binary.LittleEndian.PutUint64(raw[:8], rand.Uint64())
	binary.LittleEndian.PutUint16(raw[8:], uint16(rand.Uint32()))
	base64.StdEncoding.Encode(out[:], raw[:])
	return string(out[:])
}

// newUUID makes a version 4 UUID, as Lambda's request ids are.
func newUUID() string {
	var raw [16]byte
	binary.LittleEndian.PutUint64(raw[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(raw[8:], rand.Uint64())
	raw[6] = raw[6]&0x0f | 0x40 // version 4
	raw[8] = raw[8]&0x3f | 0x80 // RFC 4122 variant
	var out [36]byte
	hex.Encode(out[0:8], raw[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], raw[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], raw[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], raw[8:10])
	out[23] = '-'
	hex.Encode(out[24:], raw[10:])
	return string(out[:])
}

// queryParams is queryStringParameters as API Gateway builds it: each name once,
// repeated values joined with commas, in one pass over the raw query (no
// url.Values in between). Pairs that do not decode are left out, as
// url.ParseQuery leaves them out.
func queryParams(raw string) map[string]string {
	if raw == "" {
		return nil
	}
	var m map[string]string
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		if m == nil {
			m = make(map[string]string, 4)
		}
		if prev, dup := m[k]; dup {
			v = prev + "," + v
		}
		m[k] = v
	}
	return m
}

// payloads holds the buffers events are encoded into.
var payloads = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

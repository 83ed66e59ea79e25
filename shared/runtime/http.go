package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/metrics"
	"github.com/civicq/civicq/shared/routes"
)

// HTTPFunc is the Lambda handler signature of every HTTP function.
type HTTPFunc func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// LambdaHandler is what an HTTP function hands to lambda.Start (and the local
// gateway invokes): HTTPHandler behind the raw-bytes lambda.Handler interface.
func (rt *Runtime) LambdaHandler(row routes.Route, h http.Handler) lambda.Handler {
	return lambdaHandler{fn: rt.HTTPHandler(row, h)}
}

// HTTPHandler adapts a route's handler to API Gateway v2 events. The returned
// function never returns a Go error: API Gateway would turn one into a bare 502, so
// every failure becomes a JSON response with the right status instead.
func (rt *Runtime) HTTPHandler(row routes.Route, h http.Handler) HTTPFunc {
	adapter := httpadapter.NewV2(guard(row, h, rt))
	var invoked atomic.Bool
	routeKey := row.Pattern()
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		start := time.Now()
		inv := metrics.NewInvocation(row.Name, !invoked.Swap(true))
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			inv.SetProperty("requestId", lc.AwsRequestID)
		}
		inv.SetProperty("apiRequestId", ev.RequestContext.RequestID)
		inv.SetProperty("routeKey", routeKey)
		ctx = metrics.WithInvocation(ctx, inv)

		// ProxyWithContext, not Proxy: only it carries ctx (the Lambda context, the
		// deadline, our metrics) into the http.Request.
		resp, err := adapter.ProxyWithContext(ctx, ev)
		if err != nil {
			// The adapter fails only when the event cannot become a request (a body
			// that is not valid base64): the client's mistake.
			rt.Log.WarnContext(ctx, "event could not be converted to a request", "error", err.Error())
			resp = errorResponse(http.StatusBadRequest, "bad_request", "The request could not be read.")
		}
		inv.SetStatus(resp.StatusCode)
		if err := inv.WriteEMF(rt.Metrics, rt.Config.MetricsNamespace, time.Since(start), time.Now()); err != nil {
			rt.Log.WarnContext(ctx, "metrics not written", "error", err.Error())
		}
		return resp, nil
	}
}

// guard wraps a route handler with what every route needs: the body limit, panic
// recovery, and the guarantee that a status is written (the api-proxy would answer
// 504 for a handler that writes nothing).
func guard(row routes.Route, h http.Handler, rt *Runtime) http.Handler {
	limit := row.MaxBody
	pattern := row.Pattern()
	mux := http.NewServeMux()
	// The gateway routed on the path template; the mux re-matches it here so the
	// handler can read path parameters with r.PathValue. Everything else (a fixture
	// or a direct invoke with another method or path) lands on the catch-all, which
	// answers in the JSON envelope: 405 when only the method was wrong. One match
	// per request: this runs on every invocation.
	mux.Handle(pattern, h)
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "" && pathMatches(mux, r, pattern) {
			w.Header().Set("Allow", row.Method)
			api.WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", "This URL accepts "+row.Method+" only.")
			return
		}
		api.WriteError(w, http.StatusNotFound, "not_found", "No such route.")
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				rt.Log.ErrorContext(r.Context(), "handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if !sw.wrote {
					api.WriteError(sw, http.StatusInternalServerError, "internal", "Something went wrong on our side. It has been logged.")
				}
				return
			}
			if !sw.wrote {
				rt.Log.ErrorContext(r.Context(), "handler wrote no response", "route", pattern)
				api.WriteError(sw, http.StatusInternalServerError, "internal", "Something went wrong on our side. It has been logged.")
			}
		}()
		if r.ContentLength > limit {
			msg := "This route accepts no request body."
			if limit > 0 {
				msg = "The request body is larger than the " + strconv.FormatInt(limit, 10) + " bytes this route accepts."
			}
			api.WriteError(sw, http.StatusRequestEntityTooLarge, "body_too_large", msg)
			return
		}
		if r.Body != http.NoBody { // a request without a body (every GET) has nothing to limit
			r.Body = http.MaxBytesReader(sw, r.Body, limit)
		}
		mux.ServeHTTP(sw, r)
	})
}

// pathMatches reports whether the request's path matches the route's pattern
// with some method, i.e. only the method was wrong.
func pathMatches(mux *http.ServeMux, r *http.Request, pattern string) bool {
	probe := r.Clone(r.Context())
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe.Method = m
		if _, p := mux.Handler(probe); p == pattern {
			return true
		}
	}
	return false
}

// statusWriter remembers whether a status was written.
type statusWriter struct {
	http.ResponseWriter
	wrote bool
}

func (s *statusWriter) WriteHeader(code int) {
	s.wrote = true
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// errorResponse builds the JSON error envelope as an API Gateway response, for the
// failures that happen outside any http.Handler.
func errorResponse(status int, code, message string) events.APIGatewayV2HTTPResponse {
	body, _ := json.Marshal(api.ErrorBody{Error: api.ErrorDetail{Code: code, Message: message}})
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		Body:       string(body),
	}
}

// Package apigwjson reads and writes the JSON of API Gateway's payload-2.0 HTTP
// event and response (events.APIGatewayV2HTTPRequest and APIGatewayV2HTTPResponse)
// without reflection, with exactly encoding/json's results.
//
// These documents are the Lambda contract every HTTP function goes through: the
// function decodes an event and encodes a response on every invocation (and the
// local gateway does the opposite), so encoding/json's reflection was a large share
// of a warm request's CPU (its event decode alone about a quarter of the local
// gateway's path, measured with pprof). The libraries that do it faster either add
// a megabyte to every function binary (goccy/go-json, which the 13 MiB budget does
// not allow) or differ from encoding/json at the edges (invalid UTF-8, lone
// surrogates, case-insensitive field names).
//
// So the fast paths here cover what API Gateway and the local gateway actually send
// and answer, and defer to encoding/json for everything else:
//
//   - DecodeRequest and DecodeResponse read exact field names, the expected JSON
//     types, plain strings and the usual escapes. Anything else (a field name that
//     only matches case-insensitively, null inside a map, a \u escape of a
//     surrogate, invalid UTF-8, a Lambda or IAM authorizer, invalid JSON, a number
//     that is not a plain integer, ...) is decoded by encoding/json from scratch, so
//     the result, and the error, are encoding/json's own.
//   - AppendRequest and AppendResponse write the bytes json.Marshal writes (field
//     order, omitempty, sorted map keys, HTML-safe escaping).
//
// The tests compare every fixture under events/ and fuzzed inputs against
// encoding/json.
package apigwjson

import (
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
)

// DecodeRequest decodes an API Gateway v2 HTTP event as json.Unmarshal would.
func DecodeRequest(data []byte) (events.APIGatewayV2HTTPRequest, error) {
	var ev events.APIGatewayV2HTTPRequest
	d := decoder{data: data}
	if d.request(&ev) && d.end() {
		return ev, nil
	}
	ev = events.APIGatewayV2HTTPRequest{}
	err := json.Unmarshal(data, &ev)
	return ev, err
}

// DecodeResponse decodes an API Gateway v2 HTTP response as json.Unmarshal would,
// except that the body comes back as bytes and resp.Body is left empty: a binary
// body is kilobytes of base64 that the caller only decodes, so it is not copied into
// a string first. body aliases data when the JSON string has no escapes.
func DecodeResponse(data []byte) (resp events.APIGatewayV2HTTPResponse, body []byte, err error) {
	d := decoder{data: data}
	if d.response(&resp, &body) && d.end() {
		return resp, body, nil
	}
	resp = events.APIGatewayV2HTTPResponse{}
	err = json.Unmarshal(data, &resp)
	body = []byte(resp.Body)
	resp.Body = ""
	return resp, body, err
}

// request reads the event's members; false means "not on the fast path".
func (d *decoder) request(ev *events.APIGatewayV2HTTPRequest) bool {
	return d.object(requestFields, func(key []byte) bool {
		switch string(key) {
		case "version":
			return d.str(&ev.Version)
		case "routeKey":
			return d.str(&ev.RouteKey)
		case "rawPath":
			return d.str(&ev.RawPath)
		case "rawQueryString":
			return d.str(&ev.RawQueryString)
		case "cookies":
			return d.strSlice(&ev.Cookies)
		case "headers":
			return d.strMap(&ev.Headers)
		case "queryStringParameters":
			return d.strMap(&ev.QueryStringParameters)
		case "pathParameters":
			return d.strMap(&ev.PathParameters)
		case "requestContext":
			return d.requestContext(&ev.RequestContext)
		case "stageVariables":
			return d.strMap(&ev.StageVariables)
		case "body":
			return d.unique(&ev.Body)
		case "isBase64Encoded":
			return d.boolean(&ev.IsBase64Encoded)
		}
		return d.unknown(key, requestFields)
	})
}

var requestFields = []string{"version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
	"queryStringParameters", "pathParameters", "requestContext", "stageVariables", "body", "isBase64Encoded"}

func (d *decoder) requestContext(rc *events.APIGatewayV2HTTPRequestContext) bool {
	return d.object(contextFields, func(key []byte) bool {
		switch string(key) {
		case "routeKey":
			return d.str(&rc.RouteKey)
		case "accountId":
			return d.str(&rc.AccountID)
		case "stage":
			return d.str(&rc.Stage)
		case "requestId":
			return d.unique(&rc.RequestID)
		case "authorizer":
			if d.null() {
				rc.Authorizer = nil
				return true
			}
			if rc.Authorizer == nil {
				rc.Authorizer = new(events.APIGatewayV2HTTPRequestContextAuthorizerDescription)
			}
			return d.authorizer(rc.Authorizer)
		case "apiId":
			return d.str(&rc.APIID)
		case "domainName":
			return d.str(&rc.DomainName)
		case "domainPrefix":
			return d.str(&rc.DomainPrefix)
		case "time":
			return d.unique(&rc.Time)
		case "timeEpoch":
			return d.int64(&rc.TimeEpoch)
		case "http":
			h := &rc.HTTP
			return d.object(httpFields, func(key []byte) bool {
				switch string(key) {
				case "method":
					return d.str(&h.Method)
				case "path":
					return d.str(&h.Path)
				case "protocol":
					return d.str(&h.Protocol)
				case "sourceIp":
					return d.str(&h.SourceIP)
				case "userAgent":
					return d.str(&h.UserAgent)
				}
				return d.unknown(key, httpFields)
			})
		case "authentication":
			return d.authentication(&rc.Authentication)
		}
		return d.unknown(key, contextFields)
	})
}

var (
	contextFields = []string{"routeKey", "accountId", "stage", "requestId", "authorizer", "apiId", "domainName",
		"domainPrefix", "time", "timeEpoch", "http", "authentication"}
	httpFields = []string{"method", "path", "protocol", "sourceIp", "userAgent"}
)

// authorizer reads a JWT authorizer's claims and scopes. Lambda and IAM authorizers
// (which CivicQ does not use) leave the fast path.
func (d *decoder) authorizer(a *events.APIGatewayV2HTTPRequestContextAuthorizerDescription) bool {
	return d.object(authorizerFields, func(key []byte) bool {
		if string(key) != "jwt" {
			return d.unknown(key, authorizerFields)
		}
		if d.null() {
			a.JWT = nil
			return true
		}
		if a.JWT == nil {
			a.JWT = new(events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription)
		}
		jwt := a.JWT
		return d.object(jwtFields, func(key []byte) bool {
			switch string(key) {
			case "claims":
				return d.strMap(&jwt.Claims)
			case "scopes":
				return d.strSlice(&jwt.Scopes)
			}
			return d.unknown(key, jwtFields)
		})
	})
}

var (
	// "lambda" and "iam" are listed so that unknown() sends them (and their
	// case-insensitive twins) to encoding/json.
	authorizerFields = []string{"jwt", "lambda", "iam"}
	jwtFields        = []string{"claims", "scopes"}
)

func (d *decoder) authentication(a *events.APIGatewayV2HTTPRequestContextAuthentication) bool {
	return d.object(authenticationFields, func(key []byte) bool {
		if string(key) != "clientCert" {
			return d.unknown(key, authenticationFields)
		}
		c := &a.ClientCert
		return d.object(clientCertFields, func(key []byte) bool {
			switch string(key) {
			case "clientCertPem":
				return d.unique(&c.ClientCertPem)
			case "issuerDN":
				return d.str(&c.IssuerDN)
			case "serialNumber":
				return d.str(&c.SerialNumber)
			case "subjectDN":
				return d.str(&c.SubjectDN)
			case "validity":
				v := &c.Validity
				return d.object(validityFields, func(key []byte) bool {
					switch string(key) {
					case "notAfter":
						return d.str(&v.NotAfter)
					case "notBefore":
						return d.str(&v.NotBefore)
					}
					return d.unknown(key, validityFields)
				})
			}
			return d.unknown(key, clientCertFields)
		})
	})
}

var (
	authenticationFields = []string{"clientCert"}
	clientCertFields     = []string{"clientCertPem", "issuerDN", "serialNumber", "subjectDN", "validity"}
	validityFields       = []string{"notAfter", "notBefore"}
)

func (d *decoder) response(resp *events.APIGatewayV2HTTPResponse, body *[]byte) bool {
	return d.object(responseFields, func(key []byte) bool {
		switch string(key) {
		case "statusCode":
			var n int64
			if d.null() {
				return true
			}
			if !d.int64(&n) {
				return false
			}
			resp.StatusCode = int(n)
			return true
		case "headers":
			return d.strMap(&resp.Headers)
		case "multiValueHeaders":
			return d.multiMap(&resp.MultiValueHeaders)
		case "body":
			if d.null() {
				return true
			}
			if d.peek() != '"' {
				return false
			}
			b, ok := d.strBytes()
			*body = b
			return ok
		case "isBase64Encoded":
			return d.boolean(&resp.IsBase64Encoded)
		case "cookies":
			return d.strSlice(&resp.Cookies)
		}
		return d.unknown(key, responseFields)
	})
}

var responseFields = []string{"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}

package apigwjson

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// AppendResponse appends json.Marshal(resp)'s bytes to b.
func AppendResponse(b []byte, resp *events.APIGatewayV2HTTPResponse) []byte {
	b = append(b, `{"statusCode":`...)
	b = strconv.AppendInt(b, int64(resp.StatusCode), 10)
	b = append(b, `,"headers":`...)
	b = appendStrMap(b, resp.Headers)
	b = append(b, `,"multiValueHeaders":`...)
	if resp.MultiValueHeaders == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		for n, k := range sortedKeys(resp.MultiValueHeaders) {
			if n > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendStrSlice(b, resp.MultiValueHeaders[k])
		}
		b = append(b, '}')
	}
	b = append(b, `,"body":`...)
	b = appendString(b, resp.Body)
	if resp.IsBase64Encoded {
		b = append(b, `,"isBase64Encoded":true`...)
	}
	b = append(b, `,"cookies":`...)
	b = appendStrSlice(b, resp.Cookies)
	return append(b, '}')
}

// AppendRequest appends json.Marshal(ev)'s bytes to b. It fails only where
// json.Marshal would: on a Lambda authorizer context that cannot be encoded.
func AppendRequest(b []byte, ev *events.APIGatewayV2HTTPRequest) ([]byte, error) {
	b = append(b, `{"version":`...)
	b = appendString(b, ev.Version)
	b = append(b, `,"routeKey":`...)
	b = appendString(b, ev.RouteKey)
	b = append(b, `,"rawPath":`...)
	b = appendString(b, ev.RawPath)
	b = append(b, `,"rawQueryString":`...)
	b = appendString(b, ev.RawQueryString)
	if len(ev.Cookies) > 0 {
		b = append(b, `,"cookies":`...)
		b = appendStrSlice(b, ev.Cookies)
	}
	b = append(b, `,"headers":`...)
	b = appendStrMap(b, ev.Headers)
	if len(ev.QueryStringParameters) > 0 {
		b = append(b, `,"queryStringParameters":`...)
		b = appendStrMap(b, ev.QueryStringParameters)
	}
	if len(ev.PathParameters) > 0 {
		b = append(b, `,"pathParameters":`...)
		b = appendStrMap(b, ev.PathParameters)
	}
	rc := &ev.RequestContext
	b = append(b, `,"requestContext":{"routeKey":`...)
	b = appendString(b, rc.RouteKey)
	b = append(b, `,"accountId":`...)
	b = appendString(b, rc.AccountID)
	b = append(b, `,"stage":`...)
	b = appendString(b, rc.Stage)
	b = append(b, `,"requestId":`...)
	b = appendString(b, rc.RequestID)
	if a := rc.Authorizer; a != nil {
		b = append(b, `,"authorizer":{`...)
		sep := ""
		if a.JWT != nil {
			b = append(b, `"jwt":{"claims":`...)
			b = appendStrMap(b, a.JWT.Claims)
			if len(a.JWT.Scopes) > 0 {
				b = append(b, `,"scopes":`...)
				b = appendStrSlice(b, a.JWT.Scopes)
			}
			b = append(b, '}')
			sep = ","
		}
		// Lambda and IAM authorizers are not CivicQ's: encoding/json writes them.
		if len(a.Lambda) > 0 {
			v, err := json.Marshal(a.Lambda)
			if err != nil {
				return nil, err
			}
			b = append(b, sep+`"lambda":`...)
			b = append(b, v...)
			sep = ","
		}
		if a.IAM != nil {
			v, err := json.Marshal(a.IAM)
			if err != nil {
				return nil, err
			}
			b = append(b, sep+`"iam":`...)
			b = append(b, v...)
		}
		b = append(b, '}')
	}
	b = append(b, `,"apiId":`...)
	b = appendString(b, rc.APIID)
	b = append(b, `,"domainName":`...)
	b = appendString(b, rc.DomainName)
	b = append(b, `,"domainPrefix":`...)
	b = appendString(b, rc.DomainPrefix)
	b = append(b, `,"time":`...)
	b = appendString(b, rc.Time)
	b = append(b, `,"timeEpoch":`...)
	b = strconv.AppendInt(b, rc.TimeEpoch, 10)
	h := &rc.HTTP
	b = append(b, `,"http":{"method":`...)
	b = appendString(b, h.Method)
	b = append(b, `,"path":`...)
	b = appendString(b, h.Path)
	b = append(b, `,"protocol":`...)
	b = appendString(b, h.Protocol)
	b = append(b, `,"sourceIp":`...)
	b = appendString(b, h.SourceIP)
	b = append(b, `,"userAgent":`...)
	b = appendString(b, h.UserAgent)
	c := &rc.Authentication.ClientCert
	b = append(b, `},"authentication":{"clientCert":{"clientCertPem":`...)
	b = appendString(b, c.ClientCertPem)
	b = append(b, `,"issuerDN":`...)
	b = appendString(b, c.IssuerDN)
	b = append(b, `,"serialNumber":`...)
	b = appendString(b, c.SerialNumber)
	b = append(b, `,"subjectDN":`...)
	b = appendString(b, c.SubjectDN)
	b = append(b, `,"validity":{"notAfter":`...)
	b = appendString(b, c.Validity.NotAfter)
	b = append(b, `,"notBefore":`...)
	b = appendString(b, c.Validity.NotBefore)
	b = append(b, `}}}}`...)
	if len(ev.StageVariables) > 0 {
		b = append(b, `,"stageVariables":`...)
		b = appendStrMap(b, ev.StageVariables)
	}
	if ev.Body != "" {
		b = append(b, `,"body":`...)
		b = appendString(b, ev.Body)
	}
	if ev.IsBase64Encoded {
		b = append(b, `,"isBase64Encoded":true}`...)
	} else {
		b = append(b, `,"isBase64Encoded":false}`...)
	}
	return b, nil
}

// appendStrMap writes a map as json.Marshal does: null when nil, keys sorted.
func appendStrMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	// Small maps (every header map here) sort on the stack.
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for n, k := range keys {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendStrSlice writes a slice as json.Marshal does: null when nil.
func appendStrSlice(b []byte, s []string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for n, v := range s {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

const hex = "0123456789abcdef"

// appendString writes s as a JSON string exactly as encoding/json does with its
// default HTML-safe escaping: \" \\ \b \f \n \r \t, \u00XX for the other control
// characters and for < > &, \ufffd for each invalid UTF-8 byte, and \u2028 and
// \u2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Runs of characters that need no escaping (all of a base64 body) are
		// found eight bytes at a time and copied at once.
		if i += safeString(s[i:]); i == len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

package apigwjson

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// sameAsEncodingJSON fails unless DecodeRequest and json.Unmarshal agree on data:
// the same event, and both succeed or both fail with the same error.
func sameRequest(t *testing.T, data []byte) {
	t.Helper()
	var want events.APIGatewayV2HTTPRequest
	wantErr := json.Unmarshal(data, &want)
	got, err := DecodeRequest(data)
	if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
		t.Fatalf("%q: error %v, encoding/json %v", data, err, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got  %#v\n want %#v", data, got, want)
	}
}

func sameResponse(t *testing.T, data []byte) {
	t.Helper()
	var want events.APIGatewayV2HTTPResponse
	wantErr := json.Unmarshal(data, &want)
	got, body, err := DecodeResponse(data)
	if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
		t.Fatalf("%q: error %v, encoding/json %v", data, err, wantErr)
	}
	if string(body) != want.Body {
		t.Fatalf("%q: body %q, want %q", data, body, want.Body)
	}
	want.Body = ""
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got  %#v\n want %#v", data, got, want)
	}
}

// Every fixture is decoded as encoding/json decodes it (on the fast path), and
// re-encodes to json.Marshal's bytes.
func TestFixturesMatchEncodingJSON(t *testing.T) {
	files, err := filepath.Glob("../../events/*/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures found (%v)", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sameRequest(t, data)
		// ... on the fast path, or the speed is lost without anyone noticing.
		d := decoder{data: data}
		var fast events.APIGatewayV2HTTPRequest
		if !d.request(&fast) || !d.end() {
			t.Fatalf("%s left the fast path", f)
		}
		ev, err := DecodeRequest(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		sameEncoding(t, &ev)
	}
}

func sameEncoding(t *testing.T, ev *events.APIGatewayV2HTTPRequest) {
	t.Helper()
	want, wantErr := json.Marshal(ev)
	got, err := AppendRequest(nil, ev)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("AppendRequest error %v, json.Marshal %v", err, wantErr)
	}
	if string(got) != string(want) {
		t.Fatalf("AppendRequest:\n got  %s\n want %s", got, want)
	}
}

func TestRequestEdgeCases(t *testing.T) {
	const base = `"version":"2.0","rawPath":"/a","requestContext":{"http":{"method":"GET"}}`
	for _, doc := range []string{
		`{` + base + `}`,
		` { ` + base + ` } `,
		`{}`, `null`, ``, `[]`, `"x"`, `{` + base + `}x`, `{` + base + `,}`, `{"version":}`,
		// escapes, Unicode, and what encoding/json replaces with U+FFFD
		`{"body":"{\"value\":1}\n\t\\\/\b\f\r"}`,
		`{"body":"caf\u00e9 \u20ac \u0000 é"}`,
		`{"body":"\ud83d\ude00"}`, `{"body":"\ud83d"}`, `{"body":"\udead x"}`,
		"{\"body\":\"bad \xff utf8\"}", "{\"body\":\"\xc3\"}", "{\"headers\":{\"\xff\":\"x\"}}",
		"{\"body\":\"a\\n\xff\"}", `{"body":"\x"}`, `{"body":"\u12"}`, `{"body":"\u12g4"}`,
		"{\"body\":\"tab\there\"}", `{"body":"unterminated`,
		// field names: exact, folded (encoding/json matches them), unknown, non-ASCII
		`{"Version":"2.0"}`, `{"VERSION":"x","version":"y"}`, `{"version":"y","VERSION":"x"}`,
		`{"requestContext":{"HTTP":{"method":"GET"}}}`, `{"requestContext":{"http":{"Method":"GET"}}}`,
		`{"unknown":{"a":[1,2,{"b":null}],"c":-1.5e+3},"version":"2"}`, `{"unknown":[1,]}`,
		`{"unknown":01}`, `{"unknown":1.}`, `{"unknown":-}`, `{"unknown":tru}`, `{"unknown":nul}`,
		`{"vers\u0069on":"escaped key"}`, "{\"v\u0130rsion\":\"x\"}", "{\"\u212aey\":1}",
		// duplicates: maps merge, slices and scalars are replaced
		`{"headers":{"a":"1"},"headers":{"b":"2"}}`, `{"cookies":["a","b"],"cookies":["c"]}`,
		`{"cookies":[]}`, `{"cookies":null}`, `{"headers":null}`, `{"headers":{"a":null}}`,
		`{"headers":{"a":1}}`, `{"cookies":[1]}`, `{"cookies":[null]}`, `{"version":null}`, `{"version":1}`,
		`{"isBase64Encoded":true}`, `{"isBase64Encoded":null}`, `{"isBase64Encoded":"true"}`,
		// numbers
		`{"requestContext":{"timeEpoch":1795757194503}}`, `{"requestContext":{"timeEpoch":-0}}`,
		`{"requestContext":{"timeEpoch":1.5}}`, `{"requestContext":{"timeEpoch":1e3}}`,
		`{"requestContext":{"timeEpoch":99999999999999999999}}`, `{"requestContext":{"timeEpoch":012}}`,
		`{"requestContext":{"timeEpoch":"12"}}`, `{"requestContext":{"timeEpoch":null}}`,
		// authorizers: JWT on the fast path, Lambda and IAM through encoding/json
		`{"requestContext":{"authorizer":{"jwt":{"claims":{"sub":"u1","email_verified":"true"},"scopes":["a"]}}}}`,
		`{"requestContext":{"authorizer":{"jwt":{"claims":{"sub":"u1"}}},"authorizer":{"jwt":{"claims":{"x":"y"}}}}}`,
		`{"requestContext":{"authorizer":null}}`, `{"requestContext":{"authorizer":{"jwt":null}}}`,
		`{"requestContext":{"authorizer":{"lambda":{"n":1.5,"ok":true}}}}`,
		`{"requestContext":{"authorizer":{"iam":{"accessKey":"k"}}}}`,
		`{"requestContext":{"authentication":{"clientCert":{"validity":{"notAfter":"x"}}}}}`,
		`{"requestContext":null}`, `{"requestContext":[]}`,
		strings.Repeat(`{"unknown":`, 100) + `1` + strings.Repeat(`}`, 100),
	} {
		sameRequest(t, []byte(doc))
	}
}

func TestResponseEdgeCases(t *testing.T) {
	for _, doc := range []string{
		`{"statusCode":200,"headers":{"Content-Type":"application/json"},"multiValueHeaders":null,"body":"QUJD","isBase64Encoded":true,"cookies":[]}`,
		`{"statusCode":404,"headers":null,"multiValueHeaders":{"X":["1","2"]},"body":"{\"error\":{}}","cookies":null}`,
		`{"statusCode":200.5}`, `{"statusCode":"200"}`, `{"body":0"}`, `{"body":1}`, `{"body":[]}`, `{"statusCode":null,"body":null}`, `{"StatusCode":200}`,
		`{"multiValueHeaders":{"X":null}}`, `{"multiValueHeaders":{"X":[]}}`, `{"body":"\u00e9"}`, `null`, `{`,
	} {
		sameResponse(t, []byte(doc))
	}
}

func TestAppendMatchesJSONMarshal(t *testing.T) {
	odd := "<a&b> \"q\" \\ \u2028\u2029 \x00\x1f\x7f \xff é 😀"
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: odd, RawPath: "/x", Cookies: []string{"a=1", odd},
		Headers: map[string]string{"b": "2", "a": odd, odd: "k"}, QueryStringParameters: map[string]string{"q": "1"},
		PathParameters: map[string]string{"city": "riverton"}, StageVariables: map[string]string{"s": "v"},
		Body: odd, IsBase64Encoded: true,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "GET /x", TimeEpoch: -12,
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT:    &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": odd}, Scopes: []string{"s"}},
				Lambda: map[string]any{"n": 1.5, "s": odd}, IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{UserID: "u"},
			},
		},
	}
	sameEncoding(t, &ev)
	sameEncoding(t, &events.APIGatewayV2HTTPRequest{})
	sameEncoding(t, &events.APIGatewayV2HTTPRequest{RequestContext: events.APIGatewayV2HTTPRequestContext{
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{}}})
	sameEncoding(t, &events.APIGatewayV2HTTPRequest{RequestContext: events.APIGatewayV2HTTPRequestContext{
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"x": 1}}}})
	bad := events.APIGatewayV2HTTPRequest{RequestContext: events.APIGatewayV2HTTPRequestContext{
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"f": func() {}}}}}
	if _, err := AppendRequest(nil, &bad); err == nil {
		t.Fatal("a Lambda context json.Marshal refuses must fail")
	}

	for _, resp := range []events.APIGatewayV2HTTPResponse{
		{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json", "X-Odd": odd},
			Body: base64.StdEncoding.EncodeToString([]byte{0x1f, 0x8b, 0, 1, 2, 255}), IsBase64Encoded: true,
			Cookies: []string{"a=1; Path=/"}},
		{StatusCode: 204, IsBase64Encoded: true},
		{StatusCode: 200, Body: `{"text":"plain <json> \"quoted\""}`, Headers: map[string]string{"A": "b"}},
		{StatusCode: 500, MultiValueHeaders: map[string][]string{"X": {"1", "2"}, "A": nil}, Body: "QUJD", IsBase64Encoded: true},
		{StatusCode: 200, Body: odd, IsBase64Encoded: true}, // flagged base64 but is not: escaped as usual
	} {
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendResponse(nil, &resp); string(got) != string(want) {
			t.Fatalf("AppendResponse:\n got  %s\n want %s", got, want)
		}
		sameResponse(t, want)
	}
}

// The fuzz targets compare with encoding/json on arbitrary input; `go test` runs
// their seed corpus (the edge cases above), `go test -fuzz` explores.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{`{"version":"2.0","headers":{"a":"b"},"body":"x\"y\u00e9","requestContext":{"timeEpoch":1,"authorizer":{"jwt":{"claims":{}}}}}`,
		`{"Version":"x"}`, `{"cookies":["a"],"unknown":[1,{"x":null}]}`} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("../../events/*/*.json")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameRequest(t, data) })
}

func FuzzDecodeResponse(f *testing.F) {
	f.Add([]byte(`{"statusCode":200,"headers":{"A":"b"},"multiValueHeaders":null,"body":"QUJD","isBase64Encoded":true,"cookies":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) { sameResponse(t, data) })
}

func FuzzAppend(f *testing.F) {
	f.Add("2.0", "a", "b", "body", true)
	f.Add("<&>", "\xff", "\u2028", "\x00", false)
	f.Fuzz(func(t *testing.T, s1, s2, s3, body string, b64 bool) {
		ev := events.APIGatewayV2HTTPRequest{Version: s1, RawPath: s2, Headers: map[string]string{s2: s3, s3: s1},
			Cookies: []string{s3}, Body: body, IsBase64Encoded: b64,
			RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: s3, HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{UserAgent: s1}}}
		sameEncoding(t, &ev)
		data, _ := json.Marshal(ev)
		sameRequest(t, data)
		resp := events.APIGatewayV2HTTPResponse{StatusCode: len(s1), Headers: map[string]string{s1: s2}, Body: body, IsBase64Encoded: b64, Cookies: []string{s3}}
		want, _ := json.Marshal(resp)
		if got := AppendResponse(nil, &resp); string(got) != string(want) {
			t.Fatalf("AppendResponse:\n got  %s\n want %s", got, want)
		}
		sameResponse(t, want)
	})
}

// The word-at-a-time scans stop exactly where a byte-at-a-time loop would, for
// every byte value at every offset of a word and across word boundaries.
func TestScansStopAtTheFirstSpecialByte(t *testing.T) {
	plain := func(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }
	safe := func(c byte) bool { return plain(c) && c != '<' && c != '>' && c != '&' }
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 20; pos++ {
			b := []byte(strings.Repeat("aZ09+/=~", 3)[:20])
			b[pos] = byte(c)
			wantPlain, wantSafe := 20, 20
			if !plain(byte(c)) {
				wantPlain = pos
			}
			if !safe(byte(c)) {
				wantSafe = pos
			}
			if got := plainBytes(b); got != wantPlain {
				t.Fatalf("plainBytes with %#x at %d = %d, want %d", c, pos, got, wantPlain)
			}
			if got := safeString(string(b)); got != wantSafe {
				t.Fatalf("safeString with %#x at %d = %d, want %d", c, pos, got, wantSafe)
			}
		}
	}
}

// The benchmarks compare with encoding/json on what a warm cached read carries: the
// local gateway's event for the ballot and a 4.3 KB gzip body as the response.
func benchDocs(b *testing.B) (event []byte, resp events.APIGatewayV2HTTPResponse, respJSON []byte) {
	event, err := os.ReadFile("../../events/get-ballot/200-riverton.json")
	if err != nil {
		b.Fatal(err)
	}
	gz := make([]byte, 4318)
	for i := range gz {
		gz[i] = byte(i*131 + i>>3)
	}
	resp = events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: base64.StdEncoding.EncodeToString(gz), IsBase64Encoded: true,
		Headers: map[string]string{"Cache-Control": "public, max-age=60", "Content-Encoding": "gzip",
			"Content-Length": "4318", "Content-Type": "application/json", "Vary": "Accept-Encoding"}, Cookies: []string{}}
	respJSON, err = json.Marshal(resp)
	if err != nil {
		b.Fatal(err)
	}
	return event, resp, respJSON
}

func BenchmarkDecodeRequest(b *testing.B) {
	event, _, _ := benchDocs(b)
	b.Run("apigwjson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeRequest(event); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(event, &ev); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAppendResponse(b *testing.B) {
	_, resp, _ := benchDocs(b)
	b.Run("apigwjson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = AppendResponse(make([]byte, 0, len(resp.Body)+512), &resp)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(resp); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeResponse(b *testing.B) {
	_, _, data := benchDocs(b)
	b.Run("apigwjson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := DecodeResponse(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(data, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package runtime

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"
)

// encodeResponse must be indistinguishable from json.Marshal.
func TestEncodeResponseMatchesEncodingJSON(t *testing.T) {
	for _, resp := range []events.APIGatewayV2HTTPResponse{
		{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json", "X-Odd": "<a&b>\"\\\u2028"},
			Body: base64.StdEncoding.EncodeToString([]byte{0x1f, 0x8b, 0, 1, 2, 255}), IsBase64Encoded: true,
			Cookies: []string{"a=1; Path=/"}},
		{StatusCode: 204, IsBase64Encoded: true},
		{StatusCode: 200, Body: `{"text":"plain <json> \"quoted\""}`, Headers: map[string]string{"A": "b"}},
		{StatusCode: 500, MultiValueHeaders: map[string][]string{"X": {"1", "2"}}, Body: "QUJD", IsBase64Encoded: true},
	} {
		want, err := json.Marshal(resp)
		require.NoError(t, err)
		got, err := encodeResponse(resp)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	}
}

func BenchmarkEncodeResponse(b *testing.B) {
	resp := events.APIGatewayV2HTTPResponse{StatusCode: 200,
		Headers: map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
		Body:    base64.StdEncoding.EncodeToString(make([]byte, 4300)), IsBase64Encoded: true}
	b.Run("encodeResponse", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = encodeResponse(resp)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = json.Marshal(resp)
		}
	})
}

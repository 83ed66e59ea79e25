package objects

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// AWS's documented SigV4 examples (the S3 API reference's "Browser-Based Upload
// using HTTP POST" page and the general reference's "derive a signing key").
const (
	awsExampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	awsExamplePolicy = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9"
	awsExampleSig    = "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
)

func TestPolicySignatureMatchesAWSExample(t *testing.T) {
	day := time.Date(2015, 12, 29, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, awsExampleSig, PolicySignature(SigningKey(awsExampleSecret, day, "us-east-1", "s3"), awsExamplePolicy))
	p, exp, err := ParsePolicy(awsExamplePolicy)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2015, 12, 30, 12, 0, 0, 0, time.UTC), exp)
	assert.Len(t, p.Conditions, 11)
}

func TestSigningKeyMatchesAWSExample(t *testing.T) {
	// "Examples of how to derive a signing key for Signature Version 4".
	k := SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", time.Date(2012, 2, 15, 0, 0, 0, 0, time.UTC), "us-east-1", "iam")
	assert.Equal(t, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d", hex.EncodeToString(k))
}

func TestPresignPost(t *testing.T) {
	now := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	creds := Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", SessionToken: "tok"}
	in := PostInput{Bucket: "civicq-uploads", Key: "uploads/a/b/c.webm", ContentType: "video/webm",
		MaxBytes: 500 << 20, Expires: 15 * time.Minute, Region: "us-east-1"}
	pp, err := PresignPost(creds, in, now)
	require.NoError(t, err)
	assert.Equal(t, "https://civicq-uploads.s3.us-east-1.amazonaws.com/", pp.URL)
	assert.Equal(t, now.Add(15*time.Minute), pp.ExpiresAt)
	f := pp.Fields
	assert.Equal(t, "uploads/a/b/c.webm", f["key"])
	assert.Equal(t, "video/webm", f["Content-Type"])
	assert.Equal(t, "AKIDEXAMPLE/20270301/us-east-1/s3/aws4_request", f["x-amz-credential"])
	assert.Equal(t, "20270301T100000Z", f["x-amz-date"])
	assert.Equal(t, "tok", f["x-amz-security-token"])
	assert.Equal(t, PolicySignature(SigningKey("secret", now, "us-east-1", "s3"), f["policy"]), f["x-amz-signature"])

	raw, err := base64.StdEncoding.DecodeString(f["policy"])
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	assert.Equal(t, "2027-03-01T10:15:00.000Z", doc["expiration"])
	s := string(raw)
	for _, want := range []string{`{"bucket":"civicq-uploads"}`, `{"key":"uploads/a/b/c.webm"}`, `{"Content-Type":"video/webm"}`,
		`["content-length-range",1,524288000]`, `{"x-amz-security-token":"tok"}`} {
		assert.Contains(t, s, want)
	}
	p, _, err := ParsePolicy(f["policy"])
	require.NoError(t, err)
	lo, hi, ok := p.LengthRange()
	assert.True(t, ok)
	assert.Equal(t, [2]int64{1, 500 << 20}, [2]int64{lo, hi})

	in.Endpoint = "http://localhost:9000/"
	pp, err = PresignPost(Credentials{AccessKeyID: "a", SecretAccessKey: "b"}, in, now)
	require.NoError(t, err)
	assert.Equal(t, "http://localhost:9000/civicq-uploads", pp.URL)
	_, has := pp.Fields["x-amz-security-token"]
	assert.False(t, has)

	_, err = PresignPost(Credentials{}, in, now)
	assert.Error(t, err)
	in.ContentType = ""
	_, err = PresignPost(creds, in, now)
	assert.Error(t, err)
}

func TestUploadKeys(t *testing.T) {
	city, answer := "c1000000-0000-4000-8000-000000000001", "7d7c1c2e-5f6a-4b8e-9a41-0c2f3e4d5a6b"
	k1, k2 := UploadKey(city, answer, "video/webm"), UploadKey(city, answer, "video/webm")
	assert.NotEqual(t, k1, k2, "every upload gets a key of its own")
	assert.True(t, strings.HasSuffix(k1, ".webm"))
	ref, err := ParseUploadKey(k1)
	require.NoError(t, err)
	assert.Equal(t, UploadRef{CityID: city, AnswerID: answer}, ref)
	for _, bad := range []string{"", "uploads/", "other/" + city + "/" + answer + "/x", "uploads/" + city + "/" + answer + "/",
		"uploads/nope/" + answer + "/x", "uploads/" + city + "/" + answer + "/x/y", "uploads/" + city + "/" + answer + " /x"} {
		_, err := ParseUploadKey(bad)
		assert.ErrorIs(t, err, ErrNotAnUploadKey, bad)
	}
}

func TestVideoTypesAndMedia(t *testing.T) {
	mt, ok := NormalizeVideoType("video/webm;codecs=vp8,opus")
	assert.True(t, ok)
	assert.Equal(t, "video/webm", mt)
	for _, bad := range []string{"", "text/plain", "audio/webm", "video/x-msvideo", "video"} {
		_, ok := NormalizeVideoType(bad)
		assert.False(t, ok, bad)
	}
	assert.Equal(t, "media/answers/a/v/2/", MediaPrefix("a", "v", 2))
	assert.Equal(t, "http://localhost:8080/media/x/master.m3u8", MediaURL("http://localhost:8080/", "media/x/master.m3u8"))
	assert.Equal(t, "/media/x/poster.jpg", MediaURL("", "media/x/poster.jpg"))
	assert.Equal(t, TypePlaylist, MediaType("360p/index.m3u8"))
	assert.Equal(t, TypeTS, MediaType("360p/seg_000.ts"))
	assert.Equal(t, TypeJPEG, MediaType("poster.jpg"))
}

// Package objects holds what every function needs to know about CivicQ's S3
// objects without linking the AWS SDK: the SigV4 presigned POST a candidate's
// browser uploads with, the upload keys and what they encode, the video content
// types an upload may have, and the media keys the transcoder writes. It uses
// only the standard library because the upload route links into every function
// binary (binaries must stay small); S3 calls themselves live in shared/bucket,
// which only the transcoder imports.
package objects

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Credentials sign requests. SessionToken is set for temporary credentials (a
// Lambda execution role's); a POST signed with them must carry it.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// EnvCredentials reads the credentials Lambda puts in the environment (and the
// local stack sets to its own), as shared/store/iam.go does: no SDK credential
// chain in the API binaries.
func EnvCredentials() (Credentials, error) {
	c := Credentials{
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return c, errors.New("objects: presigning needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (Lambda sets them)")
	}
	return c, nil
}

// Algorithm is the only signing algorithm S3 accepts for SigV4 POSTs.
const Algorithm = "AWS4-HMAC-SHA256"

// Time formats of SigV4.
const (
	DateFormat     = "20060102"
	DateTimeFormat = "20060102T150405Z"
)

// SigningKey derives the SigV4 signing key for a day, region and service:
// HMAC chains over "AWS4"+secret, the date, the region, the service and
// "aws4_request".
func SigningKey(secret string, day time.Time, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), day.UTC().Format(DateFormat))
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

// PolicySignature is the x-amz-signature of a POST: the hex HMAC of the
// base64-encoded policy under the signing key.
func PolicySignature(signingKey []byte, policyBase64 string) string {
	return hex.EncodeToString(hmacSHA256(signingKey, policyBase64))
}

// Scope is the credential scope, "<date>/<region>/s3/aws4_request".
func Scope(day time.Time, region string) string {
	return day.UTC().Format(DateFormat) + "/" + region + "/s3/aws4_request"
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// PostInput is what a presigned POST allows: exactly one key in one bucket, one
// content type, a size range, until Expires.
type PostInput struct {
	Bucket      string
	Key         string
	ContentType string
	MinBytes    int64 // at least 1: an empty upload is refused by S3 itself
	MaxBytes    int64
	Expires     time.Duration
	// Region and Endpoint say where the form is posted. Endpoint empty means AWS
	// (https://<bucket>.s3.<region>.amazonaws.com/); otherwise the bucket is
	// addressed path-style under it (the local S3: http://localhost:9000/<bucket>).
	Region   string
	Endpoint string
}

// PresignedPost is what the browser needs: post Fields (in any order) and then
// the file, as the last field named "file", as multipart/form-data to URL.
type PresignedPost struct {
	URL       string            `json:"url"`
	Fields    map[string]string `json:"fields"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

// Policy is a POST policy document.
type Policy struct {
	Expiration string `json:"expiration"`
	Conditions []any  `json:"conditions"`
}

// PresignPost signs a POST policy for in with creds at now. The policy pins the
// bucket, the exact key, the exact Content-Type, the size range and the
// credential, so S3 itself refuses anything else.
func PresignPost(creds Credentials, in PostInput, now time.Time) (PresignedPost, error) {
	switch {
	case creds.AccessKeyID == "" || creds.SecretAccessKey == "":
		return PresignedPost{}, errors.New("objects: presign: no credentials")
	case in.Bucket == "" || in.Key == "" || in.Region == "":
		return PresignedPost{}, errors.New("objects: presign: bucket, key and region are required")
	case in.ContentType == "":
		return PresignedPost{}, errors.New("objects: presign: a content type is required")
	case in.MaxBytes < 1 || in.Expires <= 0:
		return PresignedPost{}, errors.New("objects: presign: a maximum size and an expiry are required")
	}
	minBytes := max(in.MinBytes, 1)
	now = now.UTC()
	expires := now.Add(in.Expires)
	credential := creds.AccessKeyID + "/" + Scope(now, in.Region)
	date := now.Format(DateTimeFormat)
	fields := map[string]string{
		"key":              in.Key,
		"Content-Type":     in.ContentType,
		"x-amz-algorithm":  Algorithm,
		"x-amz-credential": credential,
		"x-amz-date":       date,
	}
	conds := []any{
		map[string]string{"bucket": in.Bucket},
		map[string]string{"key": in.Key},
		map[string]string{"Content-Type": in.ContentType},
		[]any{"content-length-range", minBytes, in.MaxBytes},
		map[string]string{"x-amz-algorithm": Algorithm},
		map[string]string{"x-amz-credential": credential},
		map[string]string{"x-amz-date": date},
	}
	if creds.SessionToken != "" {
		fields["x-amz-security-token"] = creds.SessionToken
		conds = append(conds, map[string]string{"x-amz-security-token": creds.SessionToken})
	}
	doc, err := json.Marshal(Policy{Expiration: expires.Format("2006-01-02T15:04:05.000Z"), Conditions: conds})
	if err != nil {
		return PresignedPost{}, err
	}
	policy := base64.StdEncoding.EncodeToString(doc)
	fields["policy"] = policy
	fields["x-amz-signature"] = PolicySignature(SigningKey(creds.SecretAccessKey, now, in.Region, "s3"), policy)
	return PresignedPost{URL: PostURL(in.Bucket, in.Region, in.Endpoint), Fields: fields, ExpiresAt: expires}, nil
}

// PostURL is where a bucket's browser uploads are posted.
func PostURL(bucket, region, endpoint string) string {
	if endpoint != "" {
		return strings.TrimSuffix(endpoint, "/") + "/" + bucket
	}
	return "https://" + bucket + ".s3." + region + ".amazonaws.com/"
}

// ParsePolicy decodes a base64 POST policy (the local S3 checks uploads with it).
func ParsePolicy(policyBase64 string) (Policy, time.Time, error) {
	var p Policy
	raw, err := base64.StdEncoding.DecodeString(policyBase64)
	if err != nil {
		return p, time.Time{}, fmt.Errorf("objects: policy is not base64: %w", err)
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, time.Time{}, fmt.Errorf("objects: policy is not JSON: %w", err)
	}
	exp, err := time.Parse(time.RFC3339, p.Expiration)
	if err != nil {
		return p, time.Time{}, fmt.Errorf("objects: policy expiration %q: %w", p.Expiration, err)
	}
	return p, exp, nil
}

// LengthRange returns the policy's content-length-range, if it has one.
func (p Policy) LengthRange() (lo, hi int64, ok bool) {
	for _, c := range p.Conditions {
		arr, isArr := c.([]any)
		if !isArr || len(arr) != 3 {
			continue
		}
		if name, _ := arr[0].(string); !strings.EqualFold(name, "content-length-range") {
			continue
		}
		lo, ok1 := number(arr[1])
		hi, ok2 := number(arr[2])
		return lo, hi, ok1 && ok2
	}
	return 0, 0, false
}

func number(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		return int64(n), true
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}

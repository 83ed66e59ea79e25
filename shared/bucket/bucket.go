// Package bucket is the transcoder's S3 access with the AWS SDK: reading an
// uploaded original (pinned to the ETag its notification named) and writing
// renditions with their content types and cache headers. Only the transcode
// task imports it; the API functions presign with shared/objects and never link
// the SDK.
package bucket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/civicq/civicq/shared/objects"
)

// Options configure the client.
type Options struct {
	Region string
	// Endpoint, when set, is an S3-compatible endpoint (the local stack's
	// in-process S3), addressed path-style.
	Endpoint    string
	Credentials func() (objects.Credentials, error)
	HTTPClient  *http.Client
}

// Client reads and writes objects.
type Client struct {
	s3 *s3.Client
}

// New builds a client without touching the network. It takes the credentials
// Lambda puts in the environment (objects.EnvCredentials) instead of the SDK's
// default chain, which would link its SSO, STS and IMDS clients. Checksums are
// computed only where S3 requires them: with the SDK's default (always), an
// S3-compatible endpoint that does not speak aws-chunked stores the chunk
// framing with the object.
func New(o Options) *Client {
	creds := o.Credentials
	if creds == nil {
		creds = objects.EnvCredentials
	}
	opts := s3.Options{
		Region: o.Region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			c, err := creds()
			return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
				SessionToken: c.SessionToken, Source: "environment"}, err
		}),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if o.HTTPClient != nil {
		opts.HTTPClient = o.HTTPClient
	}
	if o.Endpoint != "" {
		opts.BaseEndpoint = aws.String(strings.TrimSuffix(o.Endpoint, "/"))
		opts.UsePathStyle = true
	}
	return &Client{s3: s3.New(opts)}
}

// Object is what a Get learned of an object.
type Object struct {
	ContentType string
	Size        int64
	ETag        string // without quotes
}

// ErrNotFound means the object (or its bucket) does not exist.
var ErrNotFound = errors.New("bucket: no such object")

// ErrChanged means the object no longer has the ETag asked for: it was
// overwritten by a newer upload.
var ErrChanged = errors.New("bucket: the object changed since its notification")

// Get copies the object to w. With etag set, it reads only that version of the
// object (If-Match): a key overwritten since its notification is ErrChanged.
func (c *Client) Get(ctx context.Context, bucketName, key, etag string, w io.Writer) (Object, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(bucketName), Key: aws.String(key)}
	if etag != "" {
		in.IfMatch = aws.String(`"` + strings.Trim(etag, `"`) + `"`)
	}
	out, err := c.s3.GetObject(ctx, in)
	if err != nil {
		return Object{}, classify("get "+key, err)
	}
	defer out.Body.Close()
	obj := Object{ContentType: aws.ToString(out.ContentType), ETag: strings.Trim(aws.ToString(out.ETag), `"`)}
	n, err := io.Copy(w, out.Body)
	if err != nil {
		return obj, fmt.Errorf("bucket: read %s: %w", key, err)
	}
	obj.Size = n
	if out.ContentLength != nil && *out.ContentLength != n {
		return obj, fmt.Errorf("bucket: read %s: %d of %d bytes", key, n, *out.ContentLength)
	}
	return obj, nil
}

// PutFile uploads a file with its content type and Cache-Control.
func (c *Client) PutFile(ctx context.Context, bucketName, key, path, contentType, cacheControl string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("bucket: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("bucket: %w", err)
	}
	return c.put(ctx, bucketName, key, f, st.Size(), contentType, cacheControl)
}

// PutBytes uploads b with its content type and Cache-Control.
func (c *Client) PutBytes(ctx context.Context, bucketName, key string, b []byte, contentType, cacheControl string) error {
	return c.put(ctx, bucketName, key, strings.NewReader(string(b)), int64(len(b)), contentType, cacheControl)
}

func (c *Client) put(ctx context.Context, bucketName, key string, body io.ReadSeeker, size int64, contentType, cacheControl string) error {
	_, err := c.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucketName), Key: aws.String(key), Body: body, ContentLength: aws.Int64(size),
		ContentType: aws.String(contentType), CacheControl: aws.String(cacheControl),
	})
	return classify("put "+key, err)
}

// Head reads an object's content type and Cache-Control (tests check what was
// written).
func (c *Client) Head(ctx context.Context, bucketName, key string) (contentType, cacheControl string, size int64, err error) {
	out, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucketName), Key: aws.String(key)})
	if err != nil {
		return "", "", 0, classify("head "+key, err)
	}
	return aws.ToString(out.ContentType), aws.ToString(out.CacheControl), aws.ToInt64(out.ContentLength), nil
}

// Keys lists the keys under prefix.
func (c *Client) Keys(ctx context.Context, bucketName, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(c.s3, &s3.ListObjectsV2Input{Bucket: aws.String(bucketName), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, classify("list "+prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

// CreateBucket creates a bucket (the local stack's setup).
func (c *Client) CreateBucket(ctx context.Context, name string) error {
	_, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	var owned interface{ ErrorCode() string }
	if errors.As(err, &owned) && (owned.ErrorCode() == "BucketAlreadyOwnedByYou" || owned.ErrorCode() == "BucketAlreadyExists") {
		return nil
	}
	return classify("create bucket "+name, err)
}

func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchKey", "NoSuchBucket", "NotFound":
			return fmt.Errorf("bucket: %s: %w", op, ErrNotFound)
		case "PreconditionFailed":
			return fmt.Errorf("bucket: %s: %w", op, ErrChanged)
		}
	}
	return fmt.Errorf("bucket: %s: %w", op, err)
}

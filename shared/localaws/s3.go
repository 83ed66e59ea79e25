// Package localaws plays the AWS services of the video path on one machine, on
// the same wire protocols and event shapes as the cloud: an S3-compatible
// endpoint (gofakes3, in process, over plain HTTP) that checks browser POST
// uploads as S3 does and sends S3 event notifications of new uploads; a queue
// with SQS's semantics (visibility timeout, receive count, dead-lettering) on a
// Redis stream; and a worker that polls the queue and invokes a Lambda handler
// with SQS events, honouring its partial batch failures. `make dev` and the
// end-to-end tests run the real transcode handler through them.
package localaws

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/civicq/civicq/shared/objects"
)

// Notifier receives the S3 event notification message (JSON) of an object
// created in a notifying bucket: the queue's Send.
type Notifier func(ctx context.Context, body []byte) error

// S3Options configure the local S3.
type S3Options struct {
	Region string
	// Credentials are the only ones presigned POSTs may be signed with (the
	// local stack's AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
	Credentials objects.Credentials
	// Buckets are created at start.
	Buckets []string
	// Notify, when set, gets an ObjectCreated notification for every object
	// created in NotifyBucket (by PUT or browser POST), as S3 → SQS would.
	Notify       Notifier
	NotifyBucket string
	// AllowedOrigins are the browser origins the buckets' CORS rule names (the
	// stack's rule names the site's origin): a preflight from another origin
	// gets S3's 403, and other answers carry no Access-Control-Allow-Origin.
	// Empty allows any origin.
	AllowedOrigins []string
	Log            *slog.Logger
	Now            func() time.Time
}

// S3 is an S3-compatible endpoint, path-style (http://host/<bucket>/<key>).
type S3 struct {
	opt     S3Options
	backend gofakes3.Backend
	fake    http.Handler
	seq     atomic.Uint64
}

// NewS3 builds the endpoint and its buckets.
func NewS3(o S3Options) (*S3, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	backend := s3mem.New()
	for _, b := range o.Buckets {
		if err := backend.CreateBucket(b); err != nil && !gofakes3.HasErrorCode(err, gofakes3.ErrBucketAlreadyExists) {
			return nil, fmt.Errorf("localaws: create bucket %s: %w", b, err)
		}
	}
	fake := gofakes3.New(backend, gofakes3.WithIntegrityCheck(true), gofakes3.WithTimeSkewLimit(0))
	return &S3{opt: o, backend: backend, fake: fake.Server()}, nil
}

// metaCacheControl carries Cache-Control through gofakes3, which keeps only
// Content-* and X-Amz-* headers of a PUT: stored under this name, answered as
// Cache-Control again, as S3 does.
const metaCacheControl = "X-Amz-Meta-Localaws-Cache-Control"

// ServeHTTP routes a request: browser POST uploads are checked here (gofakes3
// accepts them without any policy check); PUTs of objects pass through and are
// notified; everything else is gofakes3's.
func (s *S3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Browsers post uploads from the site's origin; the real bucket has a CORS
	// rule for it (infra/civicq/video.go).
	if !s.cors(w, r) {
		return
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && key == "" && bucket != "" && !q.Has("delete"):
		s.browserPost(w, r, bucket)
		return
	case r.Method == http.MethodPut && key != "" && !q.Has("uploadId") && !q.Has("partNumber") &&
		r.Header.Get("X-Amz-Copy-Source") == "":
		if cc := r.Header.Get("Cache-Control"); cc != "" {
			r.Header.Set(metaCacheControl, cc)
		}
		rec := &recorder{ResponseWriter: w}
		s.fake.ServeHTTP(rec, r)
		if (rec.status == 0 || rec.status/100 == 2) && bucket == s.opt.NotifyBucket { // 0: nothing written, an implicit 200
			size, _ := strconv.ParseInt(r.Header.Get("Content-Length"), 10, 64)
			s.notify(r.Context(), "ObjectCreated:Put", bucket, key, rec.Header().Get("ETag"), size)
		}
		return
	}
	if match := r.Header.Get("If-Match"); match != "" && key != "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		// gofakes3 ignores If-Match; S3 answers 412 when the object changed.
		if obj, err := s.backend.HeadObject(bucket, key); err == nil && strings.Trim(match, `"`) != hex.EncodeToString(obj.Hash) {
			s.fail(w, http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
			return
		}
	}
	ccw := &cacheControlWriter{ResponseWriter: w}
	s.fake.ServeHTTP(ccw, r)
	ccw.fix() // a HEAD may write nothing: net/http sends the headers after this
}

// recorder remembers the status written.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// cacheControlWriter answers the stored Cache-Control as the real header.
type cacheControlWriter struct {
	http.ResponseWriter
	done bool
}

func (c *cacheControlWriter) fix() {
	if c.done {
		return
	}
	c.done = true
	h := c.ResponseWriter.Header()
	if v := h.Get(metaCacheControl); v != "" {
		h.Set("Cache-Control", v)
		h.Del(metaCacheControl)
	}
}

func (c *cacheControlWriter) WriteHeader(code int) {
	c.fix()
	c.ResponseWriter.WriteHeader(code)
}

func (c *cacheControlWriter) Write(b []byte) (int, error) {
	c.fix()
	return c.ResponseWriter.Write(b)
}

// s3Error is S3's XML error body.
type s3Error struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId"`
}

// cors applies the buckets' CORS rule as S3 does: a matching origin is echoed
// (with Vary: Origin), a preflight (OPTIONS) is answered here, and a preflight
// from an origin the rule does not name gets 403. It reports whether the
// request goes on.
func (s *S3) cors(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	origin := r.Header.Get("Origin")
	allowed := len(s.opt.AllowedOrigins) == 0
	for _, o := range s.opt.AllowedOrigins {
		allowed = allowed || o == origin
	}
	if origin != "" && allowed {
		if len(s.opt.AllowedOrigins) == 0 {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
		}
		h.Set("Access-Control-Expose-Headers", "ETag, Location, x-amz-request-id")
	}
	if r.Method != http.MethodOptions {
		return true
	}
	if origin == "" || !allowed {
		s.fail(w, http.StatusForbidden, "AccessForbidden", "CORSResponse: This CORS request is not allowed.")
		return false
	}
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, PUT, POST")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req) // the rule allows any header ("*")
	}
	h.Set("Access-Control-Max-Age", "3000")
	w.WriteHeader(http.StatusOK)
	return false
}

func (s *S3) fail(w http.ResponseWriter, status int, code, msg string) {
	id := strconv.FormatUint(s.seq.Add(1), 16)
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-amz-request-id", id)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(s3Error{Code: code, Message: msg, RequestID: id, HostID: "localaws"})
}

// Limits of a POST form's fields (S3 caps the form before the file at 20 KB).
const (
	maxFieldBytes = 20 << 10
	maxFields     = 50
)

// browserPost stores a browser POST upload after checking it exactly as S3
// does: the SigV4 signature of the policy with the known credentials, the
// policy's expiry, every condition against the form's fields (and every field
// against the conditions), and the file's size against content-length-range,
// answering S3's XML errors (403 AccessDenied / SignatureDoesNotMatch, 400
// EntityTooLarge / EntityTooSmall...). Success is 204 with ETag and Location,
// or success_action_status.
func (s *S3) browserPost(w http.ResponseWriter, r *http.Request, bucket string) {
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" || params["boundary"] == "" {
		s.fail(w, http.StatusPreconditionFailed, "PreconditionFailed", "Bucket POST must be of the enclosure-type multipart/form-data")
		return
	}
	if ok, _ := s.backend.BucketExists(bucket); !ok {
		s.fail(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	fields := map[string]string{} // lower-case name -> value
	var file *multipart.Part
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || n > maxFields {
			s.fail(w, http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
			return
		}
		name := part.FormName()
		if name == "file" {
			file = part // S3 ignores every field after the file
			break
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil || len(v) > maxFieldBytes {
			s.fail(w, http.StatusBadRequest, "MaxPostPreDataLengthExceeded", "Your POST request fields preceding the upload file were too large.")
			return
		}
		fields[strings.ToLower(name)] = string(v)
	}
	if file == nil {
		s.fail(w, http.StatusBadRequest, "InvalidArgument", "POST requires exactly one file upload per request.")
		return
	}
	lo, hi, code, msg := s.checkPolicy(bucket, fields)
	if code != "" {
		status := http.StatusForbidden
		if code == "InvalidArgument" || code == "AuthorizationQueryParametersError" {
			status = http.StatusBadRequest
		}
		s.fail(w, status, code, msg)
		return
	}
	// The file: counted while it is spooled, refused as soon as it is too large.
	tmp, err := os.CreateTemp("", "localaws-post-")
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	limit := hi
	if limit <= 0 {
		limit = 5 << 30 // S3's largest single upload
	}
	size, err := io.Copy(tmp, io.LimitReader(file, limit+1))
	if err != nil {
		s.fail(w, http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
		return
	}
	if size > limit {
		s.fail(w, http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
		return
	}
	if size < lo {
		s.fail(w, http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size")
		return
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		s.fail(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	key := fields["key"]
	// Stored through gofakes3's own PUT, so the object, its ETag and metadata are
	// exactly what a PUT makes.
	put := httptest.NewRequest(http.MethodPut, "/"+bucket+"/"+escapePath(key), tmp)
	put.ContentLength = size
	put.Header.Set("Content-Length", strconv.FormatInt(size, 10))
	contentType := fields["content-type"]
	if contentType == "" {
		contentType = "binary/octet-stream"
	}
	put.Header.Set("Content-Type", contentType)
	if cc := fields["cache-control"]; cc != "" {
		put.Header.Set(metaCacheControl, cc)
	}
	rec := httptest.NewRecorder()
	s.fake.ServeHTTP(rec, put)
	if rec.Code/100 != 2 {
		w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	etag := rec.Header().Get("ETag")
	s.notify(r.Context(), "ObjectCreated:Post", bucket, key, etag, size)
	w.Header().Set("ETag", etag)
	w.Header().Set("Location", "http://"+r.Host+"/"+bucket+"/"+escapePath(key))
	status := http.StatusNoContent
	switch fields["success_action_status"] {
	case "200":
		status = http.StatusOK
	case "201":
		status = http.StatusCreated
	}
	w.WriteHeader(status)
	if status == http.StatusCreated {
		_, _ = fmt.Fprintf(w, "%s<PostResponse><Bucket>%s</Bucket><Key>%s</Key><ETag>%s</ETag></PostResponse>",
			xml.Header, bucket, key, etag)
	}
}

// checkPolicy verifies the POST's signature and policy against its fields. It
// returns the content-length-range, or an S3 error code and message.
func (s *S3) checkPolicy(bucket string, fields map[string]string) (lo, hi int64, code, msg string) {
	for _, f := range []string{"key", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"} {
		if fields[f] == "" {
			return 0, 0, "InvalidArgument", "Bucket POST must contain a field named '" + f + "'."
		}
	}
	if fields["x-amz-algorithm"] != objects.Algorithm {
		return 0, 0, "InvalidArgument", "Only AWS4-HMAC-SHA256 is supported."
	}
	cred := strings.Split(fields["x-amz-credential"], "/")
	if len(cred) != 5 || cred[3] != "s3" || cred[4] != "aws4_request" {
		return 0, 0, "InvalidArgument", "Invalid credential in the x-amz-credential field."
	}
	if cred[0] != s.opt.Credentials.AccessKeyID {
		return 0, 0, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
	}
	day, err := time.Parse(objects.DateFormat, cred[1])
	if err != nil || cred[2] != s.opt.Region {
		return 0, 0, "AuthorizationQueryParametersError", "Invalid credential scope date or region."
	}
	want := objects.PolicySignature(objects.SigningKey(s.opt.Credentials.SecretAccessKey, day, cred[2], "s3"), fields["policy"])
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(fields["x-amz-signature"]))) {
		return 0, 0, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	}
	p, exp, err := objects.ParsePolicy(fields["policy"])
	if err != nil {
		return 0, 0, "InvalidPolicyDocument", "Invalid Policy: " + err.Error()
	}
	if !s.opt.Now().Before(exp) {
		return 0, 0, "AccessDenied", "Invalid according to Policy: Policy expired."
	}
	values := map[string]string{"bucket": bucket}
	for k, v := range fields {
		values[k] = v
	}
	covered := map[string]bool{}
	for _, c := range p.Conditions {
		ok, name, desc := condition(c, values)
		if name != "" {
			covered[name] = true
		}
		if !ok {
			return 0, 0, "AccessDenied", "Invalid according to Policy: Policy Condition failed: " + desc
		}
	}
	for name := range fields {
		switch {
		case name == "policy" || name == "x-amz-signature" || strings.HasPrefix(name, "x-ignore-"):
		case !covered[name]:
			return 0, 0, "AccessDenied", "Invalid according to Policy: Extra input fields: " + name
		}
	}
	lo, hi, _ = p.LengthRange()
	return lo, hi, "", ""
}

// condition evaluates one policy condition: {"field": "value"} (exact),
// ["eq", "$field", "value"], ["starts-with", "$field", "prefix"], or
// ["content-length-range", min, max] (checked on the file). It returns the
// field it covers (lower case) and a description for the error.
func condition(c any, values map[string]string) (ok bool, name, desc string) {
	switch v := c.(type) {
	case map[string]any:
		for k, want := range v {
			w, _ := want.(string)
			name = strings.ToLower(k)
			desc = fmt.Sprintf(`["eq", "$%s", %q]`, k, w)
			return values[name] == w, name, desc
		}
	case []any:
		if len(v) != 3 {
			return false, "", fmt.Sprint(v)
		}
		op, _ := v[0].(string)
		switch strings.ToLower(op) {
		case "content-length-range":
			return true, "", ""
		case "eq", "starts-with":
			field, _ := v[1].(string)
			want, _ := v[2].(string)
			name = strings.ToLower(strings.TrimPrefix(field, "$"))
			desc = fmt.Sprintf(`[%q, %q, %q]`, op, field, want)
			if strings.ToLower(op) == "eq" {
				return values[name] == want, name, desc
			}
			return strings.HasPrefix(values[name], want), name, desc
		}
	}
	return false, "", fmt.Sprint(c)
}

// escapePath URL-escapes each segment of a key.
func escapePath(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// notify sends the S3 event notification of a new object (event message
// structure version 2.1, the key URL-encoded as S3 encodes it: spaces as '+').
func (s *S3) notify(ctx context.Context, event, bucket, key, etag string, size int64) {
	if s.opt.Notify == nil || bucket != s.opt.NotifyBucket {
		return
	}
	body := Notification(s.opt.Region, event, bucket, key, etag, size, s.opt.Now(), s.seq.Add(1))
	err := s.opt.Notify(ctx, body)
	if err != nil {
		// S3 delivers notifications asynchronously: the upload has succeeded
		// whatever happens to its notification.
		s.opt.Log.ErrorContext(ctx, "localaws: S3 notification not sent", "bucket", bucket, "key", key, "error", err.Error())
	}
}

// EncodeKey encodes a key as S3 event notifications carry it.
func EncodeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.QueryEscape(s)
	}
	return strings.Join(segs, "/")
}

// Notification is the S3 event notification message of one new object (seq
// orders the events of one endpoint).
func Notification(region, event, bucket, key, etag string, size int64, now time.Time, seq uint64) []byte {
	body, _ := json.Marshal(map[string]any{"Records": []any{notificationRecord(region, event, bucket, key,
		strings.Trim(etag, `"`), size, now, seq)}})
	return body
}

func notificationRecord(region, event, bucket, key, etag string, size int64, now time.Time, seq uint64) map[string]any {
	return map[string]any{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": region,
		"eventTime": now.UTC().Format("2006-01-02T15:04:05.000Z"), "eventName": event,
		"userIdentity":      map[string]string{"principalId": "AWS:LOCAL"},
		"requestParameters": map[string]string{"sourceIPAddress": "127.0.0.1"},
		"responseElements":  map[string]string{"x-amz-request-id": strconv.FormatUint(seq, 16), "x-amz-id-2": "localaws"},
		"s3": map[string]any{
			"s3SchemaVersion": "1.0", "configurationId": "localaws-uploads",
			"bucket": map[string]any{"name": bucket, "ownerIdentity": map[string]string{"principalId": "LOCAL"},
				"arn": "arn:aws:s3:::" + bucket},
			"object": map[string]any{"key": EncodeKey(key), "size": size, "eTag": etag,
				"sequencer": fmt.Sprintf("%016X", seq)},
		},
	}
}

// TestEvent is the message S3 sends when a notification is configured.
func TestEvent(bucket string, now time.Time) []byte {
	b, _ := json.Marshal(map[string]string{"Service": "Amazon S3", "Event": "s3:TestEvent",
		"Time": now.UTC().Format("2006-01-02T15:04:05.000Z"), "Bucket": bucket, "RequestId": "localaws", "HostId": "localaws"})
	return b
}

// MediaHandler serves the media bucket's keys under the site's origin the way
// CloudFront's /media/* behaviour does: GET and HEAD only, the request path is
// the key (media/...), with the stored content type and Cache-Control.
func (s *S3) MediaHandler(bucket string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		key := strings.TrimPrefix(r.URL.Path, "/")
		req := r.Clone(r.Context())
		req.URL = &url.URL{Path: "/" + bucket + "/" + key}
		req.RequestURI = ""
		// CloudFront answers 403 for a missing key of a private bucket.
		ccw := &cacheControlWriter{ResponseWriter: w}
		s.fake.ServeHTTP(&statusWriter{ResponseWriter: ccw}, req)
		ccw.fix()
	})
}

// statusWriter turns S3's 404 into CloudFront's 403 for a private origin.
type statusWriter struct {
	http.ResponseWriter
	replaced bool
}

func (s *statusWriter) WriteHeader(code int) {
	if code == http.StatusNotFound {
		code = http.StatusForbidden
		s.replaced = true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.replaced {
		return len(b), nil
	}
	return s.ResponseWriter.Write(b)
}

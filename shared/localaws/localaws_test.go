package localaws

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/bucket"
	"github.com/civicq/civicq/shared/objects"
	"github.com/civicq/civicq/shared/testenv"
)

var creds = objects.Credentials{AccessKeyID: "AKIDLOCAL", SecretAccessKey: "local-secret"}

func newQueue(t *testing.T, addr string, visibility time.Duration) (*Queue, *redis.Client) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	return NewQueue(rdb, "uploads", QueueOptions{Prefix: testenv.KeyPrefix(t), Visibility: visibility, MaxReceives: 3}), rdb
}

// Visibility timeout, receive counts and dead-lettering after 3 receives, as an
// SQS queue with a redrive policy of maxReceiveCount 3.
func TestQueueVisibilityReceiveCountAndDLQ(t *testing.T) {
	ctx := context.Background()
	q, _ := newQueue(t, testenv.RedisAddr(t), 300*time.Millisecond)
	id, err := q.Send(ctx, []byte(`{"n":1}`))
	require.NoError(t, err)

	m, err := q.Receive(ctx, "a", 0)
	require.NoError(t, err)
	require.NotNil(t, m)
	assert.Equal(t, id, m.ID)
	assert.Equal(t, `{"n":1}`, m.Body)
	assert.Equal(t, 1, m.ReceiveCount)
	rec := q.SQS(m, time.Now())
	assert.Equal(t, "1", rec.Attributes["ApproximateReceiveCount"])
	assert.Equal(t, "aws:sqs", rec.EventSource)

	// Invisible to everyone until the visibility timeout has passed.
	m2, err := q.Receive(ctx, "b", 50*time.Millisecond)
	require.NoError(t, err)
	assert.Nil(t, m2, "in flight: hidden")

	for want := 2; want <= 3; want++ {
		time.Sleep(350 * time.Millisecond)
		m, err = q.Receive(ctx, "b", 0)
		require.NoError(t, err)
		require.NotNil(t, m, "receive %d", want)
		assert.Equal(t, id, m.ID)
		assert.Equal(t, want, m.ReceiveCount)
	}
	// A fourth receive would exceed maxReceiveCount: the message goes to the DLQ.
	time.Sleep(350 * time.Millisecond)
	m, err = q.Receive(ctx, "c", 0)
	require.NoError(t, err)
	assert.Nil(t, m)
	dead, err := q.DeadLetters(ctx)
	require.NoError(t, err)
	require.Len(t, dead, 1)
	assert.Equal(t, `{"n":1}`, dead[0].Body)
	assert.Equal(t, 3, dead[0].ReceiveCount)
	n, err := q.Len(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	// A deleted message never comes back.
	_, err = q.Send(ctx, []byte("two"))
	require.NoError(t, err)
	m, err = q.Receive(ctx, "a", 0)
	require.NoError(t, err)
	require.NoError(t, q.Delete(ctx, m))
	time.Sleep(350 * time.Millisecond)
	m, err = q.Receive(ctx, "a", 0)
	require.NoError(t, err)
	assert.Nil(t, m)
}

// invoker is a function that fails its first failures receives, then succeeds.
type invoker struct {
	mu       sync.Mutex
	failures int
	calls    []events.SQSEvent
	errOnce  bool
}

func (f *invoker) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var ev events.SQSEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, ev)
	if f.errOnce {
		f.errOnce = false
		return nil, io.ErrUnexpectedEOF
	}
	var resp events.SQSEventResponse
	if f.failures > 0 {
		f.failures--
		resp.BatchItemFailures = []events.SQSBatchItemFailure{{ItemIdentifier: ev.Records[0].MessageId}}
	}
	return json.Marshal(resp)
}

// The worker deletes what the function did not report failed, and leaves a
// failed record (or a failed invocation) to come back with its receive count up.
func TestWorkerHonoursBatchItemFailures(t *testing.T) {
	ctx := context.Background()
	q, _ := newQueue(t, testenv.RedisAddr(t), 100*time.Millisecond)
	fn := &invoker{failures: 1, errOnce: true}
	w := &Worker{Queue: q, Function: fn, Timeout: time.Second}
	_, err := q.Send(ctx, []byte("hello"))
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		if i > 0 {
			time.Sleep(150 * time.Millisecond)
		}
		handled, err := w.Step(ctx)
		require.NoError(t, err)
		require.True(t, handled, "step %d", i)
	}
	require.Len(t, fn.calls, 3)
	for i, ev := range fn.calls {
		require.Len(t, ev.Records, 1)
		assert.Equal(t, "hello", ev.Records[0].Body)
		assert.Equal(t, []string{"1", "2", "3"}[i], ev.Records[0].Attributes["ApproximateReceiveCount"])
	}
	n, err := q.Len(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "succeeded on the third receive: deleted")
	dead, err := q.DeadLetters(ctx)
	require.NoError(t, err)
	assert.Empty(t, dead)
}

// With Redis down the queue reports errors and the worker keeps polling; once
// Redis is back, messages flow again.
func TestQueueRedisDown(t *testing.T) {
	ctx := context.Background()
	srv := testenv.StartRedis(t)
	q, _ := newQueue(t, srv.Addr, time.Second)
	srv.Stop()
	_, err := q.Send(ctx, []byte("x"))
	require.Error(t, err)
	_, err = q.Receive(ctx, "a", 0)
	require.Error(t, err)

	fn := &invoker{}
	w := &Worker{Queue: q, Function: fn, Wait: 50 * time.Millisecond}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w.Run(wctx); close(done) }()
	time.Sleep(300 * time.Millisecond)
	srv.Start() // empty again: the queue notices the missing consumer group and recreates it
	require.Eventually(t, func() bool { _, err := q.Send(ctx, []byte("after")); return err == nil }, 5*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool {
		fn.mu.Lock()
		defer fn.mu.Unlock()
		return len(fn.calls) == 1
	}, 10*time.Second, 50*time.Millisecond)
	cancel()
	<-done
}

type notified struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (n *notified) notify(_ context.Context, body []byte) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.bodies = append(n.bodies, body)
	return nil
}

func newS3(t *testing.T, now func() time.Time) (*S3, *httptest.Server, *notified) {
	t.Helper()
	n := &notified{}
	s, err := NewS3(S3Options{Region: "us-east-1", Credentials: creds, Buckets: []string{"up", "media"},
		Notify: n.notify, NotifyBucket: "up", Now: now})
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv, n
}

// post sends a browser POST upload: the fields, then the file.
func post(t *testing.T, url string, fields map[string]string, file []byte) (int, string, http.Header) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	fw, err := mw.CreateFormFile("file", "answer.webm")
	require.NoError(t, err)
	_, _ = fw.Write(file)
	require.NoError(t, mw.Close())
	resp, err := http.Post(url, mw.FormDataContentType(), &body)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func s3ErrorCode(t *testing.T, body string) string {
	t.Helper()
	var e s3Error
	require.NoError(t, xml.Unmarshal([]byte(body), &e), body)
	return e.Code
}

func presign(t *testing.T, srv *httptest.Server, key, ct string, maxBytes int64, now time.Time, c objects.Credentials) objects.PresignedPost {
	t.Helper()
	pp, err := objects.PresignPost(c, objects.PostInput{Bucket: "up", Key: key, ContentType: ct, MaxBytes: maxBytes,
		Expires: 10 * time.Minute, Region: "us-east-1", Endpoint: srv.URL}, now)
	require.NoError(t, err)
	return pp
}

func copyFields(f map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range f {
		out[k] = v
	}
	return out
}

// The local S3 checks a presigned POST as S3 does and notifies new uploads.
func TestBrowserPostChecksThePolicy(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	_, srv, n := newS3(t, clock)
	file := bytes.Repeat([]byte("v"), 1000)
	pp := presign(t, srv, "uploads/a b/answer.webm", "video/webm", 2000, now, creds)
	assert.Equal(t, srv.URL+"/up", pp.URL)

	status, body, h := post(t, pp.URL, pp.Fields, file)
	require.Equal(t, http.StatusNoContent, status, body)
	etag := strings.Trim(h.Get("ETag"), `"`)
	require.NotEmpty(t, etag)
	require.Len(t, n.bodies, 1)
	var ev events.S3Event
	require.NoError(t, json.Unmarshal(n.bodies[0], &ev))
	require.Len(t, ev.Records, 1)
	r := ev.Records[0]
	assert.Equal(t, "ObjectCreated:Post", r.EventName)
	assert.Equal(t, "up", r.S3.Bucket.Name)
	assert.Equal(t, "uploads/a+b/answer.webm", r.S3.Object.Key, "keys arrive URL-encoded")
	assert.Equal(t, "uploads/a b/answer.webm", r.S3.Object.URLDecodedKey)
	assert.Equal(t, etag, r.S3.Object.ETag)
	assert.EqualValues(t, 1000, r.S3.Object.Size)

	// What S3 refuses.
	cases := []struct {
		name   string
		edit   func(f map[string]string)
		file   []byte
		status int
		code   string
	}{
		{"wrong content type", func(f map[string]string) { f["Content-Type"] = "text/plain" }, file, 403, "AccessDenied"},
		{"other key", func(f map[string]string) { f["key"] = "uploads/other.webm" }, file, 403, "AccessDenied"},
		{"extra field", func(f map[string]string) { f["acl"] = "public-read" }, file, 403, "AccessDenied"},
		{"tampered policy", func(f map[string]string) { f["policy"] = f["policy"][:len(f["policy"])-4] + "AAAA" }, file, 403, "SignatureDoesNotMatch"},
		{"unknown key id", func(f map[string]string) {
			f["x-amz-credential"] = strings.Replace(f["x-amz-credential"], "AKIDLOCAL", "AKIDOTHER", 1)
		}, file, 403, "InvalidAccessKeyId"},
		{"no signature", func(f map[string]string) { delete(f, "x-amz-signature") }, file, 400, "InvalidArgument"},
		{"too large", func(map[string]string) {}, bytes.Repeat([]byte("v"), 2001), 400, "EntityTooLarge"},
		{"empty", func(map[string]string) {}, nil, 400, "EntityTooSmall"},
	}
	for _, c := range cases {
		f := copyFields(pp.Fields)
		c.edit(f)
		status, body, _ := post(t, pp.URL, f, c.file)
		assert.Equal(t, c.status, status, "%s: %s", c.name, body)
		assert.Equal(t, c.code, s3ErrorCode(t, body), c.name)
	}
	// Signed with another secret.
	bad := presign(t, srv, "uploads/x.webm", "video/webm", 2000, now, objects.Credentials{AccessKeyID: "AKIDLOCAL", SecretAccessKey: "nope"})
	status, body, _ = post(t, bad.URL, bad.Fields, file)
	assert.Equal(t, 403, status)
	assert.Equal(t, "SignatureDoesNotMatch", s3ErrorCode(t, body))
	// Expired.
	now = now.Add(11 * time.Minute)
	status, body, _ = post(t, pp.URL, pp.Fields, file)
	assert.Equal(t, 403, status)
	assert.Equal(t, "AccessDenied", s3ErrorCode(t, body))
	assert.Contains(t, body, "Policy expired")
	assert.Len(t, n.bodies, 1, "nothing refused was notified")
}

// The AWS SDK (as the transcoder configures it) talks to the local S3 over
// plain HTTP: objects keep their bytes, content type and Cache-Control; a PUT to
// the uploads bucket is notified; the media handler serves keys like CloudFront.
func TestSDKAgainstLocalS3(t *testing.T) {
	ctx := context.Background()
	s, srv, n := newS3(t, nil)
	c := bucket.New(bucket.Options{Region: "us-east-1", Endpoint: srv.URL,
		Credentials: func() (objects.Credentials, error) { return creds, nil }})
	require.NoError(t, c.PutBytes(ctx, "media", "media/x/master.m3u8", []byte("#EXTM3U\n"), objects.TypePlaylist, objects.CacheMaster))
	ct, cc, size, err := c.Head(ctx, "media", "media/x/master.m3u8")
	require.NoError(t, err)
	assert.Equal(t, objects.TypePlaylist, ct)
	assert.Equal(t, objects.CacheMaster, cc)
	assert.EqualValues(t, 8, size)

	require.NoError(t, c.PutBytes(ctx, "up", "uploads/k.webm", []byte("0123456789"), "video/webm", "no-store"))
	require.Len(t, n.bodies, 1)
	var buf bytes.Buffer
	obj, err := c.Get(ctx, "up", "uploads/k.webm", "", &buf)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", buf.String(), "no checksum framing stored")
	assert.Equal(t, "video/webm", obj.ContentType)
	_, err = c.Get(ctx, "up", "uploads/k.webm", obj.ETag, io.Discard)
	require.NoError(t, err)
	_, err = c.Get(ctx, "up", "uploads/k.webm", "0000", io.Discard)
	assert.ErrorIs(t, err, bucket.ErrChanged)
	_, err = c.Get(ctx, "up", "uploads/none.webm", "", io.Discard)
	assert.ErrorIs(t, err, bucket.ErrNotFound)

	media := httptest.NewServer(http.StripPrefix("", s.MediaHandler("media")))
	defer media.Close()
	resp, err := http.Get(media.URL + "/media/x/master.m3u8")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "#EXTM3U\n", string(b))
	assert.Equal(t, objects.TypePlaylist, resp.Header.Get("Content-Type"))
	assert.Equal(t, objects.CacheMaster, resp.Header.Get("Cache-Control"))
	resp, err = http.Get(media.URL + "/media/x/none.ts")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 403, resp.StatusCode)
}

// The buckets' CORS rule, as S3 applies it: the site's origin is echoed on a
// preflight and on the POST itself; another origin's preflight gets 403 and its
// requests no Access-Control-Allow-Origin (the browser then refuses the answer).
func TestCORSNamesTheSiteOrigin(t *testing.T) {
	const site = "http://localhost:8080"
	s, err := NewS3(S3Options{Region: "us-east-1", Credentials: creds, Buckets: []string{"up"}, AllowedOrigins: []string{site}})
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/up", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "x-requested-with")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	ok := preflight(site)
	assert.Equal(t, http.StatusOK, ok.StatusCode)
	assert.Equal(t, site, ok.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, ok.Header.Get("Access-Control-Allow-Methods"), "POST")
	assert.Equal(t, "x-requested-with", ok.Header.Get("Access-Control-Allow-Headers"))
	assert.Contains(t, ok.Header.Values("Vary"), "Origin")

	bad := preflight("http://evil.example")
	assert.Equal(t, http.StatusForbidden, bad.StatusCode)
	assert.Empty(t, bad.Header.Get("Access-Control-Allow-Origin"))

	now := time.Now()
	pp := presign(t, srv, "uploads/x/answer.webm", "video/webm", 2000, now, creds)
	send := func(origin string) *http.Response {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range pp.Fields {
			require.NoError(t, mw.WriteField(k, v))
		}
		fw, _ := mw.CreateFormFile("file", "answer.webm")
		_, _ = fw.Write([]byte("video bytes"))
		require.NoError(t, mw.Close())
		req, _ := http.NewRequest(http.MethodPost, pp.URL, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	r := send(site)
	assert.Equal(t, http.StatusNoContent, r.StatusCode)
	assert.Equal(t, site, r.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, r.Header.Get("Access-Control-Expose-Headers"), "ETag")
	r = send("http://evil.example")
	assert.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
}

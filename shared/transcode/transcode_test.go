package transcode

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/bucket"
	"github.com/civicq/civicq/shared/cache"
	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/localaws"
	"github.com/civicq/civicq/shared/migrate"
	"github.com/civicq/civicq/shared/objects"
	"github.com/civicq/civicq/shared/store"
	"github.com/civicq/civicq/shared/testenv"
)

const (
	uploadsBucket = "civicq-test-uploads"
	mediaBucket   = "civicq-test-media"
)

var creds = objects.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "test-secret"}

// env is one test's transcoder against a real database (demo city loaded), a
// Redis prefix, and the local S3.
type env struct {
	t      *testing.T
	db     *pgxpool.Pool
	store  *store.Store
	s3     *bucket.Client
	tc     *Transcoder
	cache  *cache.Cache
	rdb    *redis.Client
	prefix string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run scripts/tools.sh ensure-ffmpeg", tool)
		}
	}
	ctx := context.Background()
	dsn := testenv.EmptyDB(t)
	_, err := migrate.Up(ctx, dsn)
	require.NoError(t, err)
	// The pool as the function builds it (QueryExecModeExec, as behind RDS Proxy).
	db, err := store.NewPool(ctx, dsn, store.PoolOptions{MaxConns: 4, ConnectTimeout: 2 * time.Second})
	require.NoError(t, err)
	t.Cleanup(db.Close)
	require.NoError(t, demo.Load(ctx, db))
	s3, err := localaws.NewS3(localaws.S3Options{Credentials: creds, Buckets: []string{uploadsBucket, mediaBucket}})
	require.NoError(t, err)
	srv := httptest.NewServer(s3)
	t.Cleanup(srv.Close)
	client := bucket.New(bucket.Options{Region: "us-east-1", Endpoint: srv.URL,
		Credentials: func() (objects.Credentials, error) { return creds, nil }})
	rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { rdb.Close() })
	prefix := testenv.KeyPrefix(t)
	c := cache.New(rdb, prefix, nil)
	st := store.New(db, nil)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.Default()
	}
	e := &env{t: t, db: db, store: st, s3: client, cache: c, rdb: rdb, prefix: prefix}
	e.tc = &Transcoder{Store: st, Cache: c, Objects: client, Log: log, Settings: Settings{
		UploadsBucket: uploadsBucket, MediaBucket: mediaBucket, MaxBytes: 50 << 20, Preset: "ultrafast",
		MaxReceives: MaxReceives, ProgressEvery: 100 * time.Millisecond, WorkDir: t.TempDir(),
	}}
	return e
}

var (
	clipOnce sync.Once
	clipDir  string
)

// clip makes (once per test binary) a small input with ffmpeg's test sources.
func clip(t *testing.T, name string, args ...string) string {
	t.Helper()
	clipOnce.Do(func() {
		var err error
		clipDir, err = os.MkdirTemp("", "transcode-clips-")
		require.NoError(t, err)
	})
	path := filepath.Join(clipDir, name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	full := append([]string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y"}, args...)
	out, err := exec.Command("ffmpeg", append(full, path)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return path
}

// webm is a 6 s 854x480 answer with sound: two rungs (480p, 360p), so the
// lowest is published before the other.
func webm(t *testing.T) string {
	return clip(t, "answer.webm", "-f", "lavfi", "-i", "testsrc2=size=854x480:rate=15:duration=6",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=6",
		"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "400k", "-c:a", "libopus", "-shortest")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if clipDir != "" {
		os.RemoveAll(clipDir)
	}
	os.Exit(code)
}

// upload asks for an upload of the demo candidate's answer to question q and
// puts the file there with content type ct; it returns the upload and the S3
// notification's SQS message.
func (e *env) upload(q, file, ct string) (store.Upload, events.SQSMessage) {
	t := e.t
	t.Helper()
	ctx := context.Background()
	g, err := e.store.PrepareAnswerUpload(ctx, store.AnswerUploadRequest{CityID: demo.CityID, CandidateID: demo.CandidateID,
		ContestID: demo.RaceContestID, QuestionID: q,
		Key: func(answerID string) string { return objects.UploadKey(demo.CityID, answerID, "video/webm") }})
	require.NoError(t, err)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, e.s3.PutBytes(ctx, uploadsBucket, g.Key, b, ct, "no-store"))
	sum := md5hex(b)
	u := store.Upload{Bucket: uploadsBucket, Key: g.Key, ETag: sum, Size: int64(len(b)), CityID: demo.CityID, AnswerID: g.AnswerID}
	return u, e.message(u, 1)
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func (e *env) message(u store.Upload, receive int) events.SQSMessage {
	return events.SQSMessage{MessageId: "m-" + u.Key, Body: string(localaws.Notification("us-east-1", "ObjectCreated:Post",
		u.Bucket, u.Key, u.ETag, u.Size, time.Now(), 1)), Attributes: map[string]string{"ApproximateReceiveCount": strconv.Itoa(receive)}}
}

type answerRow struct {
	Status, FailureCode, FailureReason string
	PublishedAt                        *time.Time
	VideoID                            *string
}

func (e *env) answer(id string) answerRow {
	var a answerRow
	var code, reason *string
	require.NoError(e.t, e.db.QueryRow(context.Background(), `SELECT status, failure_code, failure_reason, published_at, video_id::text
		FROM answers WHERE id = $1`, id).Scan(&a.Status, &code, &reason, &a.PublishedAt, &a.VideoID))
	if code != nil {
		a.FailureCode = *code
	}
	if reason != nil {
		a.FailureReason = *reason
	}
	return a
}

type videoRow struct {
	ID, Status string
	Attempt    int
	MasterKey  string
	SHA        string
	Percent    int
}

func (e *env) videos(answerID string) []videoRow {
	rows, err := e.db.Query(context.Background(), `SELECT id, status, attempt, coalesce(master_key, ''),
		coalesce(provenance_sha256, ''), progress_percent FROM videos WHERE answer_id = $1 ORDER BY created_at`, answerID)
	require.NoError(e.t, err)
	defer rows.Close()
	var out []videoRow
	for rows.Next() {
		var v videoRow
		require.NoError(e.t, rows.Scan(&v.ID, &v.Status, &v.Attempt, &v.MasterKey, &v.SHA, &v.Percent))
		out = append(out, v)
	}
	return out
}

func sha(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// A redelivery after success publishes nothing again; a duplicate delivered
// while the first run is still working is retried (or left to it on its last
// receive) and changes nothing.
func TestRedeliveryPublishesOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, msg := e.upload("f1000000-0000-4000-8000-000000000001", webm(t), "video/webm")

	// The duplicate arrives while the first delivery is transcoding.
	progressed := make(chan struct{})
	var once sync.Once
	e.tc.Objects = &hookObjects{Objects: e.s3, onPut: func() { once.Do(func() { close(progressed) }) }}
	first := make(chan error, 1)
	go func() { first <- e.tc.Message(ctx, msg) }()
	select {
	case <-progressed:
	case err := <-first:
		t.Fatalf("first delivery ended before the duplicate: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("no upload within 60 s")
	}
	assert.ErrorIs(t, e.tc.Message(ctx, e.message(u, 1)), errBusy, "busy: retried later")
	assert.NoError(t, e.tc.Message(ctx, e.message(u, MaxReceives)), "busy on its last receive: left to the run that holds it")
	require.NoError(t, <-first)

	a := e.answer(u.AnswerID)
	require.Equal(t, "published", a.Status)
	vs := e.videos(u.AnswerID)
	require.Len(t, vs, 1)
	assert.Equal(t, "ready", vs[0].Status)
	assert.Equal(t, 1, vs[0].Attempt)
	assert.Equal(t, 100, vs[0].Percent)
	assert.Equal(t, sha(t, webm(t)), vs[0].SHA)
	assert.True(t, strings.HasPrefix(vs[0].MasterKey, objects.MediaPrefix(u.AnswerID, vs[0].ID, 1)))
	keys, err := e.s3.Keys(ctx, mediaBucket, "media/")
	require.NoError(t, err)

	// Redelivered after success (SQS at-least-once): nothing happens.
	resp, err := e.tc.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{e.message(u, 2)}})
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures)
	assert.Equal(t, a.PublishedAt, e.answer(u.AnswerID).PublishedAt)
	assert.Len(t, e.videos(u.AnswerID), 1)
	again, err := e.s3.Keys(ctx, mediaBucket, "media/")
	require.NoError(t, err)
	assert.Equal(t, keys, again, "nothing uploaded twice")

	// Content types and cache headers of what was written.
	for _, k := range keys {
		ct, cc, _, err := e.s3.Head(ctx, mediaBucket, k)
		require.NoError(t, err)
		assert.Equal(t, objects.MediaType(k), ct, k)
		if strings.HasSuffix(k, "/master.m3u8") {
			assert.Equal(t, objects.CacheMaster, cc, k)
		} else {
			assert.Equal(t, objects.CacheImmutable, cc, k)
		}
	}
}

// hookObjects calls onPut on each upload, and can fail chosen operations.
type hookObjects struct {
	Objects
	onPut       func()
	failGet     error
	failMasters atomic.Int32 // fail the n-th master upload (1-based) and later ones
	masters     atomic.Int32
}

func (h *hookObjects) Get(ctx context.Context, b, k, etag string, w io.Writer) (bucket.Object, error) {
	if h.failGet != nil {
		return bucket.Object{}, h.failGet
	}
	return h.Objects.Get(ctx, b, k, etag, w)
}

func (h *hookObjects) PutFile(ctx context.Context, b, k, p, ct, cc string) error {
	if h.onPut != nil {
		h.onPut()
	}
	return h.Objects.PutFile(ctx, b, k, p, ct, cc)
}

func (h *hookObjects) PutBytes(ctx context.Context, b, k string, body []byte, ct, cc string) error {
	n := h.masters.Add(1)
	if f := h.failMasters.Load(); f > 0 && n >= f {
		return errors.New("S3 is down")
	}
	return h.Objects.PutBytes(ctx, b, k, body, ct, cc)
}

// A run that dies after publishing the lowest rung: the redelivery takes the
// upload over as attempt 2 (a new media prefix), the answer is not published
// again, and the video ends ready with the whole ladder.
func TestTakeoverAfterACrashMidway(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, msg := e.upload("f1000000-0000-4000-8000-000000000002", webm(t), "video/webm")
	h := &hookObjects{Objects: e.s3}
	h.failMasters.Store(2) // the first master (lowest rung) lands, the second does not
	e.tc.Objects = h
	require.Error(t, e.tc.Message(ctx, msg), "a transient failure is retried")
	a1 := e.answer(u.AnswerID)
	require.Equal(t, "published", a1.Status, "published with the lowest rung before the failure")
	vs := e.videos(u.AnswerID)
	require.Len(t, vs, 1)
	require.Equal(t, "processing", vs[0].Status)

	e.tc.Objects = e.s3
	require.NoError(t, e.tc.Message(ctx, e.message(u, 2)))
	a2 := e.answer(u.AnswerID)
	assert.Equal(t, "published", a2.Status)
	assert.Equal(t, a1.PublishedAt, a2.PublishedAt, "published once")
	assert.Equal(t, *a1.VideoID, *a2.VideoID)
	vs = e.videos(u.AnswerID)
	require.Len(t, vs, 1)
	assert.Equal(t, "ready", vs[0].Status)
	assert.Equal(t, 2, vs[0].Attempt)
	assert.True(t, strings.HasPrefix(vs[0].MasterKey, objects.MediaPrefix(u.AnswerID, vs[0].ID, 2)), vs[0].MasterKey)

	// A run that crashed right after its claim (nothing written): once its lease
	// has run out, the redelivery takes over.
	u3, msg3 := e.upload("f1000000-0000-4000-8000-000000000003", webm(t), "video/webm")
	c, err := e.store.ClaimUpload(ctx, u3, 50*time.Millisecond)
	require.NoError(t, err)
	require.Equal(t, store.ClaimWork, c.Outcome)
	assert.ErrorIs(t, e.tc.Message(ctx, msg3), errBusy, "lease still held")
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, e.tc.Message(ctx, e.message(u3, 2)))
	assert.Equal(t, "published", e.answer(u3.AnswerID).Status)
	vs = e.videos(u3.AnswerID)
	require.Len(t, vs, 1)
	assert.Equal(t, 2, vs[0].Attempt)
}

// Inputs that can never become an answer end failed with a reason the candidate
// can read, without a retry; the candidate may then upload again. Transient
// failures are retried, and on the last receive fail the answer too.
func TestFailures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	q := "f1000000-0000-4000-8000-000000000004"
	corrupt := filepath.Join(t.TempDir(), "corrupt.webm")
	require.NoError(t, os.WriteFile(corrupt, []byte(strings.Repeat("not a video ", 5000)), 0o644))
	audio := clip(t, "audio.webm", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=6", "-c:a", "libopus")
	cases := []struct {
		name, file, ct, code, says string
		setup                      func()
	}{
		{"corrupt", corrupt, "video/webm", "unreadable", "could not read", nil},
		{"audio only", audio, "video/webm", "no_video_stream", "no picture", nil},
		{"wrong content type", webm(t), "application/octet-stream", "wrong_content_type", "not a video", nil},
		{"over the city's limit", webm(t), "video/webm", "too_long", "at most 3 seconds", func() {
			_, err := e.db.Exec(ctx, `UPDATE cities SET answer_min_seconds = 1, answer_max_seconds = 3 WHERE id = $1`, demo.CityID)
			require.NoError(t, err)
		}},
	}
	for _, c := range cases {
		if c.setup != nil {
			c.setup()
		}
		u, msg := e.upload(q, c.file, c.ct)
		resp, err := e.tc.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{msg}})
		require.NoError(t, err)
		assert.Empty(t, resp.BatchItemFailures, "%s: acknowledged, not retried", c.name)
		a := e.answer(u.AnswerID)
		assert.Equal(t, "failed", a.Status, c.name)
		assert.Equal(t, c.code, a.FailureCode, c.name)
		assert.Contains(t, a.FailureReason, c.says, c.name)
		p, err := e.store.AnswerProgress(ctx, demo.CityID, demo.CandidateID, q)
		require.NoError(t, err)
		assert.True(t, p.CanUpload, c.name)
		assert.Equal(t, a.FailureReason, p.Failure)
		// The candidate's page reads the city's bounds there (the recorder's limit).
		var lo, hi int
		require.NoError(t, e.db.QueryRow(ctx, `SELECT answer_min_seconds, answer_max_seconds FROM cities WHERE id = $1`, demo.CityID).Scan(&lo, &hi))
		assert.Equal(t, [2]int{lo, hi}, [2]int{p.MinSeconds, p.MaxSeconds}, c.name)
		// The candidate's queue lists the same state.
		states, err := e.store.CandidateAnswerStates(ctx, demo.CityID, demo.CandidateID)
		require.NoError(t, err)
		require.NotEmpty(t, states, c.name)
		assert.Equal(t, [4]string{q, u.AnswerID, "failed", a.FailureReason},
			[4]string{states[0].QuestionID, states[0].AnswerID, states[0].Status, states[0].Failure}, c.name)
	}
	_, err := e.db.Exec(ctx, `UPDATE cities SET answer_min_seconds = 5, answer_max_seconds = 180 WHERE id = $1`, demo.CityID)
	require.NoError(t, err)
	p, err := e.store.AnswerProgress(ctx, demo.CityID, demo.CandidateID, q)
	require.NoError(t, err)
	assert.Equal(t, [2]int{5, 180}, [2]int{p.MinSeconds, p.MaxSeconds})

	// S3 unreachable: retried; on the last receive the answer fails with a reason
	// (the message goes on to the DLQ).
	// Each failed receive is brought back after RetryDelay, not the queue's 90
	// minutes; a requeue that fails leaves the retry to the visibility timeout.
	u, msg := e.upload(q, webm(t), "video/webm")
	e.tc.Objects = &hookObjects{Objects: e.s3, failGet: errors.New("connection refused")}
	rq := &recordingRequeue{}
	e.tc.Requeue = rq
	resp, err := e.tc.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{msg}})
	require.NoError(t, err)
	require.Len(t, resp.BatchItemFailures, 1)
	assert.Equal(t, "processing", e.answer(u.AnswerID).Status)
	rq.err = errors.New("throttled")
	resp, err = e.tc.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{e.message(u, 2)}})
	require.NoError(t, err)
	require.Len(t, resp.BatchItemFailures, 1, "retried all the same")
	rq.err = nil
	resp, err = e.tc.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{e.message(u, MaxReceives)}})
	require.NoError(t, err)
	require.Len(t, resp.BatchItemFailures, 1, "still reported: the DLQ gets it")
	assert.Equal(t, []time.Duration{30 * time.Second, 2 * time.Minute, 8 * time.Minute}, rq.delays)
	e.tc.Requeue = nil
	a := e.answer(u.AnswerID)
	assert.Equal(t, "failed", a.Status)
	assert.Equal(t, "processing_failed", a.FailureCode)

	// The candidate uploads again; an older upload delivered late is stale.
	e.tc.Objects = e.s3
	old := u
	u, msg = e.upload(q, webm(t), "video/webm")
	require.NoError(t, e.tc.Message(ctx, e.message(old, 1)))
	require.NoError(t, e.tc.Message(ctx, msg))
	assert.Equal(t, "published", e.answer(u.AnswerID).Status)
	_, err = e.store.PrepareAnswerUpload(ctx, store.AnswerUploadRequest{CityID: demo.CityID, CandidateID: demo.CandidateID,
		ContestID: demo.RaceContestID, QuestionID: q, Key: func(string) string { return "x" }})
	assert.ErrorIs(t, err, store.ErrAnswerPublished, "no re-record")
}

// PostgreSQL unreachable: the message is reported failed (retried), nothing panics.
func TestPostgresDown(t *testing.T) {
	ctx := context.Background()
	pool, err := store.NewPool(ctx, "postgres://nobody@"+testenv.ClosedPort(t)+"/none", store.PoolOptions{MaxConns: 1, ConnectTimeout: time.Second})
	require.NoError(t, err)
	defer pool.Close()
	tc := &Transcoder{Store: store.New(pool, nil), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Settings: Settings{UploadsBucket: uploadsBucket, MaxReceives: MaxReceives}}
	u := store.Upload{Bucket: uploadsBucket, Key: objects.UploadKey(demo.CityID, "7d7c1c2e-5f6a-4b8e-9a41-0c2f3e4d5a6b", "video/mp4"), ETag: "abc", Size: 10}
	e := &env{}
	resp, err := tc.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{e.message(u, 1)}})
	require.NoError(t, err)
	assert.Len(t, resp.BatchItemFailures, 1)
	resp, err = tc.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{e.message(u, MaxReceives)}})
	require.NoError(t, err)
	assert.Len(t, resp.BatchItemFailures, 1, "nothing recorded: the DLQ keeps it")
}

// recordingRequeue records the delays the transcoder asks for.
type recordingRequeue struct {
	delays []time.Duration
	err    error
}

func (r *recordingRequeue) After(_ context.Context, _ events.SQSMessage, d time.Duration) error {
	r.delays = append(r.delays, d)
	return r.err
}

func TestRetryDelay(t *testing.T) {
	for receive, want := range map[int]time.Duration{0: 30 * time.Second, 1: 30 * time.Second, 2: 2 * time.Minute,
		3: 8 * time.Minute, 4: 15 * time.Minute, 50: 15 * time.Minute} {
		assert.Equal(t, want, RetryDelay(receive), "receive %d", receive)
	}
}

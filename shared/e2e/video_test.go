package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/localaws"
	"github.com/civicq/civicq/shared/localdev"
	"github.com/civicq/civicq/shared/objects"
	"github.com/civicq/civicq/shared/requeue"
	"github.com/civicq/civicq/shared/testenv"
)

// videoStack is the local stack with the video path: the gateway's routes
// presign uploads to the in-process S3, whose notifications go through the
// Redis-stream queue to the transcode function's Lambda handler; media are
// served like CloudFront's /media/*.
type videoStack struct {
	*stack
	video *localdev.Video
	media string // base URL of the media server
	token string // the demo candidate of record
}

const e2eMaxUpload = 2 << 20

func newVideoStack(t *testing.T) *videoStack {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run scripts/tools.sh ensure-ffmpeg", tool)
		}
	}
	creds := objects.Credentials{AccessKeyID: "AKIDE2E", SecretAccessKey: "e2e-secret"}
	t.Setenv("AWS_ACCESS_KEY_ID", creds.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	vs := &videoStack{}
	media := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vs.video.S3.MediaHandler("e2e-media").ServeHTTP(w, r)
	}))
	t.Cleanup(media.Close)
	vs.media = media.URL
	s3Addr := testenv.ClosedPort(t)
	vs.stack = newStackWith(t, func(c *config.Config) {
		c.UploadsBucket, c.MediaBucket = "e2e-uploads", "e2e-media"
		c.S3Endpoint, c.MediaBaseURL, c.AWSRegion = "http://"+s3Addr, media.URL, "us-east-1"
		c.UploadMaxBytes, c.UploadURLTTL = e2eMaxUpload, 10*time.Minute
		c.TranscodePreset = "ultrafast"
	})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.Default()
	}
	v, err := localdev.StartVideo(context.Background(), localdev.VideoOptions{S3Listen: s3Addr, Config: vs.cfg,
		Credentials: creds, QueuePrefix: vs.prefix, Visibility: 5 * time.Second, FunctionTimeout: time.Minute, Log: log})
	require.NoError(t, err)
	t.Cleanup(v.Close)
	vs.video = v
	vs.token = vs.issuer.IDToken(t, "demo-candidate", map[string]any{"email": "dana@whitfieldformayor.example"})
	return vs
}

func (vs *videoStack) answerPath(question string) string {
	return "/api/cities/riverton/candidates/" + demo.CandidateID + "/answers/" + question
}

// requestUpload asks the upload route for a presigned POST.
func (vs *videoStack) requestUpload(t *testing.T, question, contentType string) domain.AnswerUpload {
	t.Helper()
	status, body := vs.do(t, "POST", vs.answerPath(question)+"/upload", vs.token, `{"contentType": "`+contentType+`"}`)
	require.Equal(t, http.StatusOK, status, string(body))
	var up domain.AnswerUpload
	require.NoError(t, json.Unmarshal(body, &up))
	return up
}

// postFile sends the browser's POST: the fields, then the file.
func postFile(t *testing.T, up domain.AnswerUpload, fields map[string]string, file []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	fw, err := mw.CreateFormFile("file", "answer")
	require.NoError(t, err)
	_, _ = fw.Write(file)
	require.NoError(t, mw.Close())
	resp, err := http.Post(up.URL, mw.FormDataContentType(), &body)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// progress polls the candidate's progress route until the answer leaves the
// upload/processing states (or the deadline passes).
func (vs *videoStack) waitSettled(t *testing.T, question string) domain.AnswerProgress {
	t.Helper()
	var p domain.AnswerProgress
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		status, body := vs.do(t, "GET", vs.answerPath(question), vs.token, "")
		require.Equal(t, http.StatusOK, status, string(body))
		require.NoError(t, json.Unmarshal(body, &p))
		if p.Status == domain.AnswerFailed || (p.Status == domain.AnswerPublished && p.Percent == 100) {
			return p
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("answer to %s still %q at %d%% after 90 s", question, p.Status, p.Percent)
	return p
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

func probeDuration(t *testing.T, input string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", input).Output()
	require.NoError(t, err, "ffprobe %s", input)
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	require.NoError(t, err, "%q", out)
	return d
}

// A candidate's answer from the browser's upload to playback, through every
// part the cloud has: the upload route, a presigned POST to S3, the S3
// notification on the queue, the transcode function, the media bucket, and the
// public pages, with a redelivery on top.
func TestVideoAnswerEndToEnd(t *testing.T) {
	began := time.Now()
	vs := newVideoStack(t)
	ctx := context.Background()
	q := "f1000000-0000-4000-8000-000000000001"

	// A 6 s WebM as a browser records it (VP8 + Opus), 320x240.
	src := filepath.Join(t.TempDir(), "answer.webm")
	out, err := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=6",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=6",
		"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-c:a", "libopus", "-shortest", src).CombinedOutput()
	require.NoError(t, err, "%s", out)
	file, err := os.ReadFile(src)
	require.NoError(t, err)
	srcSum := sha256.Sum256(file)
	srcDuration := probeDuration(t, src)

	// The candidate's page is cached before the answer exists.
	status, body := vs.do(t, "GET", "/api/cities/riverton/candidates/"+demo.CandidateID, "", "")
	require.Equal(t, http.StatusOK, status, string(body))
	require.Contains(t, string(body), `"answers":[]`)

	up := vs.requestUpload(t, q, "video/webm;codecs=vp8,opus")
	assert.Equal(t, "video/webm", up.ContentType)
	assert.True(t, strings.HasPrefix(up.URL, vs.video.URL), up.URL)
	status, resp := postFile(t, up, up.Fields, file)
	require.Equal(t, http.StatusNoContent, status, resp)
	uploaded := time.Now()

	p := vs.waitSettled(t, q)
	require.Equal(t, domain.AnswerPublished, p.Status, "failure: %s", p.Failure)
	require.NotNil(t, p.Playback)
	t.Logf("e2e: upload to published and ready in %s", time.Since(uploaded).Round(time.Millisecond))
	assert.Equal(t, hex.EncodeToString(srcSum[:]), p.Playback.ProvenanceSHA256)
	assert.InDelta(t, srcDuration, p.Playback.DurationSeconds, 0.5)
	assert.True(t, strings.HasPrefix(p.Playback.MasterURL, vs.media+"/media/answers/"+p.AnswerID+"/"), p.Playback.MasterURL)

	// The master playlist plays: ffprobe reads it over HTTP, its duration is the
	// source's; every rendition it lists is complete.
	assert.InDelta(t, srcDuration, probeDuration(t, p.Playback.MasterURL), 0.5)
	status, h, master := get(t, p.Playback.MasterURL)
	require.Equal(t, 200, status)
	assert.Equal(t, objects.TypePlaylist, h.Get("Content-Type"))
	assert.Equal(t, objects.CacheMaster, h.Get("Cache-Control"))
	base := p.Playback.MasterURL[:strings.LastIndex(p.Playback.MasterURL, "/")+1]
	var renditions []string
	for _, line := range strings.Split(master, "\n") {
		switch {
		case strings.HasPrefix(line, "#EXT-X-MEDIA:"):
			if i := strings.Index(line, `URI="`); i >= 0 {
				renditions = append(renditions, strings.SplitN(line[i+5:], `"`, 2)[0])
			}
		case line != "" && !strings.HasPrefix(line, "#"):
			renditions = append(renditions, line)
		}
	}
	require.Contains(t, master, "#EXT-X-STREAM-INF:BANDWIDTH=")
	require.Contains(t, master, "RESOLUTION=")
	require.Contains(t, master, `CODECS="avc1.`)
	require.GreaterOrEqual(t, len(renditions), 2, master) // 360p and the audio rendition
	for _, r := range renditions {
		status, h, pl := get(t, base+r)
		require.Equal(t, 200, status, r)
		assert.Equal(t, objects.TypePlaylist, h.Get("Content-Type"), r)
		assert.True(t, strings.HasSuffix(strings.TrimSpace(pl), "#EXT-X-ENDLIST"), "%s does not end with #EXT-X-ENDLIST", r)
		var sum float64
		var firstSeg string
		for _, line := range strings.Split(pl, "\n") {
			if v, ok := strings.CutPrefix(line, "#EXTINF:"); ok {
				f, _ := strconv.ParseFloat(strings.TrimSuffix(v, ","), 64)
				sum += f
			} else if firstSeg == "" && line != "" && !strings.HasPrefix(line, "#") {
				firstSeg = line
			}
		}
		assert.InDelta(t, srcDuration, sum, 0.5, r)
		status, h, _ = get(t, base+r[:strings.LastIndex(r, "/")+1]+firstSeg)
		require.Equal(t, 200, status)
		assert.Equal(t, objects.TypeTS, h.Get("Content-Type"))
		assert.Equal(t, objects.CacheImmutable, h.Get("Cache-Control"))
	}
	status, h, _ = get(t, p.Playback.PosterURL)
	require.Equal(t, 200, status)
	assert.Equal(t, objects.TypeJPEG, h.Get("Content-Type"))

	// The public pages show it: the question page, and the candidate's (whose
	// cached copy the transcoder invalidated).
	status, body = vs.do(t, "GET", "/api/cities/riverton/questions/"+q, "", "")
	require.Equal(t, http.StatusOK, status, string(body))
	var page domain.QuestionPage
	require.NoError(t, json.Unmarshal(body, &page))
	assert.Equal(t, 1, page.Answered)
	var shown *domain.PublishedAnswer
	for _, c := range page.Candidates {
		if c.CandidateID == demo.CandidateID {
			shown = c.Answer
		}
	}
	require.NotNil(t, shown)
	assert.Equal(t, p.Playback.MasterURL, shown.MasterURL)
	assert.Equal(t, p.Playback.ProvenanceSHA256, shown.ProvenanceSHA256)
	status, body = vs.do(t, "GET", "/api/cities/riverton/candidates/"+demo.CandidateID, "", "")
	require.Equal(t, http.StatusOK, status)
	var profile domain.CandidateProfile
	require.NoError(t, json.Unmarshal(body, &profile))
	require.Len(t, profile.Answers, 1)
	assert.Equal(t, p.Playback.MasterURL, profile.Answers[0].MasterURL)
	assert.InDelta(t, srcDuration, profile.Answers[0].DurationSeconds, 0.5)

	// No re-record once published.
	status, body = vs.do(t, "POST", vs.answerPath(q)+"/upload", vs.token, `{"contentType": "video/webm"}`)
	assert.Equal(t, http.StatusConflict, status, string(body))
	assert.Contains(t, string(body), "answer_published")

	// The same notification delivered again publishes nothing twice.
	var key, etag string
	var size int64
	var publishedAt time.Time
	require.NoError(t, vs.db.QueryRow(ctx, `SELECT v.source_key, v.source_etag, v.size_bytes, a.published_at
		FROM answers a JOIN videos v ON v.id = a.video_id WHERE a.id = $1`, p.AnswerID).Scan(&key, &etag, &size, &publishedAt))
	_, err = vs.video.Queue.Send(ctx, localaws.Notification("us-east-1", "ObjectCreated:Post", "e2e-uploads", key, etag, size, time.Now(), 99))
	require.NoError(t, err)
	require.Eventually(t, func() bool { n, err := vs.video.Queue.Len(ctx); return err == nil && n == 0 }, 30*time.Second, 50*time.Millisecond)
	var videos int
	var again time.Time
	require.NoError(t, vs.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM videos WHERE answer_id = $1),
		(SELECT published_at FROM answers WHERE id = $1)`, p.AnswerID).Scan(&videos, &again))
	assert.Equal(t, 1, videos)
	assert.Equal(t, publishedAt, again)
	dead, err := vs.video.Queue.DeadLetters(ctx)
	require.NoError(t, err)
	assert.Empty(t, dead)
	t.Logf("e2e: whole test %s", time.Since(began).Round(time.Millisecond))
}

// What S3 itself refuses (a type other than the one granted, a file over the
// limit), and what the transcoder refuses with a reason the candidate reads on
// their progress page, after which they may upload again.
func TestVideoAnswerRefusals(t *testing.T) {
	vs := newVideoStack(t)
	q := "f1000000-0000-4000-8000-000000000002"

	// Over the size limit: refused by the route when the size is given, and by
	// S3 (the policy's content-length-range) when it is not.
	status, body := vs.do(t, "POST", vs.answerPath(q)+"/upload", vs.token, `{"contentType": "video/mp4", "size": 3145728}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, status, string(body))
	up := vs.requestUpload(t, q, "video/mp4")
	assert.Equal(t, int64(e2eMaxUpload), up.MaxBytes)
	status, resp := postFile(t, up, up.Fields, bytes.Repeat([]byte{0}, e2eMaxUpload+1))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, resp, "<Code>EntityTooLarge</Code>")
	// Another content type than the one granted: refused by S3's policy check.
	fields := map[string]string{}
	for k, v := range up.Fields {
		fields[k] = v
	}
	fields["Content-Type"] = "text/plain"
	status, resp = postFile(t, up, fields, []byte("hello"))
	assert.Equal(t, http.StatusForbidden, status)
	assert.Contains(t, resp, "<Code>AccessDenied</Code>")
	// And the route grants video types only.
	status, body = vs.do(t, "POST", vs.answerPath(q)+"/upload", vs.token, `{"contentType": "text/plain"}`)
	assert.Equal(t, http.StatusBadRequest, status, string(body))

	// A file that is no video, and an audio-only one: failed with a reason.
	audio := filepath.Join(t.TempDir(), "audio.webm")
	out, err := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
		"-i", "sine=frequency=440:sample_rate=48000:duration=6", "-c:a", "libopus", audio).CombinedOutput()
	require.NoError(t, err, "%s", out)
	audioBytes, err := os.ReadFile(audio)
	require.NoError(t, err)
	for _, c := range []struct {
		name, code, says string
		file             []byte
	}{
		{"corrupt", "unreadable", "could not read", bytes.Repeat([]byte("not a video "), 4000)},
		{"audio only", "no_video_stream", "no picture", audioBytes},
	} {
		up := vs.requestUpload(t, q, "video/webm")
		status, resp := postFile(t, up, up.Fields, c.file)
		require.Equal(t, http.StatusNoContent, status, resp)
		p := vs.waitSettled(t, q)
		assert.Equal(t, domain.AnswerFailed, p.Status, c.name)
		assert.Equal(t, c.code, p.FailureCode, c.name)
		assert.Contains(t, p.Failure, c.says, c.name)
		assert.True(t, p.CanUpload, c.name)
	}
	// Nothing about a failed answer is public.
	status, body = vs.do(t, "GET", "/api/cities/riverton/questions/"+q, "", "")
	require.Equal(t, http.StatusOK, status)
	assert.NotContains(t, string(body), "failed")
	assert.Contains(t, string(body), `"answered":0`)
	// Nor may anyone but the candidate of record follow it.
	other := vs.issuer.IDToken(t, "someone-else", nil)
	status, _ = vs.do(t, "GET", vs.answerPath(q), other, "")
	assert.Equal(t, http.StatusForbidden, status)
}

// The answer routes admit the candidate of record only (routes.CandidateOfRecord):
// not anonymous callers, not other accounts, not a claim still pending, and
// only for approved questions of the candidate's own contest.
func TestAnswerRoutesAdmitOnlyTheCandidateOfRecord(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDE2E")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "e2e-secret")
	s := newStackWith(t, func(c *config.Config) {
		c.UploadsBucket, c.AWSRegion, c.UploadMaxBytes, c.UploadURLTTL = "e2e-uploads", "us-east-1", 500<<20, time.Minute
	})
	ctx := context.Background()
	q := "f1000000-0000-4000-8000-000000000001"
	path := "/api/cities/riverton/candidates/" + demo.CandidateID + "/answers/" + q
	candidate := s.issuer.IDToken(t, "demo-candidate", map[string]any{"email": "dana@whitfieldformayor.example"})
	body := `{"contentType": "video/mp4"}`
	cases := []struct {
		name, token string
		want        int
	}{
		{"anonymous", "", http.StatusUnauthorized},
		{"a resident", s.issuer.IDToken(t, demo.ResidentUserSubject, nil), http.StatusForbidden},
		{"a moderator of the city", s.issuer.IDToken(t, demo.ModeratorUserSubject, nil), http.StatusForbidden},
		{"the candidate of record", candidate, http.StatusOK},
	}
	for _, c := range cases {
		status, b := s.do(t, "POST", path+"/upload", c.token, body)
		assert.Equal(t, c.want, status, "%s: %s", c.name, b)
		status, b = s.do(t, "GET", path, c.token, "")
		assert.Equal(t, c.want, status, "progress, %s: %s", c.name, b)
	}
	// The upload grant is bound to one fresh key of this answer, the declared type
	// and the size limit.
	status, b := s.do(t, "POST", path+"/upload", candidate, body)
	require.Equal(t, http.StatusOK, status, string(b))
	var up domain.AnswerUpload
	require.NoError(t, json.Unmarshal(b, &up))
	assert.Equal(t, "https://e2e-uploads.s3.us-east-1.amazonaws.com/", up.URL)
	assert.Equal(t, up.Key, up.Fields["key"])
	assert.True(t, strings.HasPrefix(up.Key, "uploads/"+demo.CityID+"/"+up.AnswerID+"/") && strings.HasSuffix(up.Key, ".mp4"), up.Key)
	assert.Equal(t, "video/mp4", up.Fields["Content-Type"])
	assert.Equal(t, path, up.ProgressPath)
	status, b = s.do(t, "GET", path, candidate, "")
	require.Equal(t, http.StatusOK, status)
	var p domain.AnswerProgress
	require.NoError(t, json.Unmarshal(b, &p))
	assert.Equal(t, domain.AnswerUploading, p.Status)
	assert.Equal(t, up.AnswerID, p.AnswerID)

	// A claim not yet approved is not of record.
	s.exec(t, `UPDATE candidates SET verification = 'pending', verified_at = NULL WHERE id = $1`, demo.CandidateID)
	status, _ = s.do(t, "POST", path+"/upload", candidate, body)
	assert.Equal(t, http.StatusForbidden, status)
	s.exec(t, `UPDATE candidates SET verification = 'verified', verified_at = now() WHERE id = $1`, demo.CandidateID)
	// Questions: of another contest (403), not approved (409), unknown (404).
	var other string
	require.NoError(t, s.db.QueryRow(ctx, `INSERT INTO questions (city_id, contest_id, author_id, text, normalized_text, status)
		VALUES ($1, 'c2000000-0000-4000-8000-000000000002', $2, 'How will you fix the Old Mill bridge?', 'how will you fix the old mill bridge', 'approved')
		RETURNING id`, demo.CityID, demo.ResidentUserID).Scan(&other))
	status, b = s.do(t, "POST", "/api/cities/riverton/candidates/"+demo.CandidateID+"/answers/"+other+"/upload", candidate, body)
	assert.Equal(t, http.StatusForbidden, status, string(b))
	s.exec(t, `UPDATE questions SET status = 'pending' WHERE id = 'f1000000-0000-4000-8000-000000000002'`)
	status, b = s.do(t, "POST", "/api/cities/riverton/candidates/"+demo.CandidateID+"/answers/f1000000-0000-4000-8000-000000000002/upload", candidate, body)
	assert.Equal(t, http.StatusConflict, status, string(b))
	// Another city's candidate id under this city: not this caller's record there
	// (the permission check answers before anything says whether it exists).
	status, _ = s.do(t, "POST", "/api/cities/lakeview/candidates/"+demo.CandidateID+"/answers/"+q+"/upload", candidate, body)
	assert.Equal(t, http.StatusForbidden, status)
	var answers int
	require.NoError(t, s.db.QueryRow(ctx, `SELECT count(*) FROM answers`).Scan(&answers))
	assert.Equal(t, 1, answers, "refused requests change nothing")
}

// PostgreSQL down: the upload route answers 503 with Retry-After, fast.
func TestAnswerUploadPostgresDown(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDE2E")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "e2e-secret")
	s := newStackWith(t, func(c *config.Config) {
		c.DatabaseURL = "postgres://nobody@" + testenv.ClosedPort(t) + "/none?sslmode=disable"
		c.DatabaseReadURL = c.DatabaseURL
		c.UploadsBucket, c.UploadMaxBytes, c.UploadURLTTL = "e2e-uploads", 500<<20, time.Minute
	})
	candidate := s.issuer.IDToken(t, "demo-candidate", map[string]any{"email": "dana@whitfieldformayor.example"})
	began := time.Now()
	status, b := s.do(t, "POST", "/api/cities/riverton/candidates/"+demo.CandidateID+"/answers/f1000000-0000-4000-8000-000000000001/upload",
		candidate, `{"contentType": "video/webm"}`)
	assert.Equal(t, http.StatusServiceUnavailable, status, string(b))
	assert.Less(t, time.Since(began), 3*time.Second)
}

// The local AWS endpoint serves SQS's ChangeMessageVisibility beside S3, which the
// transcoder calls after a failure (shared/requeue); a stale handle is refused as
// SQS refuses it. (The delay itself: localaws TestChangeVisibilityThroughTheSDK.)
func TestLocalEndpointServesSQS(t *testing.T) {
	vs := newVideoStack(t)
	ctx := context.Background()
	rq := requeue.New(requeue.Options{Region: "us-east-1", Endpoint: vs.video.URL,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDE2E", SecretAccessKey: "e2e-secret"}, nil
		})})
	msg := vs.video.Queue.SQS(&localaws.Message{ID: "0-1", ReceiveCount: 1, SentAt: time.Now()}, time.Now())
	err := rq.After(ctx, msg, 30*time.Second)
	var api smithy.APIError
	require.ErrorAs(t, err, &api)
	require.Equal(t, "ReceiptHandleIsInvalid", api.ErrorCode())
}

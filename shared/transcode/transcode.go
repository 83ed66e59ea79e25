// Package transcode is the SQS-triggered transcoder of video answers: for each S3
// ObjectCreated notification of an upload it claims the upload in PostgreSQL,
// downloads and validates the original, records its SHA-256, transcodes it into
// an HLS ladder (shared/media), uploads the renditions to the media bucket,
// publishes the answer as soon as the lowest rendition is there and marks the
// video ready when every rendition is, invalidating the city's cached pages each
// time.
//
// Delivery is at least once, so everything is idempotent on (bucket, key, ETag):
//   - a redelivery of a finished upload (ready or failed) does nothing;
//   - a delivery while another run holds the upload's lease is retried later
//     (the other run's own message covers the work if it dies);
//   - a delivery after the lease ran out (the run died: timeout, crash) takes
//     the work over as a new attempt, writing under a new media prefix, so
//     nothing already served is overwritten and a slow zombie run cannot write
//     anything either (every database write names its attempt);
//   - the answer is published by one conditional UPDATE, so it is published once.
//
// Inputs that cannot become an answer (unreadable, no video stream, too long,
// too short, too small, not a video content type, too large, replaced by a newer
// upload) end the video and the answer as failed with a sentence the candidate
// can read, and the message is acknowledged: a retry could not help. Anything
// else (S3, PostgreSQL, ffmpeg crashing) is retried by SQS; on the last allowed
// receive the answer is failed with a reason too, so the candidate is not left
// waiting, and the message goes on to the dead-letter queue.
package transcode

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/sync/errgroup"

	"github.com/civicq/civicq/shared/bucket"
	"github.com/civicq/civicq/shared/cache"
	"github.com/civicq/civicq/shared/media"
	"github.com/civicq/civicq/shared/objects"
	"github.com/civicq/civicq/shared/store"
)

// Objects is the S3 access the transcoder needs (bucket.Client).
type Objects interface {
	Get(ctx context.Context, bucketName, key, etag string, w io.Writer) (bucket.Object, error)
	PutFile(ctx context.Context, bucketName, key, path, contentType, cacheControl string) error
	PutBytes(ctx context.Context, bucketName, key string, b []byte, contentType, cacheControl string) error
}

// Settings tune the transcoder.
type Settings struct {
	UploadsBucket string
	MediaBucket   string
	MaxBytes      int64  // larger originals are refused (the presigned POST already limits them)
	Preset        string // x264 preset; "" is media's default
	WorkDir       string // scratch space ("" for os.TempDir(): /tmp in Lambda)
	// MaxReceives is the queue's maxReceiveCount: on that receive a transient
	// failure also fails the answer (the message then goes to the DLQ).
	MaxReceives int
	// ProgressEvery throttles progress writes to the database.
	ProgressEvery time.Duration
	// Margin is kept from the invocation's deadline to record the outcome of
	// a run that ffmpeg did not finish in time.
	Margin time.Duration
}

// Transcoder handles SQS events of S3 notifications.
type Transcoder struct {
	Store    *store.Store
	Cache    *cache.Cache // nil: no Redis
	Objects  Objects
	Log      *slog.Logger
	Settings Settings
	// Requeue brings a failed message back after RetryDelay instead of the
	// queue's visibility timeout (nil: the timeout decides; *requeue.Client).
	Requeue Requeuer
}

// Requeuer makes a received message visible again after a delay.
type Requeuer interface {
	After(ctx context.Context, msg events.SQSMessage, d time.Duration) error
}

// RetryDelay is how long a message waits after its receive-th receive failed:
// 30 s, 2 min, 8 min..., at most 15 min. A passing fault (a database failover, a
// throttled S3 call) is usually over within the first; the queue's visibility
// timeout, six times the function's (90 min), is only the fallback.
func RetryDelay(receive int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < receive && d < 15*time.Minute; i++ {
		d *= 4
	}
	return min(d, 15*time.Minute)
}

// Handle is the Lambda handler: one S3 notification per SQS message (the event
// source sends batches of one; more are handled too), failures reported per
// message so only those are retried.
func (t *Transcoder) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, msg := range ev.Records {
		if err := t.Message(ctx, msg); err != nil {
			receive, _ := strconv.Atoi(msg.Attributes["ApproximateReceiveCount"])
			delay := RetryDelay(receive)
			t.Log.ErrorContext(ctx, "message will be retried", "message", msg.MessageId, "receive", receive,
				"retry_in", delay.String(), "error", err.Error())
			if t.Requeue != nil {
				if rerr := t.Requeue.After(ctx, msg, delay); rerr != nil {
					// Still retried, after the visibility timeout instead.
					t.Log.WarnContext(ctx, "could not shorten the retry", "message", msg.MessageId, "error", rerr.Error())
				}
			}
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp, nil
}

// s3Message is an S3 notification: either records, or the test event S3 sends
// when a notification is configured.
type s3Message struct {
	Event   string                 `json:"Event"`
	Records []events.S3EventRecord `json:"Records"`
}

// Message processes one SQS message. It returns an error only when the message
// should be retried.
func (t *Transcoder) Message(ctx context.Context, msg events.SQSMessage) error {
	var m s3Message
	if err := json.Unmarshal([]byte(msg.Body), &m); err != nil {
		// Not an S3 notification (or a key that does not URL-decode): retrying
		// cannot help.
		t.Log.ErrorContext(ctx, "not an S3 notification: dropped", "message", msg.MessageId, "error", err.Error())
		return nil
	}
	if m.Event == "s3:TestEvent" {
		t.Log.InfoContext(ctx, "S3 test event", "message", msg.MessageId)
		return nil
	}
	receives, _ := strconv.Atoi(msg.Attributes["ApproximateReceiveCount"])
	last := receives >= max(t.Settings.MaxReceives, 1)
	var errs []error
	for _, rec := range m.Records {
		if !strings.HasPrefix(rec.EventName, "ObjectCreated:") {
			continue
		}
		if t.Settings.UploadsBucket != "" && rec.S3.Bucket.Name != t.Settings.UploadsBucket {
			t.Log.WarnContext(ctx, "notification of another bucket: ignored", "bucket", rec.S3.Bucket.Name)
			continue
		}
		u := store.Upload{Bucket: rec.S3.Bucket.Name, Key: rec.S3.Object.URLDecodedKey,
			ETag: strings.Trim(rec.S3.Object.ETag, `"`), Size: rec.S3.Object.Size}
		if err := t.Upload(ctx, u, last); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// errBusy: another run holds the upload's lease; retry the message later.
var errBusy = errors.New("transcode: another run is processing this upload")

// Upload processes one uploaded object; last says this is the message's last
// allowed receive. It returns an error only when the message should be retried.
func (t *Transcoder) Upload(ctx context.Context, u store.Upload, last bool) error {
	ref, err := objects.ParseUploadKey(u.Key)
	if err != nil || u.ETag == "" {
		t.Log.WarnContext(ctx, "not an answer upload: ignored", "bucket", u.Bucket, "key", u.Key)
		return nil
	}
	u.CityID, u.AnswerID = ref.CityID, ref.AnswerID
	log := t.Log.With("answer", u.AnswerID, "key", u.Key, "etag", u.ETag)

	claim, err := t.Store.ClaimUpload(ctx, u, t.lease(ctx))
	if err != nil {
		return err
	}
	switch claim.Outcome {
	case store.ClaimNoAnswer:
		log.WarnContext(ctx, "upload of no known answer: ignored")
		return nil
	case store.ClaimDone:
		log.InfoContext(ctx, "already processed: nothing to do (redelivery)", "video", claim.VideoID)
		return nil
	case store.ClaimStale:
		log.InfoContext(ctx, "a newer upload replaced this one: not processed", "video", claim.VideoID)
		return nil
	case store.ClaimBusy:
		if last {
			// The run holding the lease has its own message, which is retried
			// (and can take over) if that run dies.
			log.InfoContext(ctx, "another run holds this upload on its last receive: left to it", "video", claim.VideoID)
			return nil
		}
		return errBusy
	}
	log = log.With("video", claim.VideoID, "attempt", claim.Attempt)
	log.InfoContext(ctx, "processing")

	work, cancel := t.workContext(ctx)
	defer cancel()
	err = t.process(work, log, u, claim)
	var f *Failure
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrLostLease):
		log.WarnContext(ctx, "lost the lease to another attempt: stopped")
		return nil
	case errors.As(err, &f):
		log.InfoContext(ctx, "refused", "code", f.Code, "reason", f.Message, "detail", f.Detail)
		// A failure the database cannot record is retried: the candidate must
		// learn why.
		return t.Store.Failure(ctx, u, claim.VideoID, claim.Attempt, f.Code, f.Message)
	}
	log.ErrorContext(ctx, "processing failed", "error", err.Error(), "last_receive", last)
	if last {
		if ferr := t.Store.Failure(ctx, u, claim.VideoID, claim.Attempt, "processing_failed",
			"We could not process your video because of a problem on our side. Please upload it again."); ferr != nil {
			log.ErrorContext(ctx, "could not record the failure", "error", ferr.Error())
		}
		t.invalidate(ctx, log, claim.CitySlug)
	} else if rerr := t.Store.Release(ctx, claim.VideoID, claim.Attempt); rerr != nil {
		log.WarnContext(ctx, "could not release the lease (the next delivery waits for it to expire)", "error", rerr.Error())
	}
	return err
}

// lease is how long a claim holds: the rest of the invocation and a minute, so
// a run is presumed dead only after Lambda would have stopped it.
func (t *Transcoder) lease(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return time.Until(dl) + time.Minute
	}
	return 20 * time.Minute
}

// workContext ends Margin before the invocation's deadline, so that a run ffmpeg
// cannot finish in time is recorded (released, or failed) before Lambda stops it.
func (t *Transcoder) workContext(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	margin := t.Settings.Margin
	if !ok || margin <= 0 || time.Until(dl) <= 2*margin {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, dl.Add(-margin))
}

// Failure is an upload that cannot become an answer. Message is for the
// candidate; Detail for the logs.
type Failure struct {
	Code    string
	Message string
	Detail  string
}

func (f *Failure) Error() string { return "transcode: refused (" + f.Code + "): " + f.Message }

func (t *Transcoder) process(ctx context.Context, log *slog.Logger, u store.Upload, claim store.Claim) error {
	dir, err := os.MkdirTemp(t.Settings.WorkDir, "transcode-")
	if err != nil {
		return fmt.Errorf("transcode: scratch dir: %w", err)
	}
	defer os.RemoveAll(dir)

	// Download, hashing on the way: the provenance hash is of exactly the bytes
	// of this ETag.
	src := filepath.Join(dir, "source")
	f, err := os.Create(src)
	if err != nil {
		return fmt.Errorf("transcode: %w", err)
	}
	h := sha256.New()
	obj, err := t.Objects.Get(ctx, u.Bucket, u.Key, u.ETag, io.MultiWriter(f, h))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	switch {
	case errors.Is(err, bucket.ErrNotFound):
		return &Failure{Code: "upload_missing", Message: "We could not find your upload. Please upload your answer again.", Detail: err.Error()}
	case errors.Is(err, bucket.ErrChanged):
		return &Failure{Code: "superseded", Message: "A newer upload replaced this one.", Detail: err.Error()}
	case err != nil:
		return err
	}
	if _, ok := objects.NormalizeVideoType(obj.ContentType); !ok {
		return &Failure{Code: "wrong_content_type", Message: fmt.Sprintf(
			"This file was uploaded as %q, which is not a video we accept. Please upload a WebM, MP4 or QuickTime video.", obj.ContentType)}
	}
	if t.Settings.MaxBytes > 0 && obj.Size > t.Settings.MaxBytes {
		return &Failure{Code: "too_large", Message: fmt.Sprintf("Your video is %d MB; videos can be at most %d MB.",
			obj.Size>>20, t.Settings.MaxBytes>>20)}
	}
	sum := hex.EncodeToString(h.Sum(nil))

	probe, err := media.ProbeFile(ctx, src)
	if err == nil {
		err = media.Validate(probe, media.Limits{
			MinDuration: time.Duration(claim.MinSeconds) * time.Second, MaxDuration: time.Duration(claim.MaxSeconds) * time.Second,
			MinWidth: media.DefaultLimits.MinWidth, MinHeight: media.DefaultLimits.MinHeight,
		})
	}
	if r, ok := media.AsRejection(err); ok {
		return &Failure{Code: r.Code, Message: r.Message, Detail: r.Detail}
	}
	if err != nil {
		return err
	}
	if err := t.Store.RecordSource(ctx, claim.VideoID, claim.Attempt, store.VideoSource{
		ContentType: obj.ContentType, Size: obj.Size, SHA256: sum, Duration: probe.Duration, Width: probe.Width, Height: probe.Height,
	}); err != nil {
		return err
	}

	pub := &publisher{t: t, log: log, u: u, claim: claim, outDir: filepath.Join(dir, "out"),
		prefix: objects.MediaPrefix(u.AnswerID, claim.VideoID, claim.Attempt),
		want:   len(media.RungsFor(min(probe.Width, probe.Height))), uploaded: map[string]bool{}}
	prog := newProgress(t, claim, t.Settings.ProgressEvery)
	defer prog.stop()
	partials := make(chan partial, 4)
	pubDone := make(chan error, 1)
	// A publisher that fails (S3 down, or the answer is no longer this upload's)
	// stops ffmpeg too: its work could not be published.
	tctx, stopTranscode := context.WithCancel(ctx)
	defer stopTranscode()
	go func() {
		err := pub.run(ctx, partials)
		if err != nil {
			stopTranscode()
		}
		pubDone <- err
	}()

	res, err := media.TranscodeWith(tctx, src, pub.outDir, probe, media.Options{
		Preset: t.Settings.Preset,
		Progress: func(p media.Progress) {
			prog.report(p.Percent)
			if p.Partial == nil {
				return
			}
			// The master playlist on disk is rewritten by the next pass: keep the
			// bytes that match this partial result for the publisher.
			master, rerr := os.ReadFile(filepath.Join(pub.outDir, p.Partial.Master))
			partials <- partial{res: *p.Partial, master: master, percent: p.Percent, err: rerr}
		},
	})
	close(partials)
	if perr := <-pubDone; perr != nil {
		return perr
	}
	if err != nil {
		return fmt.Errorf("transcode: %w", err)
	}
	log.InfoContext(ctx, "ready", "rungs", len(res.Rungs), "wall", res.Stats.Wall.String(), "cpu", res.Stats.CPU.String(),
		"playable_after", res.Stats.PlayableAfter.String(), "max_rss_mb", res.Stats.MaxRSSBytes>>20, "bytes", res.Stats.OutputBytes)
	return nil
}

// partial is one set of renditions the ladder made ready.
type partial struct {
	res     media.Result
	master  []byte
	percent int
	err     error
}

// publisher uploads renditions while ffmpeg goes on with the next ones, and
// publishes: the segments, rendition playlists and poster of a partial result
// first, its master playlist last (so the master never lists a rendition that
// is not there yet), then the database.
type publisher struct {
	t        *Transcoder
	log      *slog.Logger
	u        store.Upload
	claim    store.Claim
	outDir   string
	prefix   string
	want     int // rungs of the full ladder
	uploaded map[string]bool
}

func (p *publisher) run(ctx context.Context, in <-chan partial) error {
	var first error
	for part := range in {
		if first != nil {
			continue // drain: the transcode goes on until the error reaches it
		}
		first = p.publish(ctx, part)
	}
	return first
}

func (p *publisher) publish(ctx context.Context, part partial) error {
	if part.err != nil {
		return fmt.Errorf("transcode: read master playlist: %w", part.err)
	}
	var files []string
	add := func(rr media.RungResult) {
		files = append(files, rr.Playlist)
		for _, s := range rr.Segments {
			files = append(files, path.Join(path.Dir(rr.Playlist), s.URI))
		}
	}
	for _, rr := range part.res.Rungs {
		add(rr)
	}
	if part.res.Audio != nil {
		add(*part.res.Audio)
	}
	files = append(files, part.res.Poster)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, rel := range files {
		if p.uploaded[rel] {
			continue
		}
		p.uploaded[rel] = true
		g.Go(func() error {
			return p.t.Objects.PutFile(gctx, p.t.Settings.MediaBucket, p.prefix+rel, filepath.Join(p.outDir, filepath.FromSlash(rel)),
				objects.MediaType(rel), objects.CacheImmutable)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	masterKey := p.prefix + part.res.Master
	if err := p.t.Objects.PutBytes(ctx, p.t.Settings.MediaBucket, masterKey, part.master, objects.TypePlaylist, objects.CacheMaster); err != nil {
		return err
	}
	final := len(part.res.Rungs) >= p.want
	percent := part.percent
	if final {
		percent = 100
	}
	out, err := p.t.Store.Publish(ctx, store.Publication{
		VideoID: p.claim.VideoID, Attempt: p.claim.Attempt, AnswerID: p.u.AnswerID, UploadKey: p.u.Key,
		MasterKey: masterKey, PosterKey: p.prefix + part.res.Poster, Variants: variants(part.res), Percent: percent, Final: final,
	})
	if err != nil {
		return err
	}
	if out.Stale {
		return &Failure{Code: "superseded", Message: "A newer upload replaced this one."}
	}
	if out.FirstPublish {
		p.log.InfoContext(ctx, "published", "rungs", len(part.res.Rungs), "master", masterKey)
	}
	// Pages that show the answer (question, candidate) are cached per city.
	p.t.invalidate(ctx, p.log, p.claim.CitySlug)
	return nil
}

func (t *Transcoder) invalidate(ctx context.Context, log *slog.Logger, city string) {
	if err := t.Cache.InvalidateCity(ctx, city); err != nil {
		log.WarnContext(ctx, "cache not invalidated (entries expire by TTL)", "city", city, "error", err.Error())
	}
}

// Variant is one rendition as the videos row records it.
type Variant struct {
	Name             string  `json:"name"`
	Playlist         string  `json:"playlist"`
	Width            int     `json:"width,omitempty"`
	Height           int     `json:"height,omitempty"`
	Bandwidth        int     `json:"bandwidth"`
	AverageBandwidth int     `json:"averageBandwidth"`
	Codecs           string  `json:"codecs"`
	DurationSeconds  float64 `json:"durationSeconds"`
}

func variants(r media.Result) []Variant {
	out := make([]Variant, 0, len(r.Rungs)+1)
	for _, rr := range r.Rungs {
		out = append(out, Variant{Name: rr.Name, Playlist: rr.Playlist, Width: rr.Width, Height: rr.Height,
			Bandwidth: rr.BandwidthBps, AverageBandwidth: rr.AverageBps, Codecs: rr.Codecs, DurationSeconds: rr.Duration.Seconds()})
	}
	if r.Audio != nil {
		a := r.Audio
		out = append(out, Variant{Name: a.Name, Playlist: a.Playlist, Bandwidth: a.BandwidthBps, AverageBandwidth: a.AverageBps,
			Codecs: a.Codecs, DurationSeconds: a.Duration.Seconds()})
	}
	return out
}

// progress writes the transcoding percentage to the database at most every
// interval, from a goroutine of its own: a slow database never stalls ffmpeg's
// progress pipe.
type progress struct {
	latest chan int
	done   chan struct{}
	once   sync.Once
}

func newProgress(t *Transcoder, claim store.Claim, every time.Duration) *progress {
	if every <= 0 {
		every = 2 * time.Second
	}
	p := &progress{latest: make(chan int, 1), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		var last time.Time
		written := 0
		for pct := range p.latest {
			if pct <= written || time.Since(last) < every {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := t.Store.VideoProgress(ctx, claim.VideoID, claim.Attempt, pct); err != nil {
				t.Log.Warn("progress not recorded", "video", claim.VideoID, "error", err.Error())
			}
			cancel()
			written, last = pct, time.Now()
		}
	}()
	return p
}

// report offers a percentage, replacing one not yet written.
func (p *progress) report(pct int) {
	select {
	case <-p.latest:
	default:
	}
	select {
	case p.latest <- pct:
	default:
	}
}

func (p *progress) stop() {
	p.once.Do(func() { close(p.latest) })
	<-p.done
}

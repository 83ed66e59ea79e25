package media

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// needFFmpeg skips when ffmpeg/ffprobe are missing (scripts/tools.sh
// ensure-ffmpeg installs them).
func needFFmpeg(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: run scripts/tools.sh ensure-ffmpeg", tool)
		}
	}
}

var (
	fixturesOnce sync.Once
	fixturesDir  string
	fixturesErr  error
	fixtureMu    sync.Mutex
	fixtureMade  = map[string]error{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixturesDir != "" {
		os.RemoveAll(fixturesDir)
	}
	os.Exit(code)
}

// fixture generates (once per test binary) a test input with ffmpeg's lavfi
// sources and returns its path. The args are inserted after -y.
func fixture(t testing.TB, name string, args ...string) string {
	t.Helper()
	needFFmpeg(t)
	fixturesOnce.Do(func() { fixturesDir, fixturesErr = os.MkdirTemp("", "media-fixtures-") })
	require.NoError(t, fixturesErr)
	path := filepath.Join(fixturesDir, name)
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	err, done := fixtureMade[name]
	if !done {
		full := append([]string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y"}, args...)
		full = append(full, path)
		out, cerr := exec.Command("ffmpeg", full...).CombinedOutput()
		if cerr != nil {
			err = fmt.Errorf("ffmpeg %s: %v\n%s", strings.Join(full, " "), cerr, out)
		}
		fixtureMade[name] = err
	}
	require.NoError(t, err)
	return path
}

func lavfi(size string, seconds float64, audio bool) []string {
	d := strconv.FormatFloat(seconds, 'f', -1, 64)
	a := []string{"-f", "lavfi", "-i", "testsrc2=size=" + size + ":rate=30:duration=" + d}
	if audio {
		a = append(a, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration="+d)
	}
	return a
}

func mp4Clip(t testing.TB, name, size string, seconds float64, audio bool) string {
	args := lavfi(size, seconds, audio)
	args = append(args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
	if audio {
		args = append(args, "-c:a", "aac", "-shortest")
	}
	return fixture(t, name, args...)
}

func webmClip(t testing.TB) string {
	args := lavfi("640x360", 6, true)
	args = append(args, "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M",
		"-c:a", "libopus", "-shortest")
	return fixture(t, "answer.webm", args...)
}

func TestProbeFile(t *testing.T) {
	ctx := context.Background()
	t.Run("webm", func(t *testing.T) {
		p, err := ProbeFile(ctx, webmClip(t))
		require.NoError(t, err)
		assert.Equal(t, "vp8", p.VideoCodec)
		assert.Equal(t, "opus", p.AudioCodec)
		assert.True(t, p.HasAudio)
		assert.Equal(t, 640, p.Width)
		assert.Equal(t, 360, p.Height)
		assert.InDelta(t, 30, p.FrameRate, 0.01)
		assert.InDelta(t, 6, p.Duration.Seconds(), 0.1)
		assert.Contains(t, p.FormatName, "webm")
		assert.NoError(t, Validate(p, DefaultLimits))
	})
	t.Run("mp4", func(t *testing.T) {
		p, err := ProbeFile(ctx, mp4Clip(t, "720p.mp4", "1280x720", 6, true))
		require.NoError(t, err)
		assert.Equal(t, "h264", p.VideoCodec)
		assert.Equal(t, "aac", p.AudioCodec)
		assert.Equal(t, 1280, p.Width)
		assert.Equal(t, 720, p.Height)
		assert.InDelta(t, 6, p.Duration.Seconds(), 0.1)
		assert.Contains(t, p.FormatName, "mp4")
	})
	t.Run("webm without duration in the header", func(t *testing.T) {
		// Written to a pipe, the matroska muxer cannot seek back to record
		// the duration, as with a browser's MediaRecorder.
		needFFmpeg(t)
		path := filepath.Join(t.TempDir(), "streamed.webm")
		f, err := os.Create(path)
		require.NoError(t, err)
		cmd := exec.Command("ffmpeg", append(lavfi("320x240", 5.5, false),
			"-hide_banner", "-loglevel", "error", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8",
			"-f", "webm", "pipe:1")...)
		cmd.Stdout = f
		require.NoError(t, cmd.Run())
		require.NoError(t, f.Close())
		p, err := ProbeFile(ctx, path)
		require.NoError(t, err)
		assert.InDelta(t, 5.5, p.Duration.Seconds(), 0.1)
		assert.False(t, p.HasAudio)
	})
	t.Run("audio only", func(t *testing.T) {
		path := fixture(t, "audio.m4a", "-f", "lavfi", "-i", "sine=duration=6", "-c:a", "aac")
		p, err := ProbeFile(ctx, path)
		require.NoError(t, err)
		assert.False(t, p.HasVideo())
		assert.True(t, p.HasAudio)
		r, ok := AsRejection(Validate(p, DefaultLimits))
		require.True(t, ok)
		assert.Equal(t, CodeNoVideoStream, r.Code)
		assert.Contains(t, r.Message, "no picture")
	})
	t.Run("corrupt", func(t *testing.T) {
		needFFmpeg(t)
		path := filepath.Join(t.TempDir(), "corrupt.webm")
		b := make([]byte, 64<<10)
		_, _ = rand.Read(b)
		require.NoError(t, os.WriteFile(path, b, 0o644))
		_, err := ProbeFile(ctx, path)
		r, ok := AsRejection(err)
		require.True(t, ok, "got %v", err)
		assert.Equal(t, CodeUnreadable, r.Code)
	})
	t.Run("missing file is unreadable too", func(t *testing.T) {
		needFFmpeg(t)
		_, err := ProbeFile(ctx, filepath.Join(t.TempDir(), "nope.mp4"))
		r, ok := AsRejection(err)
		require.True(t, ok, "got %v", err)
		assert.Equal(t, CodeUnreadable, r.Code)
	})
	t.Run("cancelled context is not a rejection", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := ProbeFile(cctx, webmClip(t))
		require.Error(t, err)
		_, ok := AsRejection(err)
		assert.False(t, ok)
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("too short and too small", func(t *testing.T) {
		p, err := ProbeFile(ctx, mp4Clip(t, "short.mp4", "640x360", 2, true))
		require.NoError(t, err)
		r, ok := AsRejection(Validate(p, DefaultLimits))
		require.True(t, ok)
		assert.Equal(t, CodeTooShort, r.Code)

		p, err = ProbeFile(ctx, mp4Clip(t, "tiny.mp4", "160x120", 6, false))
		require.NoError(t, err)
		r, ok = AsRejection(Validate(p, DefaultLimits))
		require.True(t, ok)
		assert.Equal(t, CodeTooSmall, r.Code)
		assert.Contains(t, r.Message, "160x120")
	})
}

func TestValidate(t *testing.T) {
	ok := Probe{Duration: 60 * time.Second, Width: 1280, Height: 720, VideoCodec: "vp8", HasAudio: true, AudioCodec: "opus"}
	cases := []struct {
		name string
		edit func(*Probe)
		code string
	}{
		{"fine", func(*Probe) {}, ""},
		{"portrait is fine", func(p *Probe) { p.Width, p.Height = 240, 320 }, ""},
		{"exact minimum", func(p *Probe) { p.Duration, p.Width, p.Height = 5*time.Second, 320, 240 }, ""},
		{"exact maximum", func(p *Probe) { p.Duration = 180 * time.Second }, ""},
		{"silent video is fine", func(p *Probe) { p.HasAudio, p.AudioCodec = false, "" }, ""},
		{"no streams", func(p *Probe) { *p = Probe{} }, CodeNoVideoStream},
		{"audio only", func(p *Probe) { p.VideoCodec = "" }, CodeNoVideoStream},
		{"too short", func(p *Probe) { p.Duration = 4900 * time.Millisecond }, CodeTooShort},
		{"too long", func(p *Probe) { p.Duration = 181 * time.Second }, CodeTooLong},
		{"too small", func(p *Probe) { p.Width, p.Height = 160, 120 }, CodeTooSmall},
		{"too narrow", func(p *Probe) { p.Width, p.Height = 1280, 200 }, CodeTooSmall},
		{"no duration", func(p *Probe) { p.Duration = 0 }, CodeUnreadable},
		{"no size", func(p *Probe) { p.Width = 0 }, CodeUnreadable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := ok
			c.edit(&p)
			err := Validate(p, DefaultLimits)
			if c.code == "" {
				assert.NoError(t, err)
				return
			}
			r, isRej := AsRejection(err)
			require.True(t, isRej, "got %v", err)
			assert.Equal(t, c.code, r.Code)
			assert.NotEmpty(t, r.Message)
			assert.True(t, strings.HasSuffix(r.Message, "."), r.Message)
		})
	}
	r, _ := AsRejection(Validate(Probe{Duration: 200 * time.Second, Width: 640, Height: 480, VideoCodec: "h264"}, DefaultLimits))
	assert.Equal(t, "Your video is 200 seconds long; answers can be at most 3 minutes. Please record a shorter answer.", r.Message)
	wrapped := fmt.Errorf("transcode: %w", r)
	r2, isRej := AsRejection(wrapped)
	assert.True(t, isRej)
	assert.Same(t, r, r2)
}

func TestRungsFor(t *testing.T) {
	names := func(rs []Rung) []string {
		var n []string
		for _, r := range rs {
			n = append(n, r.Name)
		}
		return n
	}
	assert.Equal(t, []string{"1080p", "720p", "480p", "360p"}, names(RungsFor(2160)))
	assert.Equal(t, []string{"1080p", "720p", "480p", "360p"}, names(RungsFor(1080)))
	assert.Equal(t, []string{"720p", "480p", "360p"}, names(RungsFor(1079)))
	assert.Equal(t, []string{"720p", "480p", "360p"}, names(RungsFor(720)))
	assert.Equal(t, []string{"480p", "360p"}, names(RungsFor(480)))
	assert.Equal(t, []string{"360p"}, names(RungsFor(360)))
	assert.Equal(t, []string{"360p"}, names(RungsFor(240)), "a small accepted source still gets the lowest rung")
	assert.Empty(t, RungsFor(239))
	assert.Empty(t, RungsFor(0))

	for _, c := range []struct{ sw, sh, h, ww, wh int }{
		{1920, 1080, 360, 640, 360},
		{1280, 720, 480, 854, 480},
		{720, 1280, 360, 360, 640}, // portrait: the short side is the rung
		{320, 240, 360, 480, 360},
		{1440, 1080, 720, 960, 720},
	} {
		w, h := rungSize(c.sw, c.sh, Rung{Height: c.h})
		assert.Equal(t, [2]int{c.ww, c.wh}, [2]int{w, h}, "%dx%d at %d", c.sw, c.sh, c.h)
	}
}

func TestSHA256File(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x")
	require.NoError(t, os.WriteFile(path, []byte("civicq"), 0o644))
	got, err := SHA256File(path)
	require.NoError(t, err)
	want := sha256.Sum256([]byte("civicq"))
	assert.Equal(t, hex.EncodeToString(want[:]), got)
	_, err = SHA256File(filepath.Join(t.TempDir(), "missing"))
	assert.Error(t, err)
}

// checkLadder asserts everything the issue requires of a finished ladder.
func checkLadder(t *testing.T, outDir string, p Probe, res Result, want []string) {
	t.Helper()
	ctx := context.Background()
	var got []string
	for _, r := range res.Rungs {
		got = append(got, r.Name)
	}
	require.Equal(t, want, got)
	assert.InDelta(t, p.Duration.Seconds(), res.Duration.Seconds(), 0.5)

	master, err := os.ReadFile(filepath.Join(outDir, res.Master))
	require.NoError(t, err)
	ms := string(master)
	assert.Equal(t, len(want), strings.Count(ms, "#EXT-X-STREAM-INF:"), ms)
	for _, r := range res.Rungs {
		line := fmt.Sprintf("RESOLUTION=%dx%d", r.Width, r.Height)
		assert.Contains(t, ms, line)
		assert.Contains(t, ms, fmt.Sprintf("BANDWIDTH=%d,", r.BandwidthBps))
		assert.Contains(t, ms, fmt.Sprintf("AVERAGE-BANDWIDTH=%d,", r.AverageBps))
		assert.Contains(t, ms, "\n"+r.Playlist+"\n")
		// High profile; ultrafast (the tests' preset) falls back to Constrained Baseline.
		assert.Regexp(t, `^avc1\.(6400|42e0)[0-9a-f]{2}(,|$)`, r.Codecs)
		if p.HasAudio {
			assert.Contains(t, r.Codecs, ",mp4a.40.2")
		} else {
			assert.NotContains(t, r.Codecs, "mp4a")
		}
		assert.Contains(t, ms, `CODECS="`+r.Codecs+`"`)

		pl, err := os.ReadFile(filepath.Join(outDir, r.Playlist))
		require.NoError(t, err)
		assert.True(t, strings.HasSuffix(strings.TrimSpace(string(pl)), "#EXT-X-ENDLIST"), r.Name)
		assert.Contains(t, string(pl), "#EXT-X-PLAYLIST-TYPE:VOD")
		assert.InDelta(t, p.Duration.Seconds(), r.Duration.Seconds(), 0.5, r.Name)
		for i, s := range r.Segments {
			if i < len(r.Segments)-1 {
				assert.GreaterOrEqual(t, s.Duration.Seconds(), 3.9, "%s segment %d", r.Name, i)
			}
			assert.LessOrEqual(t, s.Duration.Seconds(), 6.1, "%s segment %d", r.Name, i)
		}
		// The rendition's real size; the audio is in its own rendition.
		rp, err := ProbeFile(ctx, filepath.Join(outDir, r.Playlist))
		require.NoError(t, err)
		assert.Equal(t, [2]int{r.Width, r.Height}, [2]int{rp.Width, rp.Height})
		assert.False(t, rp.HasAudio)
		// Every rung starts at the same presentation time (a player switches
		// between rungs and plays them against one audio rendition).
		assert.InDelta(t, startTime(t, filepath.Join(outDir, res.Rungs[0].Playlist)), startTime(t, filepath.Join(outDir, r.Playlist)), 0.001, r.Name)
	}
	if p.HasAudio {
		require.NotNil(t, res.Audio)
		assert.Contains(t, ms, `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio"`)
		assert.Contains(t, ms, `URI="`+res.Audio.Playlist+`"`)
		assert.Equal(t, len(want), strings.Count(ms, `,AUDIO="audio"`))
		ap, err := ProbeFile(ctx, filepath.Join(outDir, res.Audio.Playlist))
		require.NoError(t, err)
		assert.False(t, ap.HasVideo())
		assert.Equal(t, "aac", ap.AudioCodec)
		assert.InDelta(t, p.Duration.Seconds(), res.Audio.Duration.Seconds(), 0.5)
		pl, err := os.ReadFile(filepath.Join(outDir, res.Audio.Playlist))
		require.NoError(t, err)
		assert.True(t, strings.HasSuffix(strings.TrimSpace(string(pl)), "#EXT-X-ENDLIST"))
		assert.InDelta(t, startTime(t, filepath.Join(outDir, res.Rungs[0].Playlist)), startTime(t, filepath.Join(outDir, res.Audio.Playlist)), 0.1)
	} else {
		assert.Nil(t, res.Audio)
		assert.NotContains(t, ms, "EXT-X-MEDIA")
	}
	// ffprobe reads the master playlist, audio group included.
	mp, err := ProbeFile(ctx, filepath.Join(outDir, res.Master))
	require.NoError(t, err)
	assert.True(t, mp.HasVideo())
	assert.Equal(t, p.HasAudio, mp.HasAudio)
	assert.InDelta(t, p.Duration.Seconds(), mp.Duration.Seconds(), 0.5)

	poster, err := ProbeFile(ctx, filepath.Join(outDir, res.Poster))
	require.NoError(t, err)
	assert.Equal(t, "mjpeg", poster.VideoCodec)
	pw, ph := rungSize(p.Width, p.Height, Rung{Height: min(720, p.Width, p.Height)})
	assert.Equal(t, [2]int{pw, ph}, [2]int{poster.Width, poster.Height})
	assert.Greater(t, res.Stats.CPU, time.Duration(0))
	assert.Greater(t, res.Stats.MaxRSSBytes, int64(0))
	assert.Greater(t, res.Stats.OutputBytes, int64(0))
}

var fast = Options{Preset: "ultrafast"}

func TestTranscode360pSource(t *testing.T) {
	src := webmClip(t)
	ctx := context.Background()
	p, err := ProbeFile(ctx, src)
	require.NoError(t, err)
	out := t.TempDir()
	var reports []Progress
	opt := fast
	opt.Progress = func(pr Progress) { reports = append(reports, pr) }
	res, err := TranscodeWith(ctx, src, out, p, opt)
	require.NoError(t, err)
	checkLadder(t, out, p, res, []string{"360p"})
	require.NotEmpty(t, reports)
	last := reports[len(reports)-1]
	assert.Equal(t, 100, last.Percent)
	assert.Equal(t, []string{"360p"}, last.Ready)
	require.NotNil(t, last.Partial)
	for i := 1; i < len(reports); i++ {
		assert.GreaterOrEqual(t, reports[i].Percent, reports[i-1].Percent)
	}
}

func TestTranscode720pSourceLowestFirst(t *testing.T) {
	src := mp4Clip(t, "720p.mp4", "1280x720", 6, true)
	ctx := context.Background()
	p, err := ProbeFile(ctx, src)
	require.NoError(t, err)
	out := t.TempDir()
	var partials []Result
	var masters []string
	opt := fast
	opt.Progress = func(pr Progress) {
		if pr.Partial != nil {
			partials = append(partials, *pr.Partial)
			b, err := os.ReadFile(filepath.Join(out, MasterName))
			require.NoError(t, err)
			masters = append(masters, string(b))
		}
	}
	res, err := TranscodeWith(ctx, src, out, p, opt)
	require.NoError(t, err)
	checkLadder(t, out, p, res, []string{"720p", "480p", "360p"})

	// First the lowest rung alone is published, then all of them.
	require.Len(t, partials, 2)
	require.Len(t, partials[0].Rungs, 1)
	assert.Equal(t, "360p", partials[0].Rungs[0].Name)
	assert.Equal(t, 1, strings.Count(masters[0], "#EXT-X-STREAM-INF:"))
	assert.Equal(t, 3, strings.Count(masters[1], "#EXT-X-STREAM-INF:"))
	assert.Less(t, res.Stats.PlayableAfter, res.Stats.Wall)

	// Keyframes (segment boundaries) line up across rungs, including the
	// rung made in the other pass.
	for _, r := range res.Rungs[1:] {
		require.Len(t, r.Segments, len(res.Rungs[0].Segments))
		for i := range r.Segments {
			assert.InDelta(t, res.Rungs[0].Segments[i].Duration.Seconds(), r.Segments[i].Duration.Seconds(), 0.05)
		}
	}
}

func TestTranscodeSinglePassSilent(t *testing.T) {
	src := mp4Clip(t, "480p-silent.mp4", "854x480", 5, false)
	ctx := context.Background()
	p, err := ProbeFile(ctx, src)
	require.NoError(t, err)
	require.False(t, p.HasAudio)
	out := t.TempDir()
	opt := fast
	opt.SinglePass = true
	partials := 0
	opt.Progress = func(pr Progress) {
		if pr.Partial != nil {
			partials++
		}
	}
	res, err := TranscodeWith(ctx, src, out, p, opt)
	require.NoError(t, err)
	checkLadder(t, out, p, res, []string{"480p", "360p"})
	assert.Equal(t, 1, partials, "one process: every rung at once")
	assert.Equal(t, res.Stats.Wall.Round(time.Millisecond) >= res.Stats.PlayableAfter.Round(time.Millisecond), true)
}

func TestTranscodeCancel(t *testing.T) {
	needFFmpeg(t)
	// A lavfi source that never ends: only cancellation can stop ffmpeg.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := Probe{Duration: time.Hour, Width: 640, Height: 360, VideoCodec: "rawvideo", FrameRate: 30}
	out := t.TempDir()
	started := make(chan struct{}, 1)
	opt := fast
	opt.inputArgs = []string{"-f", "lavfi"}
	opt.Progress = func(Progress) {
		select {
		case started <- struct{}{}:
		default:
		}
	}
	errc := make(chan error, 1)
	begin := time.Now()
	go func() {
		_, err := TranscodeWith(ctx, "testsrc2=size=640x360:rate=30", out, p, opt)
		errc <- err
	}()
	select {
	case <-started:
	case err := <-errc:
		t.Fatalf("transcode ended before cancellation: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("no progress within 20s")
	}
	cancel()
	select {
	case err := <-errc:
		assert.ErrorIs(t, err, context.Canceled)
		_, isRej := AsRejection(err)
		assert.False(t, isRej)
	case <-time.After(10 * time.Second):
		t.Fatal("ffmpeg still running 10s after cancellation")
	}
	assert.Less(t, time.Since(begin), 30*time.Second)
}

func TestTranscodeRejectsUnusableProbe(t *testing.T) {
	_, err := Transcode(context.Background(), "x", t.TempDir(), Probe{}, nil)
	assert.Error(t, err)
	_, err = Transcode(context.Background(), "x", t.TempDir(), Probe{Duration: time.Second, Width: 160, Height: 120, VideoCodec: "h264"}, nil)
	assert.Error(t, err)
}

func TestParsePlaylist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.m3u8")
	require.NoError(t, os.WriteFile(path, []byte("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.000000,\nseg_000.ts\n#EXTINF:1.5,\nseg_001.ts\n#EXT-X-ENDLIST\n"), 0o644))
	segs, ended, err := ParsePlaylist(path)
	require.NoError(t, err)
	assert.True(t, ended)
	assert.Equal(t, []Segment{{URI: "seg_000.ts", Duration: 4 * time.Second}, {URI: "seg_001.ts", Duration: 1500 * time.Millisecond}}, segs)
}

// startTime is the start_time ffprobe reports for a playlist's first stream.
func startTime(t *testing.T, playlist string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=start_time", "-of", "csv=p=0", playlist).Output()
	require.NoError(t, err)
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(line), ","), 64)
	require.NoError(t, err, "%q", out)
	return v
}

// A browser's MediaRecorder WebM often has no usable frame rate and no
// duration in its header; a portrait phone video's short side is its width.
// Both must still give aligned 4 s segments.
func TestTranscodeUnknownFrameRatePortrait(t *testing.T) {
	needFFmpeg(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "streamed-portrait.webm")
	f, err := os.Create(path)
	require.NoError(t, err)
	cmd := exec.Command("ffmpeg", append(lavfi("360x640", 9, true),
		"-hide_banner", "-loglevel", "error", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8",
		"-c:a", "libopus", "-shortest", "-f", "webm", "pipe:1")...)
	cmd.Stdout = f
	require.NoError(t, cmd.Run())
	require.NoError(t, f.Close())
	p, err := ProbeFile(ctx, path)
	require.NoError(t, err)
	require.NoError(t, Validate(p, DefaultLimits))
	p.FrameRate = 0 // as MediaRecorder files report it
	out := t.TempDir()
	res, err := TranscodeWith(ctx, path, out, p, fast)
	require.NoError(t, err)
	checkLadder(t, out, p, res, []string{"360p"})
	assert.Equal(t, [2]int{360, 640}, [2]int{res.Rungs[0].Width, res.Rungs[0].Height})
	assert.Len(t, res.Rungs[0].Segments, 3) // 4 + 4 + 1
}

package media

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The ladder benchmark compares Transcode with the reference design (one
// ffmpeg run per rung, sequential, x264's default preset, -hls_time 10). It
// takes minutes, so it runs only when asked:
//
//	go test ./shared/media/ -run TestLadderVsReference -ladder-bench -v -timeout 60m
//	go test ./shared/media/ -run TestLadderVsReference -ladder-bench -ladder-bench-seconds 20 -v
var (
	ladderBench        = flag.Bool("ladder-bench", false, "run TestLadderVsReference (slow)")
	ladderBenchSeconds = flag.Float64("ladder-bench-seconds", 120, "length of the generated 1080p30 input")
	ladderBenchSingle  = flag.Bool("ladder-bench-single", false, "also measure Options.SinglePass")
	ladderBenchKeep    = flag.String("ladder-bench-dir", "", "work in this folder and keep it (default: a temp dir)")
)

type benchRow struct {
	name     string
	wall     time.Duration
	cpu      time.Duration
	maxRSS   int64
	bytes    int64
	playable time.Duration
	ssim     map[string]float64
}

func TestLadderVsReference(t *testing.T) {
	if !*ladderBench {
		t.Skip("slow: enable with -ladder-bench")
	}
	needFFmpeg(t)
	ctx := context.Background()
	dir := *ladderBenchKeep
	if dir == "" {
		dir = t.TempDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))

	// Input: 1080p30 H.264 + AAC, as a phone or desktop upload would be.
	secs := strconv.FormatFloat(*ladderBenchSeconds, 'f', -1, 64)
	src := filepath.Join(dir, fmt.Sprintf("src-1080p30-%ss.mp4", secs))
	if _, err := os.Stat(src); err != nil {
		began := time.Now()
		out, err := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
			"-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration="+secs,
			"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration="+secs,
			"-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p",
			"-c:a", "aac", "-shortest", src).CombinedOutput()
		require.NoError(t, err, "%s", out)
		t.Logf("generated %s in %s", src, time.Since(began).Round(time.Second))
	}
	p, err := ProbeFile(ctx, src)
	require.NoError(t, err)
	require.NoError(t, Validate(p, Limits{MinDuration: time.Second, MaxDuration: time.Hour, MinWidth: 320, MinHeight: 240}))
	rungs := RungsFor(p.Height)

	var rows []benchRow
	run := func(name string, opt Options, withSSIM bool) {
		out := filepath.Join(dir, name)
		require.NoError(t, os.RemoveAll(out))
		res, err := TranscodeWith(ctx, src, out, p, opt)
		require.NoError(t, err)
		row := benchRow{name: name, wall: res.Stats.Wall, cpu: res.Stats.CPU, maxRSS: res.Stats.MaxRSSBytes,
			bytes: res.Stats.OutputBytes, playable: res.Stats.PlayableAfter, ssim: map[string]float64{}}
		for _, r := range res.Rungs {
			if !withSSIM {
				row.ssim[r.Name] = math.NaN() // same encoder settings as "pipeline"
				continue
			}
			row.ssim[r.Name] = ssim(t, filepath.Join(out, r.Playlist), src, r.Width, r.Height)
		}
		rows = append(rows, row)
	}
	run("pipeline", Options{}, true)
	if *ladderBenchSingle {
		run("pipeline-single-pass", Options{SinglePass: true}, false)
	}

	// The reference design, highest rung first; its lowest rung is playable
	// when its own run ends (the master playlist would only be written after
	// all of them, which is later still).
	ref := benchRow{name: "reference", ssim: map[string]float64{}}
	refDir := filepath.Join(dir, "reference")
	require.NoError(t, os.RemoveAll(refDir))
	began := time.Now()
	for _, r := range rungs {
		rd := filepath.Join(refDir, r.Name)
		require.NoError(t, os.MkdirAll(rd, 0o755))
		b := strconv.Itoa(r.VideoKbps) + "k"
		cmd := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", src,
			"-vf", "scale=-2:"+strconv.Itoa(r.Height), "-c:v", "libx264",
			"-b:v", b, "-maxrate", b, "-bufsize", strconv.Itoa(2*r.VideoKbps)+"k",
			"-c:a", "aac", "-f", "hls", "-hls_time", "10", "-hls_playlist_type", "vod",
			"-hls_segment_filename", filepath.Join(rd, "seg_%03d.ts"), filepath.Join(rd, playlistName))
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		st := processStats(cmd.ProcessState)
		ref.cpu += st.CPU
		ref.maxRSS = max(ref.maxRSS, st.MaxRSSBytes)
		if r.Height == rungs[len(rungs)-1].Height {
			ref.playable = time.Since(began)
		}
	}
	ref.wall = time.Since(began)
	ref.bytes = dirSize(refDir)
	for _, r := range rungs {
		w, h := rungSize(p.Width, p.Height, r)
		ref.ssim[r.Name] = ssim(t, filepath.Join(refDir, r.Name, playlistName), src, w, h)
	}
	rows = append(rows, ref)

	var b strings.Builder
	fmt.Fprintf(&b, "input: %s (%dx%d %.0f fps, %s, %s)\n", filepath.Base(src), p.Width, p.Height, p.FrameRate, p.Duration.Round(time.Millisecond), p.VideoCodec)
	fmt.Fprintf(&b, "%-22s %9s %9s %9s %10s %10s", "design", "wall", "cpu", "maxrss", "output", "playable")
	for _, r := range rungs {
		fmt.Fprintf(&b, " %9s", "ssim "+r.Name)
	}
	b.WriteString("\n")
	for _, row := range rows {
		fmt.Fprintf(&b, "%-22s %9s %9s %8dM %9.1fM %10s", row.name, row.wall.Round(100*time.Millisecond),
			row.cpu.Round(100*time.Millisecond), row.maxRSS>>20, float64(row.bytes)/(1<<20), row.playable.Round(100*time.Millisecond))
		for _, r := range rungs {
			fmt.Fprintf(&b, " %9.4f", row.ssim[r.Name])
		}
		b.WriteString("\n")
	}
	pl := rows[0]
	fmt.Fprintf(&b, "wall speed-up %.2fx (target >= 2x); playable at %.0f%% of pipeline wall (target <= 25%%)\n",
		ref.wall.Seconds()/pl.wall.Seconds(), 100*pl.playable.Seconds()/pl.wall.Seconds())
	for _, r := range rungs {
		fmt.Fprintf(&b, "ssim delta %s: %+.4f (target within 0.01)\n", r.Name, pl.ssim[r.Name]-ref.ssim[r.Name])
	}
	t.Log("\n" + b.String())
}

var ssimAll = regexp.MustCompile(`All:([0-9.]+)`)

// ssim compares a rendition with the source scaled to the rendition's size
// (both timelines start at zero; HLS transport streams start at 1.4 s).
func ssim(t *testing.T, rendition, src string, w, h int) float64 {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-y", "-i", rendition, "-i", src,
		"-lavfi", fmt.Sprintf("[0:v]setpts=PTS-STARTPTS[a];[1:v]setpts=PTS-STARTPTS,scale=%d:%d:flags=bicubic[b];[a][b]ssim", w, h),
		"-f", "null", "-").CombinedOutput()
	require.NoError(t, err, "%s", out)
	m := ssimAll.FindAllSubmatch(out, -1)
	require.NotEmpty(t, m, "%s", out)
	v, err := strconv.ParseFloat(string(m[len(m)-1][1]), 64)
	require.NoError(t, err)
	return v
}

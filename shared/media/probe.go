// Package media validates uploaded video answers with ffprobe and transcodes
// them with ffmpeg into an HLS ladder (per-rung playlists, a master playlist
// and a poster image). It shells out to the ffmpeg and ffprobe binaries found
// on PATH (scripts/tools.sh ensure-ffmpeg installs them locally; the Lambda
// image bundles them); it knows nothing about S3, SQS or the database.
package media

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Probe is what ffprobe says about a file, reduced to what validation and
// transcoding need. Width and Height are the displayed size: a rotation of
// ±90° in the stream's metadata (phones record this way) swaps them.
type Probe struct {
	Duration   time.Duration
	Width      int
	Height     int
	VideoCodec string // e.g. "h264", "vp8", "vp9"; "" when there is no video stream
	AudioCodec string // e.g. "aac", "opus"; "" when there is no audio stream
	HasAudio   bool
	FrameRate  float64 // frames per second; 0 when unknown
	FormatName string  // ffprobe's format_name, e.g. "matroska,webm" or "mov,mp4,m4a,3gp,3g2,mj2"
}

// HasVideo reports whether the file has a video stream.
func (p Probe) HasVideo() bool { return p.VideoCodec != "" }

// ffprobe's JSON, only the fields we read.
type ffprobeOutput struct {
	Streams []struct {
		CodecType    string            `json:"codec_type"`
		CodecName    string            `json:"codec_name"`
		Width        int               `json:"width"`
		Height       int               `json:"height"`
		AvgFrameRate string            `json:"avg_frame_rate"`
		RFrameRate   string            `json:"r_frame_rate"`
		Duration     string            `json:"duration"`
		Tags         map[string]string `json:"tags"`
		Disposition  map[string]int    `json:"disposition"`
		SideDataList []struct {
			Rotation float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

// ProbeFile runs ffprobe on path. A file ffprobe cannot parse (corrupt,
// truncated, not media at all) yields a *Rejection with code CodeUnreadable:
// retrying cannot help. Other errors (ffprobe missing, ctx cancelled) are
// returned as they are and may be retried.
//
// When the container does not record a duration (WebM written by a browser's
// MediaRecorder usually does not), the duration is measured from the packet
// timestamps, which reads the whole file but decodes nothing.
func ProbeFile(ctx context.Context, path string) (Probe, error) {
	out, err := runProbe(ctx, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "--", path)
	if err != nil {
		return Probe{}, err
	}
	var raw ffprobeOutput
	if err := json.Unmarshal(out, &raw); err != nil {
		return Probe{}, fmt.Errorf("media: decode ffprobe output: %w", err)
	}
	p := parseProbe(raw)
	if len(raw.Streams) == 0 {
		return p, &Rejection{Code: CodeUnreadable, Message: "We could not read this file as a video. Please record or upload it again."}
	}
	if p.Duration <= 0 {
		d, err := packetDuration(ctx, path)
		if err != nil {
			return p, err
		}
		p.Duration = d
	}
	return p, nil
}

func runProbe(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "ffprobe", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("media: ffprobe: %w", ctx.Err())
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return nil, &Rejection{
				Code:    CodeUnreadable,
				Message: "We could not read this file as a video. Please record or upload it again.",
				Detail:  lastLines(stderr.String(), 5),
			}
		}
		return nil, fmt.Errorf("media: run ffprobe: %w", err)
	}
	return out, nil
}

func parseProbe(raw ffprobeOutput) Probe {
	p := Probe{FormatName: raw.Format.FormatName}
	p.Duration = parseSeconds(raw.Format.Duration)
	videoSeen := false
	for _, s := range raw.Streams {
		switch s.CodecType {
		case "video":
			// Cover art in MP4/MP3 is a one-frame "video" stream; it is not a video.
			if videoSeen || s.Disposition["attached_pic"] == 1 {
				continue
			}
			videoSeen = true
			p.VideoCodec = s.CodecName
			p.Width, p.Height = s.Width, s.Height
			if rot := rotation(s.Tags["rotate"], s.SideDataList); int(math.Abs(rot))%180 == 90 {
				p.Width, p.Height = p.Height, p.Width
			}
			p.FrameRate = parseRate(s.AvgFrameRate)
			if p.FrameRate <= 0 || p.FrameRate > 240 {
				p.FrameRate = parseRate(s.RFrameRate)
			}
			if p.FrameRate > 240 { // WebM's r_frame_rate is often its 1000/1 timebase
				p.FrameRate = 0
			}
			if p.Duration <= 0 {
				p.Duration = parseSeconds(s.Duration)
			}
		case "audio":
			if p.HasAudio {
				continue
			}
			p.HasAudio = true
			p.AudioCodec = s.CodecName
		}
	}
	return p
}

func rotation(tag string, side []struct {
	Rotation float64 `json:"rotation"`
}) float64 {
	for _, sd := range side {
		if sd.Rotation != 0 {
			return sd.Rotation
		}
	}
	r, _ := strconv.ParseFloat(tag, 64)
	return r
}

// packetDuration measures the duration as the end of the last packet of the
// first video stream (falling back to any stream), for files whose container
// does not say.
func packetDuration(ctx context.Context, path string) (time.Duration, error) {
	out, err := runProbe(ctx, "-v", "error", "-show_entries", "packet=pts_time,duration_time",
		"-of", "csv=p=0", "--", path)
	if err != nil {
		return 0, err
	}
	var first, end float64 = math.Inf(1), 0
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) == 0 {
			continue
		}
		pts, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		d := 0.0
		if len(f) > 1 {
			d, _ = strconv.ParseFloat(f[1], 64)
		}
		first = min(first, pts)
		end = max(end, pts+d)
	}
	if math.IsInf(first, 1) {
		return 0, nil
	}
	return time.Duration((end - max(first, 0)) * float64(time.Second)), nil
}

func parseSeconds(s string) time.Duration {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

func parseRate(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0
	}
	if !ok {
		return n
	}
	d, err := strconv.ParseFloat(den, 64)
	if err != nil || d == 0 {
		return 0
	}
	return n / d
}

// lastLines returns at most n trailing non-empty lines of s, for error messages.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

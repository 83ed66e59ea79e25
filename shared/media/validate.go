package media

import (
	"errors"
	"fmt"
	"time"
)

// Rejection codes: an input with one of these must fail without retry, and
// the answer goes to a failed state carrying the Rejection's Message.
const (
	CodeUnreadable    = "unreadable"      // not a media file ffprobe can parse
	CodeNoVideoStream = "no_video_stream" // audio only, or no streams at all
	CodeTooShort      = "too_short"
	CodeTooLong       = "too_long"
	CodeTooSmall      = "too_small" // below the minimum resolution
)

// Rejection is an input that must fail without retry. Message is a sentence
// the candidate can read; Detail is for logs (e.g. ffprobe's stderr).
type Rejection struct {
	Code    string
	Message string
	Detail  string
}

func (r *Rejection) Error() string {
	s := "media: rejected (" + r.Code + "): " + r.Message
	if r.Detail != "" {
		s += ": " + r.Detail
	}
	return s
}

// AsRejection returns the *Rejection in err's chain, if any.
func AsRejection(err error) (*Rejection, bool) {
	var r *Rejection
	ok := errors.As(err, &r)
	return r, ok
}

// Limits bound what a candidate may upload. The size check is orientation
// agnostic: a portrait 240x320 video passes a 320x240 minimum.
type Limits struct {
	MinDuration, MaxDuration time.Duration
	MinWidth, MinHeight      int
}

// DefaultLimits are the defaults: 5 to 180 seconds, at least 320x240.
var DefaultLimits = Limits{MinDuration: 5 * time.Second, MaxDuration: 180 * time.Second, MinWidth: 320, MinHeight: 240}

// Validate checks a probe against limits and returns a *Rejection for inputs
// that must fail without retry, or nil.
func Validate(p Probe, l Limits) error {
	if !p.HasVideo() {
		msg := "This file has no video. Please record a video answer."
		if p.HasAudio {
			msg = "This file has sound but no picture. Please record a video answer, not audio only."
		}
		return &Rejection{Code: CodeNoVideoStream, Message: msg}
	}
	if p.Width <= 0 || p.Height <= 0 {
		return &Rejection{Code: CodeUnreadable, Message: "We could not read the picture size of this video. Please record or upload it again."}
	}
	if p.Duration <= 0 {
		return &Rejection{Code: CodeUnreadable, Message: "We could not tell how long this video is. Please record or upload it again."}
	}
	if l.MinDuration > 0 && p.Duration < l.MinDuration {
		return &Rejection{Code: CodeTooShort, Message: fmt.Sprintf(
			"Your video is %s long; answers must be at least %s.", humanDuration(p.Duration), humanDuration(l.MinDuration))}
	}
	if l.MaxDuration > 0 && p.Duration > l.MaxDuration {
		return &Rejection{Code: CodeTooLong, Message: fmt.Sprintf(
			"Your video is %s long; answers can be at most %s. Please record a shorter answer.", humanDuration(p.Duration), humanDuration(l.MaxDuration))}
	}
	long, short := max(p.Width, p.Height), min(p.Width, p.Height)
	minLong, minShort := max(l.MinWidth, l.MinHeight), min(l.MinWidth, l.MinHeight)
	if long < minLong || short < minShort {
		return &Rejection{Code: CodeTooSmall, Message: fmt.Sprintf(
			"Your video is %dx%d; it must be at least %dx%d. Please record with a better camera setting.", p.Width, p.Height, l.MinWidth, l.MinHeight)}
	}
	return nil
}

// humanDuration writes 2.5s as "2.5 seconds" and 180s as "3 minutes".
func humanDuration(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s >= 60 && int(s)%60 == 0:
		m := int(s) / 60
		if m == 1 {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", m)
	case s == float64(int(s)):
		return fmt.Sprintf("%d seconds", int(s))
	default:
		return fmt.Sprintf("%.1f seconds", s)
	}
}

package objects

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"path"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// VideoTypes are the content types an answer upload may have, with the file
// extension its key gets: what browsers' MediaRecorder writes (WebM, and MP4 in
// Safari) and what phones and cameras save (MP4, QuickTime).
var VideoTypes = map[string]string{
	"video/webm":      ".webm",
	"video/mp4":       ".mp4",
	"video/quicktime": ".mov",
}

// VideoTypeList is VideoTypes' keys in a stable order, for messages.
var VideoTypeList = []string{"video/webm", "video/mp4", "video/quicktime"}

// NormalizeVideoType returns the bare media type of ct ("video/webm" for
// "video/webm;codecs=vp8,opus", as MediaRecorder names it) and whether it is an
// allowed upload type.
func NormalizeVideoType(ct string) (string, bool) {
	// Parameters are dropped unparsed: MediaRecorder writes an unquoted list
	// ("codecs=vp8,opus") that a strict MIME parser refuses.
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	_, ok := VideoTypes[mt]
	return mt, ok
}

// DefaultMaxUploadBytes is the largest upload accepted by default: 500 MB.
const DefaultMaxUploadBytes = 500 << 20

// Upload keys look like uploads/<city id>/<answer id>/<random>.<ext>: every
// presigned upload gets a key of its own, so a re-recorded answer never shares
// its (bucket, key, ETag) with an earlier upload, and the transcoder learns from
// the key alone which answer an object belongs to.
const uploadPrefix = "uploads/"

// UploadKey returns a fresh key for an upload of answerID with content type ct
// (already normalized).
func UploadKey(cityID, answerID, ct string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return uploadPrefix + cityID + "/" + answerID + "/" + hex.EncodeToString(b) + VideoTypes[ct]
}

// UploadRef is what an upload key names.
type UploadRef struct {
	CityID   string
	AnswerID string
}

// ErrNotAnUploadKey means a key is not one UploadKey makes: not CivicQ's, nothing
// to do with it.
var ErrNotAnUploadKey = errors.New("objects: not an answer upload key")

// ParseUploadKey reads an upload key (already URL-decoded).
func ParseUploadKey(key string) (UploadRef, error) {
	rest, ok := strings.CutPrefix(key, uploadPrefix)
	if !ok {
		return UploadRef{}, ErrNotAnUploadKey
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[2] == "" {
		return UploadRef{}, ErrNotAnUploadKey
	}
	city, err1 := uuid.Parse(parts[0])
	answer, err2 := uuid.Parse(parts[1])
	if err1 != nil || err2 != nil || len(parts[0]) != 36 || len(parts[1]) != 36 {
		return UploadRef{}, ErrNotAnUploadKey
	}
	return UploadRef{CityID: city.String(), AnswerID: answer.String()}, nil
}

// MediaRoot is the media bucket's prefix the CDN serves as /media/*: keys keep
// it, so a key is also the path of its URL.
const MediaRoot = "media/"

// MediaPrefix is where one attempt at transcoding a video writes its renditions:
// media/answers/<answer id>/<video id>/<attempt>/. Each attempt has its own
// prefix, so objects are written once and can be cached as immutable.
func MediaPrefix(answerID, videoID string, attempt int) string {
	return path.Join(MediaRoot+"answers", answerID, videoID, strconv.Itoa(attempt)) + "/"
}

// MediaURL is the URL of a media key under base, the URL that serves the media
// bucket's keys ("" for the site's own origin, where CloudFront serves /media/*;
// http://localhost:8080 locally).
func MediaURL(base, key string) string {
	if key == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/" + key
}

// Content types and cache headers of what the transcoder writes. Segments,
// rendition playlists and the poster of an attempt never change (a new attempt
// writes under a new prefix), so browsers and the CDN may keep them for a year;
// the master playlist is rewritten as higher renditions land, so it is cached
// briefly.
const (
	TypePlaylist   = "application/vnd.apple.mpegurl"
	TypeTS         = "video/mp2t"
	TypeMP4        = "video/mp4"
	TypeJPEG       = "image/jpeg"
	CacheImmutable = "public, max-age=31536000, immutable"
	CacheMaster    = "public, max-age=10, s-maxage=10"
)

// MediaType returns the content type of a transcoder output file by its name.
func MediaType(name string) string {
	switch path.Ext(name) {
	case ".m3u8":
		return TypePlaylist
	case ".ts":
		return TypeTS
	case ".mp4", ".m4s":
		return TypeMP4
	case ".jpg", ".jpeg":
		return TypeJPEG
	}
	return "application/octet-stream"
}

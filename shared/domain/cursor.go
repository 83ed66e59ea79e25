package domain

import (
	"encoding/base64"
	"strings"
	"time"
)

// Keyset cursors for lists ordered by (time, id): the moderation queue (oldest
// first) and the public log (newest first). A cursor is the last item's position,
// so items added meanwhile never make a page repeat or skip one, as offsets would.
// It is base64url (unpadded) of "<RFC 3339 time with nanoseconds>|<uuid>".

// MaxCursorChars bounds what is decoded (a real cursor is about 90 characters).
const MaxCursorChars = 128

// EncodeKeyset returns the cursor of the position (t, id).
func EncodeKeyset(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(t.UTC().Format(time.RFC3339Nano) + "|" + id))
}

// DecodeKeyset reads a cursor; ok is false when it is not one EncodeKeyset made.
func DecodeKeyset(s string) (t time.Time, id string, ok bool) {
	if s == "" || len(s) > MaxCursorChars {
		return t, "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return t, "", false
	}
	ts, raw, found := strings.Cut(string(b), "|")
	if !found {
		return t, "", false
	}
	if t, err = time.Parse(time.RFC3339Nano, ts); err != nil {
		return time.Time{}, "", false
	}
	if id, ok = ParseID(raw); !ok {
		return time.Time{}, "", false
	}
	return t, id, true
}

package domain

import (
	"github.com/google/uuid"
)

// ValidSlug reports whether s can be a city slug: lower-case letters, digits and
// inner hyphens, 2 to 64 characters (the cities table checks the same). Anything else is a malformed id (400), not an
// unknown one (404).
//
// A loop rather than a regular expression: every city route checks its slug, and
// regexp cost about a microsecond of each cached read (and compiled at start-up).
func ValidSlug(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case lowerAlnum(c):
		case c == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

func lowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// ParseID returns the canonical form of a UUID given in a URL, or false when it is
// not one. Only the canonical hyphenated 36-character form is accepted so that one
// resource has one URL (and one cache entry).
func ParseID(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return "", false
	}
	return u.String(), true
}

package domain

import (
	"regexp"

	"github.com/google/uuid"
)

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$`)

// ValidSlug reports whether s can be a city slug: lower-case letters, digits and
// inner hyphens, 2 to 64 characters (the cities table checks the same). Anything else is a malformed id (400), not an
// unknown one (404).
func ValidSlug(s string) bool { return slugRE.MatchString(s) }

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

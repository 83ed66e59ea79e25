package domain

import (
	"regexp"
	"strings"
	"testing"
)

func TestValidSlug(t *testing.T) {
	for s, want := range map[string]bool{
		"riverton": true, "san-luis-obispo": true, "a1": true, "x": false,
		"": false, "-riverton": false, "riverton-": false, "River": false,
		"riv ton": false, "riv_ton": false, "../etc": false,
		"a234567890123456789012345678901234567890123456789012345678901234":  true,
		"a2345678901234567890123456789012345678901234567890123456789012345": false,
	} {
		if got := ValidSlug(s); got != want {
			t.Errorf("ValidSlug(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseID(t *testing.T) {
	id, ok := ParseID("3F2504E0-4F89-11D3-9A0C-0305E82C3301")
	if !ok || id != "3f2504e0-4f89-11d3-9a0c-0305e82c3301" {
		t.Fatalf("ParseID upper-case = %q, %v", id, ok)
	}
	for _, s := range []string{"", "42", "3f2504e04f8911d39a0c0305e82c3301", "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}", "zz2504e0-4f89-11d3-9a0c-0305e82c3301"} {
		if _, ok := ParseID(s); ok {
			t.Errorf("ParseID(%q) accepted", s)
		}
	}
}

// The hand-written checks accept exactly what the regular expressions they
// replaced accepted.
func TestSlugAndTagChecksMatchTheirPatterns(t *testing.T) {
	slugRE := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$`)
	tagRE := regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	inputs := []string{"", "a", "ab", "a-b", "-ab", "ab-", "a--b", "riverton", "Riverton", "new-york-city",
		"a_b", "ab c", "é", "a.b", "0", "00", "9-9", strings.Repeat("a", 64), strings.Repeat("a", 65),
		"a" + strings.Repeat("-", 62) + "a", "public-safety", "-", "--", "a-", "x\n"}
	// And every string of up to three characters over a small alphabet.
	alphabet := "a0-_A"
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		inputs = append(inputs, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			gen(prefix+string(c), n-1)
		}
	}
	gen("", 3)
	for _, s := range inputs {
		if got, want := ValidSlug(s), slugRE.MatchString(s); got != want {
			t.Errorf("ValidSlug(%q) = %v, want %v", s, got, want)
		}
		if got, want := validTag(s), tagRE.MatchString(s); got != want {
			t.Errorf("validTag(%q) = %v, want %v", s, got, want)
		}
	}
}

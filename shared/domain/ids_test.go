package domain

import "testing"

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

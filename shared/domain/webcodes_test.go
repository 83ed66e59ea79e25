package domain

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// The web app offers moderators, admins and residents these codes in its forms
// (web/src/codes.json); the API refuses any other. A code added here and not
// there (or the reverse) fails this test.
func TestWebAppCodesMatch(t *testing.T) {
	b, err := os.ReadFile("../../web/src/codes.json")
	if err != nil {
		t.Fatal(err)
	}
	var web struct {
		RejectionCodes      []string `json:"rejectionCodes"`
		ClaimRejectionCodes []string `json:"claimRejectionCodes"`
		ReportReasons       []string `json:"reportReasons"`
	}
	if err := json.Unmarshal(b, &web); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		web, here []string
	}{
		{"rejectionCodes", web.RejectionCodes, RejectionCodes},
		{"claimRejectionCodes", web.ClaimRejectionCodes, ClaimRejectionCodes},
		{"reportReasons", web.ReportReasons, ReportReasons},
	} {
		if !slices.Equal(c.web, c.here) {
			t.Errorf("web/src/codes.json %s = %q; the API's are %q", c.name, c.web, c.here)
		}
	}
}

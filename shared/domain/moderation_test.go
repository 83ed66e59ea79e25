package domain

import (
	"strings"
	"testing"
	"time"
)

func fields(errs []FieldError) string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return strings.Join(out, ",")
}

func TestModerationInputs(t *testing.T) {
	id := "7d7c1c2e-5f6a-4b8e-9a41-0c2f3e4d5a6b"
	long := strings.Repeat("x", 1001)
	for _, tc := range []struct {
		name string
		bad  string // the invalid fields, in order ("" when valid)
		got  []FieldError
	}{
		{"reject ok", "", second(RejectInput{ReasonCode: "spam", ReasonText: " Posted ten times. "}.Clean())},
		{"reject unknown code, no text", "reasonCode,reasonText", second(RejectInput{ReasonCode: "rude"}.Clean())},
		{"reject text too long", "reasonText", second(RejectInput{ReasonCode: "other", ReasonText: long}.Clean())},
		{"merge ok", "", second(MergeInput{Into: id}.Clean())},
		{"merge bad id", "into", second(MergeInput{Into: "7D7C1C2E5F6A4B8E9A410C2F3E4D5A6B"}.Clean())},
		{"report ok", "", second(ReportInput{TargetType: "answer", TargetID: id, Reason: "doxxing"}.Clean())},
		{"report all wrong", "targetType,targetId,reason,details", second(ReportInput{TargetType: "video", TargetID: "x", Reason: "boring", Details: long}.Clean())},
		{"review dismiss", "", second(ReviewInput{TargetType: "question", TargetID: id, Decision: "dismiss"}.Clean())},
		{"review dismiss with a code", "reasonCode", second(ReviewInput{TargetType: "question", TargetID: id, Decision: "dismiss", ReasonCode: "spam"}.Clean())},
		{"review uphold needs code and text", "reasonText,reasonCode", second(ReviewInput{TargetType: "question", TargetID: id, Decision: "uphold"}.Clean())},
		{"review unknown decision", "decision", second(ReviewInput{TargetType: "question", TargetID: id, Decision: "delete"}.Clean())},
		{"claim ok", "", second(ClaimInput{FilingID: " RIV-2027-MAY-003 "}.Clean())},
		{"claim empty", "filingId", second(ClaimInput{FilingID: "   "}.Clean())},
		{"claim control char", "filingId", second(ClaimInput{FilingID: "RIV\x00"}.Clean())},
		{"claim too long", "filingId", second(ClaimInput{FilingID: strings.Repeat("9", 101)}.Clean())},
		{"decision approve", "", second(ClaimDecision{Decision: "approve"}.Clean())},
		{"decision reject needs reason", "reasonText,reasonCode", second(ClaimDecision{Decision: "reject"}.Clean())},
		{"decision reject ok", "", second(ClaimDecision{Decision: "reject", ReasonCode: "filing-mismatch", ReasonText: "Other race."}.Clean())},
		{"profile ok", "", second(ProfileInput{Bio: "Bio.", Website: "https://a.example", PhotoURL: "http://b.example/p.jpg"}.Clean())},
		{"profile bad links", "website,photoUrl", second(ProfileInput{Website: "javascript:alert(1)", PhotoURL: "https://a.example/\"><script>"}.Clean())},
		{"profile bio too long", "bio", second(ProfileInput{Bio: strings.Repeat("b", 5001)}.Clean())},
	} {
		if got := fields(tc.got); got != tc.bad {
			t.Errorf("%s: invalid fields %q; want %q (%v)", tc.name, got, tc.bad, tc.got)
		}
	}
	if in, _ := (ReviewInput{TargetType: "question", TargetID: id, Decision: "dismiss"}).Clean(); in.ReasonCode != CodeNoViolation {
		t.Errorf("a dismissal's default code = %q", in.ReasonCode)
	}
	if in, _ := (RejectInput{ReasonCode: "spam", ReasonText: "  x  "}).Clean(); in.ReasonText != "x" {
		t.Errorf("text not trimmed: %q", in.ReasonText)
	}
}

func second[T any](_ T, errs []FieldError) []FieldError { return errs }

func TestStateRules(t *testing.T) {
	q := func(id, contest, status string) Question { return Question{ID: id, ContestID: contest, Status: status} }
	for _, tc := range []struct {
		src, dst Question
		ok       bool
	}{
		{q("a", "c", StatusApproved), q("b", "c", StatusApproved), true},
		{q("a", "c", StatusPending), q("b", "c", StatusApproved), true},
		{q("a", "c", StatusApproved), q("a", "c", StatusApproved), false},
		{q("a", "c", StatusApproved), q("b", "d", StatusApproved), false},
		{q("a", "c", StatusMerged), q("b", "c", StatusApproved), false},
		{q("a", "c", StatusRejected), q("b", "c", StatusApproved), false},
		{q("a", "c", StatusApproved), q("b", "c", StatusPending), false},
		{q("a", "c", StatusApproved), q("b", "c", StatusMerged), false},
	} {
		if got := MergeProblem(tc.src, tc.dst) == ""; got != tc.ok {
			t.Errorf("MergeProblem(%+v, %+v) allowed=%v; want %v", tc.src, tc.dst, got, tc.ok)
		}
	}
	if AppealProblem(StatusRejected, false) != "" || AppealProblem(StatusRejected, true) == "" || AppealProblem(StatusPending, false) == "" {
		t.Error("an appeal is for a rejected question, once")
	}
	if !CanApprove(StatusPending) || CanApprove(StatusApproved) || CanApprove(StatusRejected) {
		t.Error("only pending questions are approved")
	}
	if !CanReject(StatusPending) || !CanReject(StatusApproved) || CanReject(StatusMerged) || CanReject(StatusRejected) {
		t.Error("pending and approved questions are rejected")
	}
	if ShouldHide(2, 3) || !ShouldHide(3, 3) || !ShouldHide(4, 3) || ShouldHide(5, 0) {
		t.Error("hidden at the threshold")
	}
}

func TestKeysetCursor(t *testing.T) {
	at := time.Date(2026, 11, 20, 18, 0, 0, 123456000, time.FixedZone("PST", -8*3600))
	id := "7d7c1c2e-5f6a-4b8e-9a41-0c2f3e4d5a6b"
	c := EncodeKeyset(at, id)
	gotT, gotID, ok := DecodeKeyset(c)
	if !ok || !gotT.Equal(at) || gotID != id {
		t.Fatalf("round trip: %v %v %v", gotT, gotID, ok)
	}
	for _, bad := range []string{"", "x", "!!!", EncodeKeyset(at, "not-a-uuid"), strings.Repeat("A", 200),
		"MjAyNi0xMS0yMFQxODowMDowMFo"} {
		if _, _, ok := DecodeKeyset(bad); ok {
			t.Errorf("DecodeKeyset(%q) accepted", bad)
		}
	}
}

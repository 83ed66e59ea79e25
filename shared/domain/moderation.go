package domain

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Reasons a resident may give when reporting content: the product's fixed list
// (the reports table checks the same, migrations/00006).
var ReportReasons = []string{"spam", "doxxing", "threats", "harassment", "off-topic", "misinformation", "other"}

// RejectionCodes are the reasons a question may be rejected for (the questions
// table checks the same, migrations/00008). The moderator's text explains the code
// to the author.
var RejectionCodes = []string{"spam", "off-topic", "harassment", "threats", "doxxing", "misinformation",
	"not-a-question", "duplicate", "other"}

// ClaimRejectionCodes are the reasons city staff may turn down a candidate claim.
var ClaimRejectionCodes = []string{"filing-not-found", "filing-mismatch", "identity-unconfirmed", "other"}

// Codes the log records when none is given.
const (
	CodeMeetsGuidelines = "meets-guidelines" // a question approved
	CodeFilingMatched   = "filing-matched"   // a claim approved
	CodeDuplicate       = "duplicate"        // a question merged
	CodeReportThreshold = "report-threshold" // content hidden by reports
	CodeNoViolation     = "no-violation"     // reports dismissed
)

// Bounds of moderation inputs; the tables check the same.
const (
	ReasonTextMaxChars = 1000
	FilingIDMaxChars   = 100
	BioMaxChars        = 5000
	URLMaxChars        = 2048
)

// Roles held in one city (user_roles.role), and the other roles the public log names.
const (
	RoleModerator = "moderator"
	RoleCityAdmin = "city_admin"
	RoleSystem    = "system" // an automatic action, e.g. hiding at the report threshold
	RoleAuthor    = "author" // the question's author (an appeal)
)

// Moderation actions (moderation_actions.action).
const (
	ActionApprove      = "approve"
	ActionReject       = "reject"
	ActionMerge        = "merge"
	ActionHide         = "hide"
	ActionUnhide       = "unhide"
	ActionDismiss      = "dismiss_report"
	ActionUphold       = "uphold_report"
	ActionAppeal       = "appeal"
	ActionApproveClaim = "approve_claim"
	ActionRejectClaim  = "reject_claim"
)

// What can be reported (reports.target_type).
const (
	TargetQuestion = "question"
	TargetAnswer   = "answer"
)

// Review decisions.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
	DecisionDismiss = "dismiss"
	DecisionUphold  = "uphold"
)

// cleanText trims s and reports a problem when it is not text of at most max
// characters (or empty when required).
func cleanText(field, s string, max int, required bool) (string, *FieldError) {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		return s, &FieldError{field, "must be valid UTF-8 text"}
	case required && s == "":
		return s, &FieldError{field, "is required"}
	case utf8.RuneCountInString(s) > max:
		return s, &FieldError{field, "must be at most " + strconv.Itoa(max) + " characters"}
	}
	return s, nil
}

func oneOf(field, v string, list []string) *FieldError {
	if slices.Contains(list, v) {
		return nil
	}
	return &FieldError{field, "must be one of: " + strings.Join(list, ", ")}
}

func collect(errs ...*FieldError) []FieldError {
	var out []FieldError
	for _, e := range errs {
		if e != nil {
			out = append(out, *e)
		}
	}
	return out
}

// RejectInput is a moderator's rejection of a question: a code from
// RejectionCodes and the text the author is shown.
type RejectInput struct {
	ReasonCode string `json:"reasonCode"`
	ReasonText string `json:"reasonText"`
}

// Clean checks a rejection; the text is required, since the author is owed a reason.
func (in RejectInput) Clean() (RejectInput, []FieldError) {
	var e2 *FieldError
	in.ReasonText, e2 = cleanText("reasonText", in.ReasonText, ReasonTextMaxChars, true)
	return in, collect(oneOf("reasonCode", in.ReasonCode, RejectionCodes), e2)
}

// MergeInput merges a question into another question of the same contest.
type MergeInput struct {
	Into       string `json:"into"`
	ReasonText string `json:"reasonText,omitempty"`
}

// Clean checks a merge request.
func (in MergeInput) Clean() (MergeInput, []FieldError) {
	var e1, e2 *FieldError
	if id, ok := ParseID(in.Into); ok {
		in.Into = id
	} else {
		e1 = &FieldError{"into", "must be the id (a UUID) of the question to merge into"}
	}
	in.ReasonText, e2 = cleanText("reasonText", in.ReasonText, ReasonTextMaxChars, false)
	return in, collect(e1, e2)
}

// ReportInput is a resident's report of a question or an answer.
type ReportInput struct {
	TargetType string `json:"targetType"`
	TargetID   string `json:"targetId"`
	Reason     string `json:"reason"`
	Details    string `json:"details,omitempty"`
}

// Clean checks a report.
func (in ReportInput) Clean() (ReportInput, []FieldError) {
	var errs []*FieldError
	errs = append(errs, oneOf("targetType", in.TargetType, []string{TargetQuestion, TargetAnswer}))
	if id, ok := ParseID(in.TargetID); ok {
		in.TargetID = id
	} else {
		errs = append(errs, &FieldError{"targetId", "must be the id (a UUID) of the question or answer"})
	}
	errs = append(errs, oneOf("reason", in.Reason, ReportReasons))
	var e *FieldError
	in.Details, e = cleanText("details", in.Details, ReasonTextMaxChars, false)
	return in, collect(append(errs, e)...)
}

// ReviewInput is a moderator's decision on the open reports of one item: dismiss
// them (the item is shown again) or uphold them (a question is rejected with the
// code; an answer stays hidden).
type ReviewInput struct {
	TargetType string `json:"targetType"`
	TargetID   string `json:"targetId"`
	Decision   string `json:"decision"`
	ReasonCode string `json:"reasonCode,omitempty"`
	ReasonText string `json:"reasonText,omitempty"`
}

// Clean checks a review; upholding needs a code from RejectionCodes and a text.
func (in ReviewInput) Clean() (ReviewInput, []FieldError) {
	var errs []*FieldError
	errs = append(errs, oneOf("targetType", in.TargetType, []string{TargetQuestion, TargetAnswer}))
	if id, ok := ParseID(in.TargetID); ok {
		in.TargetID = id
	} else {
		errs = append(errs, &FieldError{"targetId", "must be the id (a UUID) of the question or answer"})
	}
	errs = append(errs, oneOf("decision", in.Decision, []string{DecisionDismiss, DecisionUphold}))
	uphold := in.Decision == DecisionUphold
	var e *FieldError
	in.ReasonText, e = cleanText("reasonText", in.ReasonText, ReasonTextMaxChars, uphold)
	errs = append(errs, e)
	errs = append(errs, decisionCode(uphold, &in.ReasonCode, RejectionCodes, CodeNoViolation, "dismissing"))
	return in, collect(errs...)
}

// ClaimInput is a candidate's claim of their record: the filing id the city's
// elections office gave them, which staff check before approving.
type ClaimInput struct {
	FilingID string `json:"filingId"`
}

// Clean checks a claim: 1 to 100 printable characters.
func (in ClaimInput) Clean() (ClaimInput, []FieldError) {
	var e *FieldError
	in.FilingID, e = cleanText("filingId", in.FilingID, FilingIDMaxChars, true)
	if e == nil && strings.IndexFunc(in.FilingID, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		e = &FieldError{"filingId", "must be printable characters only"}
	}
	return in, collect(e)
}

// ClaimDecision is a city admin's decision on a pending claim.
type ClaimDecision struct {
	Decision   string `json:"decision"`
	ReasonCode string `json:"reasonCode,omitempty"`
	ReasonText string `json:"reasonText,omitempty"`
}

// Clean checks a decision: rejecting needs a code from ClaimRejectionCodes and a
// text (the claimant sees it, and so does the public log).
func (in ClaimDecision) Clean() (ClaimDecision, []FieldError) {
	errs := []*FieldError{oneOf("decision", in.Decision, []string{DecisionApprove, DecisionReject})}
	reject := in.Decision == DecisionReject
	var e *FieldError
	in.ReasonText, e = cleanText("reasonText", in.ReasonText, ReasonTextMaxChars, reject)
	errs = append(errs, e)
	errs = append(errs, decisionCode(reject, &in.ReasonCode, ClaimRejectionCodes, CodeFilingMatched, "approving"))
	return in, collect(errs...)
}

// ProfileInput is what a verified candidate may change on their public profile.
type ProfileInput struct {
	Bio      string `json:"bio"`
	Website  string `json:"website,omitempty"`
	PhotoURL string `json:"photoUrl,omitempty"`
}

// Clean checks a profile: the bio up to 5000 characters, links http(s) up to 2048.
func (in ProfileInput) Clean() (ProfileInput, []FieldError) {
	var e1 *FieldError
	in.Bio, e1 = cleanText("bio", in.Bio, BioMaxChars, false)
	link := func(field string, s *string) *FieldError {
		*s = strings.TrimSpace(*s)
		if *s == "" {
			return nil
		}
		if len(*s) > URLMaxChars || !(strings.HasPrefix(*s, "https://") || strings.HasPrefix(*s, "http://")) ||
			strings.ContainsAny(*s, " \t\r\n\"<>") {
			return &FieldError{field, "must be an http(s) link of at most 2048 characters"}
		}
		return nil
	}
	return in, collect(e1, link("website", &in.Website), link("photoUrl", &in.PhotoURL))
}

// CanApprove reports whether a question in this status may be approved: only a
// pending one (new, or back in the queue after an appeal).
func CanApprove(status string) bool { return status == StatusPending }

// CanReject reports whether a question in this status may be rejected.
func CanReject(status string) bool { return status == StatusPending || status == StatusApproved }

// MergeProblem says why a question (src) may not be merged into another (dst), or
// "" when it may: both of the same contest, the source still live, the target
// approved (it is where the source's readers are sent).
func MergeProblem(src, dst Question) string {
	switch {
	case src.ID == dst.ID:
		return "A question cannot be merged into itself."
	case src.ContestID != dst.ContestID:
		return "Questions can only be merged within one contest."
	case src.Status != StatusPending && src.Status != StatusApproved:
		return "This question is " + src.Status + ": only pending or approved questions can be merged."
	case dst.Status != StatusApproved:
		return "The target question is " + dst.Status + ": merge into an approved question."
	}
	return ""
}

// AppealProblem says why a question's author may not appeal, or "" when they may:
// only a rejected question, and only once.
func AppealProblem(status string, appealed bool) string {
	switch {
	case status != StatusRejected:
		return "Only a rejected question can be appealed; this one is " + status + "."
	case appealed:
		return "This question has already been appealed once."
	}
	return ""
}

// ShouldHide reports whether content with this many open reports is hidden until a
// moderator reviews it (the city's report_hide_threshold).
func ShouldHide(openReports, threshold int) bool {
	return threshold > 0 && openReports >= threshold
}

// LogEntry is one action on a city's public moderation log. It names the actor's
// role only, never who they are.
type LogEntry struct {
	ID         string    `json:"id"`
	ActorRole  string    `json:"actorRole"`
	Action     string    `json:"action"`
	TargetType string    `json:"targetType"`
	TargetID   string    `json:"targetId"`
	RelatedID  string    `json:"relatedId,omitempty"` // a merge's target question
	ReasonCode string    `json:"reasonCode,omitempty"`
	ReasonText string    `json:"reasonText,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
}

// QueueItem is one item waiting for a moderator: a pending question (new or
// appealed) or reported content, whichever came first.
type QueueItem struct {
	TargetType string    `json:"targetType"`
	TargetID   string    `json:"targetId"`
	Since      time.Time `json:"since"` // when it started waiting
	ContestID  string    `json:"contestId"`
	// For a question: its text and state. For an answer: its question and candidate.
	Text            string     `json:"text,omitempty"`
	Status          string     `json:"status"`
	Hidden          bool       `json:"hidden"`
	AppealedAt      *time.Time `json:"appealedAt,omitempty"`
	RejectionCode   string     `json:"rejectionCode,omitempty"`
	RejectionReason string     `json:"rejectionReason,omitempty"`
	QuestionID      string     `json:"questionId,omitempty"`
	CandidateID     string     `json:"candidateId,omitempty"`
	OpenReports     int        `json:"openReports"`
	ReportReasons   []string   `json:"reportReasons"`
}

// Claim is a pending claim of a candidate record, as city staff review it.
type Claim struct {
	CandidateID   string    `json:"candidateId"`
	CandidateName string    `json:"candidateName"`
	ContestID     string    `json:"contestId"`
	FilingID      string    `json:"filingId"`
	Verification  string    `json:"verification"`
	ClaimantID    string    `json:"claimantId"`
	ClaimantName  string    `json:"claimantName"`
	ClaimantEmail string    `json:"claimantEmail"`
	ClaimedAt     time.Time `json:"claimedAt"`
}

// CityModerator is a holder of a role in one city, as the city's admins see it.
type CityModerator struct {
	UserID      string    `json:"userId"`
	DisplayName string    `json:"displayName"`
	Email       string    `json:"email"`
	Role        string    `json:"role"`
	GrantedAt   time.Time `json:"grantedAt"`
}

// decisionCode checks the reason code of a two-way decision. The adverse side
// (refuse) needs one of codes, because the person affected and the public log
// are told why; the other side needs no code and may only carry def, which it
// defaults to. verb names that side in the error ("approving", "dismissing").
func decisionCode(refuse bool, code *string, codes []string, def, verb string) *FieldError {
	switch {
	case refuse:
		return oneOf("reasonCode", *code, codes)
	case *code == "":
		*code = def
	case *code != def:
		return &FieldError{"reasonCode", verb + " takes no code (or \"" + def + "\")"}
	}
	return nil
}

// Package routes is CivicQ's route table: the single source of truth for which
// functions exist, how they are reached and what they may use. It is pure data so
// that every consumer reads the same rows: the CDK stack builds one Lambda and one
// HTTP API route per row, the local gateway mounts the same rows, and a test checks
// that each row has its functions/<name> folder and events/<name> fixtures.
package routes

import "strings"

// Access says who may call a route; the HTTP API's JWT authorizer (and the local
// gateway, which verifies tokens the same way) enforces it before the function runs.
type Access string

const (
	// Public routes run without a token. They must not depend on who calls them,
	// so their responses can be cached by CloudFront.
	Public Access = "public"
	// Caller routes need a valid bearer JWT; the function reads its claims from the
	// request context.
	Caller Access = "caller"
)

// Rule says which callers a route admits once the token (if any) is valid. It is
// the one place permissions are declared: the handler enforces its row's rule
// (the per-city ones need the database), and a table-driven test drives every row
// with every kind of caller, so a route added without a rule fails.
type Rule string

const (
	// Anyone: no caller needed (Public routes only).
	Anyone Rule = "anyone"
	// SignedIn: any caller with a valid token, verified email or not.
	SignedIn Rule = "signed-in"
	// Verified: a resident whose email is verified.
	Verified Rule = "verified"
	// CandidateOfRecord: the verified account whose claim of the candidate record
	// the request acts for was approved by that city's staff.
	CandidateOfRecord Rule = "candidate-of-record"
	// CityModerator: a moderator or city admin of the city in the path.
	CityModerator Rule = "city-moderator"
	// CityAdmin: a city admin of the city in the path.
	CityAdmin Rule = "city-admin"
)

// Access to the database a function needs. CDK grants the reader endpoint to Read
// functions and the writer to Write ones; a read route never gets write rights.
type DBAccess string

const (
	DBNone  DBAccess = "none"
	DBRead  DBAccess = "read"
	DBWrite DBAccess = "write"
)

// Route is one row of the table: one HTTP API route served by one Lambda function.
type Route struct {
	Name     string   // function name: functions/<Name>, events/<Name>, build/<Name>
	Method   string   // HTTP method, upper case
	Path     string   // API Gateway path template, e.g. /api/cities/{city}/ballot
	Access   Access   // whether the authorizer requires a token
	Who      Rule     // which callers the function then admits
	DB       DBAccess // database rights it needs
	Cache    bool     // whether it uses Redis
	MemoryMB int      // Lambda memory size
	Timeout  int      // Lambda timeout in seconds
	// MaxBody is the largest request body accepted, in bytes (0: no body expected,
	// the shared runtime still applies a small default so junk is refused early).
	MaxBody int64
	// Uploads: the function presigns uploads to the uploads bucket (CDK gives it
	// UPLOADS_BUCKET and s3:PutObject there, which a presigned POST acts with).
	Uploads bool
	Summary string // one line for the README and the local gateway's index
}

// Pattern is the row as a net/http ServeMux pattern ("GET /api/cities/{city}").
// API Gateway path templates and Go 1.22 patterns share the {name} syntax.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// Task is a function that is not behind the HTTP API: it is invoked by
// CloudFormation (a custom resource) or by an event source such as SQS.
type Task struct {
	Name     string
	Trigger  string // "custom-resource" or "sqs"
	DB       DBAccess
	MemoryMB int
	Timeout  int
	Summary  string
}

// Table lists every HTTP route. Keep it sorted by path so the README and the
// gateway index read in a stable order.
var Table = []Route{
	{Name: "health", Method: "GET", Path: "/api/health", Access: Public, Who: Anyone, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 5, Summary: "liveness and dependency status"},
	{Name: "list-cities", Method: "GET", Path: "/api/cities", Access: Public, Who: Anyone, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "cities served, with their current election"},
	{Name: "get-ballot", Method: "GET", Path: "/api/cities/{city}/ballot", Access: Public, Who: Anyone, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "a city's upcoming or current election at a glance: contests, candidates, measure summaries"},
	{Name: "get-candidate", Method: "GET", Path: "/api/cities/{city}/candidates/{candidate}", Access: Public, Who: Anyone, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "one candidate's profile"},
	{Name: "update-candidate", Method: "PUT", Path: "/api/cities/{city}/candidates/{candidate}", Access: Caller, Who: CandidateOfRecord, DB: DBWrite, Cache: true,
		MemoryMB: 128, Timeout: 10, MaxBody: 16 << 10, Summary: "the verified candidate of the record edits their profile (bio, website, photo)"},
	{Name: "claim-candidate", Method: "POST", Path: "/api/cities/{city}/candidates/{candidate}/claim", Access: Caller, Who: Verified, DB: DBWrite, Cache: true,
		MemoryMB: 128, Timeout: 10, MaxBody: 1 << 10, Summary: "a verified resident claims a candidate record with a filing id (pending the city admin)"},
	{Name: "decide-claim", Method: "POST", Path: "/api/cities/{city}/candidates/{candidate}/claim/decision", Access: Caller, Who: CityAdmin, DB: DBWrite, Cache: true,
		MemoryMB: 128, Timeout: 10, MaxBody: 4 << 10, Summary: "the city admin approves or rejects a candidate claim, with a reason on the public log"},
	{Name: "list-claims", Method: "GET", Path: "/api/cities/{city}/claims", Access: Caller, Who: CityAdmin, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "the city's pending candidate claims, for its admins"},
	{Name: "list-candidate-answers", Method: "GET", Path: "/api/cities/{city}/candidates/{candidate}/answers", Access: Caller, Who: CandidateOfRecord, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "the candidate of record lists their answers: state, transcoding percent, failure reason (their question queue)"},
	{Name: "get-answer-progress", Method: "GET", Path: "/api/cities/{city}/candidates/{candidate}/answers/{question}", Access: Caller, Who: CandidateOfRecord, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "the candidate of record follows their answer: state, transcoding percent, failure reason, playback"},
	{Name: "request-answer-upload", Method: "POST", Path: "/api/cities/{city}/candidates/{candidate}/answers/{question}/upload", Access: Caller, Who: CandidateOfRecord, DB: DBWrite, Cache: true,
		MemoryMB: 128, Timeout: 10, MaxBody: 1 << 10, Uploads: true, Summary: "the candidate of record gets a presigned upload for their video answer to a question of their contest"},
	{Name: "get-contest", Method: "GET", Path: "/api/cities/{city}/contests/{contest}", Access: Public, Who: Anyone, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "one contest with its candidates or its measure"},
	{Name: "list-questions", Method: "GET", Path: "/api/cities/{city}/contests/{contest}/questions", Access: Public, Who: Anyone, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "a contest's approved questions by top, new, hot or controversial, a page at a time"},
	{Name: "ask-question", Method: "POST", Path: "/api/cities/{city}/contests/{contest}/questions", Access: Caller, Who: Verified, DB: DBWrite, Cache: true,
		MemoryMB: 256, Timeout: 10, MaxBody: 8 << 10, Summary: "a verified resident asks the candidates of a contest a question"},
	{Name: "similar-questions", Method: "GET", Path: "/api/cities/{city}/contests/{contest}/questions/similar", Access: Public, Who: Anyone, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "the contest's questions closest to a text being typed"},
	{Name: "moderation-log", Method: "GET", Path: "/api/cities/{city}/moderation/log", Access: Public, Who: Anyone, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "the city's public moderation log: role, action, target, reason, when; newest first"},
	{Name: "moderation-queue", Method: "GET", Path: "/api/cities/{city}/moderation/queue", Access: Caller, Who: CityModerator, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "pending questions and reported content of the city, oldest first"},
	{Name: "list-moderators", Method: "GET", Path: "/api/cities/{city}/moderators", Access: Caller, Who: CityAdmin, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "who holds a role in the city, for its admins"},
	{Name: "grant-moderator", Method: "PUT", Path: "/api/cities/{city}/moderators/{user}", Access: Caller, Who: CityAdmin, DB: DBWrite, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "the city admin makes a user a moderator of the city"},
	{Name: "revoke-moderator", Method: "DELETE", Path: "/api/cities/{city}/moderators/{user}", Access: Caller, Who: CityAdmin, DB: DBWrite, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "the city admin takes the moderator role of the city from a user"},
	{Name: "get-question", Method: "GET", Path: "/api/cities/{city}/questions/{question}", Access: Public, Who: Anyone, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "one question: counters, versions, why it ranks there, answered by X of N"},
	{Name: "appeal-question", Method: "POST", Path: "/api/cities/{city}/questions/{question}/appeal", Access: Caller, Who: Verified, DB: DBWrite, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "the author of a rejected question appeals once; it goes back to the queue"},
	{Name: "approve-question", Method: "POST", Path: "/api/cities/{city}/questions/{question}/approve", Access: Caller, Who: CityModerator, DB: DBWrite, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "a moderator of the city publishes a pending question"},
	{Name: "merge-question", Method: "POST", Path: "/api/cities/{city}/questions/{question}/merge", Access: Caller, Who: CityModerator, DB: DBWrite, Cache: true,
		MemoryMB: 128, Timeout: 10, MaxBody: 2 << 10, Summary: "a moderator merges a duplicate into another question of the contest (votes move once)"},
	{Name: "reject-question", Method: "POST", Path: "/api/cities/{city}/questions/{question}/reject", Access: Caller, Who: CityModerator, DB: DBWrite, Cache: true,
		MemoryMB: 128, Timeout: 10, MaxBody: 4 << 10, Summary: "a moderator rejects a question with a reason code and a text for the author"},
	{Name: "get-my-vote", Method: "GET", Path: "/api/cities/{city}/questions/{question}/vote", Access: Caller, Who: SignedIn, DB: DBRead, Cache: true,
		MemoryMB: 128, Timeout: 10, Summary: "the caller's own vote on a question"},
	{Name: "get-me", Method: "GET", Path: "/api/me", Access: Caller, Who: SignedIn, DB: DBWrite, Cache: false,
		MemoryMB: 128, Timeout: 10, Summary: "the caller: profile, roles per city, candidate claims, own questions with moderation status"},
	{Name: "vote-question", Method: "PUT", Path: "/api/cities/{city}/questions/{question}/vote", Access: Caller, Who: Verified, DB: DBWrite, Cache: true,
		MemoryMB: 256, Timeout: 10, MaxBody: 256, Summary: "a verified resident votes a question up (1), down (-1) or clears (0)"},
	{Name: "report-content", Method: "POST", Path: "/api/cities/{city}/reports", Access: Caller, Who: Verified, DB: DBWrite, Cache: true,
		MemoryMB: 128, Timeout: 10, MaxBody: 4 << 10, Summary: "a verified resident reports a question or answer (once; hidden at the city's threshold)"},
	{Name: "review-reports", Method: "POST", Path: "/api/cities/{city}/reports/decision", Access: Caller, Who: CityModerator, DB: DBWrite, Cache: true,
		MemoryMB: 128, Timeout: 10, MaxBody: 4 << 10, Summary: "a moderator dismisses or upholds the open reports of one item"},
}

// Tasks lists every function that is not an HTTP route.
var Tasks = []Task{
	{Name: "migrate", Trigger: "custom-resource", DB: DBWrite, MemoryMB: 256, Timeout: 300,
		Summary: "applies the embedded SQL migrations (run by CloudFormation on every deploy)"},
	// Sized from the ladder benchmark (shared/media, TestLadderVsReference): a 120 s
	// 1080p30 answer took 92 s wall on 2 cores; ffmpeg's peak RSS on a 1080p source
	// was 478 MB (an 8 s run of the same benchmark). 3538 MB is where Lambda gives
	// 2 vCPUs. The longest answer (180 s) then takes about 140 s; 900 s leaves room
	// for a slow start, the download and the uploads.
	{Name: "transcode", Trigger: "sqs", DB: DBWrite, MemoryMB: 3538, Timeout: 900,
		Summary: "transcodes an uploaded answer (S3 notification on SQS) into an HLS ladder and publishes it"},
}

// Names returns the name of every function, routes first, then tasks.
func Names() []string {
	names := make([]string, 0, len(Table)+len(Tasks))
	for _, r := range Table {
		names = append(names, r.Name)
	}
	for _, t := range Tasks {
		names = append(names, t.Name)
	}
	return names
}

// ByName finds a route row.
func ByName(name string) (Route, bool) {
	for _, r := range Table {
		if r.Name == name {
			return r, true
		}
	}
	return Route{}, false
}

// NeedsCaller reports whether a route requires a verified bearer token.
func (r Route) NeedsCaller() bool { return r.Access != Public }

// PathParams lists the names of the {params} in the path template, in order.
func (r Route) PathParams() []string {
	var out []string
	for _, seg := range strings.Split(r.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(seg, "{"), "}"))
		}
	}
	return out
}

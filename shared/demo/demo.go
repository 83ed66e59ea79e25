// Package demo loads believable demo data: the fictional city of Riverton, Oregon
// (a May 2027 ballot with a mayor race, two council races, a school board race and
// two ballot measures, plus a past special election) and a second small city,
// Lakeview, Washington, so that city scoping shows. The local stack loads it; tests
// use the exported ids.
package demo

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

//go:embed riverton.sql
var rivertonSQL string

// Ids of demo rows other packages and tests refer to. All rows in riverton.sql have
// fixed ids; see the file for the rest.
const (
	CitySlug = "riverton"                             // slug of the demo city
	CityID   = "c1000000-0000-4000-8000-000000000001" // Riverton, OR

	ElectionID       = "e1000000-0000-4000-8000-000000000001" // Riverton Municipal Election, 2027-05-18, upcoming
	PastElectionID   = "e1000000-0000-4000-8000-000000000002" // Riverton Special Election, 2025-11-04, past
	RaceContestID    = "c2000000-0000-4000-8000-000000000001" // Mayor (3 candidates), in ElectionID
	MeasureContestID = "c2000000-0000-4000-8000-000000000005" // Measure A: Parks and Library Levy, in ElectionID
	MeasureID        = "d1000000-0000-4000-8000-000000000001" // the measures row of MeasureContestID
	CandidateID      = "ca000000-0000-4000-8000-000000000001" // Dana Whitfield, mayor race, verified, claimed by CandidateUserID

	LakeviewCitySlug     = "lakeview"                             // slug of the second demo city
	LakeviewCityID       = "c1000000-0000-4000-8000-000000000002" // Lakeview, WA (moderation_mode 'auto')
	LakeviewElectionID   = "e1000000-0000-4000-8000-000000000003" // Lakeview General Election, 2027-11-02, upcoming
	LakeviewContestID    = "c2000000-0000-4000-8000-000000000008" // Lakeview Mayor (2 candidates)
	LakeviewModeratorID  = "b1000000-0000-4000-8000-000000000006" // moderator of Lakeview only
	ResidentUserID       = "b1000000-0000-4000-8000-000000000001" // Riverton resident, email verified; author of the demo questions
	UnverifiedUserID     = "b1000000-0000-4000-8000-000000000002" // Riverton resident, email not verified
	ModeratorUserID      = "b1000000-0000-4000-8000-000000000003" // moderator of Riverton
	CityAdminUserID      = "b1000000-0000-4000-8000-000000000004" // city_admin and moderator of Riverton
	CandidateUserID      = "b1000000-0000-4000-8000-000000000005" // the account that claimed CandidateID
	ClaimantUserID       = "b1000000-0000-4000-8000-000000000007" // Marcus Bell: his claim of ClaimedCandidateID is pending
	NeighborUserID       = "b1000000-0000-4000-8000-000000000008" // Riverton resident, email verified
	ResidentUserSubject  = "demo-resident"                        // users.subject of ResidentUserID
	ModeratorUserSubject = "demo-moderator"                       // users.subject of ModeratorUserID
	CityAdminUserSubject = "demo-city-admin"                      // users.subject of CityAdminUserID
	CandidateUserSubject = "demo-candidate"                       // users.subject of CandidateUserID

	ClaimedCandidateID = "ca000000-0000-4000-8000-000000000002" // Marcus Bell, mayor race, claim pending (ClaimantUserID)
	UnclaimedCandidate = "ca000000-0000-4000-8000-000000000003" // Elena Vasquez-Ruiz, mayor race, unclaimed

	// The moderation desk, in the City Council District 1 race (Council1ContestID).
	Council1ContestID   = "c2000000-0000-4000-8000-000000000002"
	PendingQuestionID   = "f1000000-0000-4000-8000-000000000005" // pending
	PendingQuestion2ID  = "f1000000-0000-4000-8000-000000000006" // pending
	MergeTargetID       = "f1000000-0000-4000-8000-000000000007" // approved, 3 up (Resident, Moderator, CityAdmin)
	DuplicateQuestionID = "f1000000-0000-4000-8000-000000000008" // approved, 2 up 1 down (Neighbor, Resident, Claimant -1)
	RejectedQuestionID  = "f1000000-0000-4000-8000-000000000009" // rejected (off-topic), by Resident, not appealed
	ReportedQuestionID  = "f1000000-0000-4000-8000-000000000010" // approved, 2 open reports
	HiddenQuestionID    = "f1000000-0000-4000-8000-000000000011" // approved, hidden by 3 open reports
)

// Execer runs SQL; *pgxpool.Pool, *pgx.Conn and pgx.Tx all satisfy it.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Load inserts the demo data into a migrated database. It sends the whole script as
// one query without arguments, which pgx runs over the simple protocol and
// PostgreSQL as one implicit transaction: it applies entirely or not at all (inside
// a pgx.Tx it joins that transaction). Every row has a fixed id and is inserted
// with ON CONFLICT (id) DO NOTHING, so loading twice changes nothing, and rows a
// developer has since edited are left as they are.
func Load(ctx context.Context, db Execer) error {
	if _, err := db.Exec(ctx, rivertonSQL); err != nil {
		return fmt.Errorf("demo: load riverton.sql: %w", err)
	}
	return nil
}

package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/demo"
	"github.com/civicq/civicq/shared/domain"
	"github.com/civicq/civicq/shared/localdev"
	"github.com/civicq/civicq/shared/store"
	"github.com/civicq/civicq/shared/testenv"
)

func demoStore(t *testing.T) (*store.Store, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	dsn := testenv.EmptyDB(t)
	_, err := localdev.Prepare(ctx, dsn, true)
	require.NoError(t, err)
	pool, err := store.NewPool(ctx, dsn, store.PoolOptions{MaxConns: 8, ConnectTimeout: time.Second})
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return store.New(pool, nil), pool
}

// The fixed lists in shared/domain are exactly what the tables accept: every code
// of the list is stored, anything else is refused by the database itself.
func TestReasonListsMatchTheSchema(t *testing.T) {
	_, pool := demoStore(t)
	ctx := context.Background()
	try := func(sql string, args ...any) error {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		_, err = tx.Exec(ctx, sql, args...)
		return err
	}
	reject := `UPDATE questions SET status = 'rejected', rejection_code = $2 WHERE id = $1`
	for _, code := range domain.RejectionCodes {
		require.NoError(t, try(reject, demo.PendingQuestionID, code), "rejection code %q", code)
	}
	require.Error(t, try(reject, demo.PendingQuestionID, "rude"))
	report := `INSERT INTO reports (city_id, reporter_id, target_type, target_id, reason) VALUES ($1, $2, 'question', $3, $4)`
	for _, reason := range domain.ReportReasons {
		require.NoError(t, try(report, demo.CityID, demo.ModeratorUserID, demo.MergeTargetID, reason), "report reason %q", reason)
	}
	require.Error(t, try(report, demo.CityID, demo.ModeratorUserID, demo.MergeTargetID, "boring"))
}

// Standing reads roles per city and the approved candidate record, by subject,
// without writing anything (a stranger has no row and gets none).
func TestStanding(t *testing.T) {
	s, pool := demoStore(t)
	ctx := context.Background()
	st, err := s.Standing(ctx, "demo-city-admin", demo.CityID, "", "")
	require.NoError(t, err)
	require.Equal(t, store.Standing{UserID: demo.CityAdminUserID, Moderator: true, CityAdmin: true}, st)
	st, err = s.Standing(ctx, "demo-city-admin", demo.LakeviewCityID, "", "")
	require.NoError(t, err)
	require.Equal(t, store.Standing{UserID: demo.CityAdminUserID}, st, "no role in another city")
	st, err = s.Standing(ctx, "demo-candidate", demo.CityID, demo.CandidateID, "")
	require.NoError(t, err)
	require.Equal(t, demo.CandidateID, st.CandidateID)
	st, err = s.Standing(ctx, "demo-candidate", demo.CityID, "", demo.RaceContestID)
	require.NoError(t, err)
	require.Equal(t, demo.CandidateID, st.CandidateID, "their record in that contest")
	st, err = s.Standing(ctx, "demo-candidate", demo.CityID, demo.UnclaimedCandidate, "")
	require.NoError(t, err)
	require.Empty(t, st.CandidateID, "not their record")
	st, err = s.Standing(ctx, "demo-claimant", demo.CityID, demo.ClaimedCandidateID, "")
	require.NoError(t, err)
	require.Empty(t, st.CandidateID, "a pending claim is not a candidate of record")
	st, err = s.Standing(ctx, "nobody-yet", demo.CityID, demo.CandidateID, demo.RaceContestID)
	require.NoError(t, err)
	require.Equal(t, store.Standing{}, st)
	var users int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE subject = 'nobody-yet'`).Scan(&users))
	require.Zero(t, users)
}

// Concurrent reports of one item: exactly the report that reaches the threshold
// hides it, once, and the log has one "hide".
func TestConcurrentReportsHideOnce(t *testing.T) {
	s, pool := demoStore(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `UPDATE cities SET report_hide_threshold = 4 WHERE id = $1`, demo.CityID)
	require.NoError(t, err)
	const n = 12
	var wg sync.WaitGroup
	results := make([]store.ReportResult, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			who := domain.Identity{Subject: "concurrent-reporter-" + string(rune('a'+i)), Email: "r@example.com", EmailVerified: true}
			results[i], errs[i] = s.Report(ctx, who, demo.CityID, domain.ReportInput{
				TargetType: domain.TargetQuestion, TargetID: demo.MergeTargetID, Reason: "spam"})
		}(i)
	}
	wg.Wait()
	hid, refused := 0, 0
	for i := range n {
		switch {
		case errs[i] == nil:
			if results[i].Hidden {
				hid++
				require.Equal(t, 4, results[i].OpenReports)
				require.NotNil(t, results[i].Question)
				require.False(t, results[i].Question.Listed)
			}
		default:
			require.ErrorIs(t, errs[i], store.ErrNotFound, "after hiding, the item is no longer public")
			refused++
		}
	}
	require.Equal(t, 1, hid)
	require.Equal(t, n-4, refused)
	var hides, open int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM moderation_actions WHERE target_id = $1 AND action = 'hide'`,
		demo.MergeTargetID).Scan(&hides))
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM reports WHERE target_id = $1 AND status = 'open'`,
		demo.MergeTargetID).Scan(&open))
	require.Equal(t, 1, hides)
	require.Equal(t, 4, open)
	var refusedUsers int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE subject LIKE 'concurrent-reporter-%'`).Scan(&refusedUsers))
	require.Equal(t, 4, refusedUsers, "a refused report leaves no user row behind")
}

// Two claims of one record at once: one holder.
func TestConcurrentClaimsOneHolder(t *testing.T) {
	s, pool := demoStore(t)
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			who := domain.Identity{Subject: "claimant-" + string(rune('a'+i)), Email: "c@example.com", EmailVerified: true}
			_, errs[i] = s.ClaimCandidate(ctx, who, demo.CityID, demo.UnclaimedCandidate, "RIV-X")
		}(i)
	}
	wg.Wait()
	ok := slices.IndexFunc(errs, func(err error) bool { return err == nil })
	require.GreaterOrEqual(t, ok, 0)
	for i, err := range errs {
		if i == ok {
			continue
		}
		c, isConflict := store.AsConflict(err)
		require.True(t, isConflict, "claim %d: %v", i, err)
		require.Equal(t, "claim_taken", c.Code)
	}
	var holder string
	require.NoError(t, pool.QueryRow(ctx, `SELECT u.subject FROM candidates c JOIN users u ON u.id = c.claimed_by_user_id
		WHERE c.id = $1 AND c.verification = 'pending'`, demo.UnclaimedCandidate).Scan(&holder))
	require.Equal(t, "claimant-"+string(rune('a'+ok)), holder)
}

// Two merges racing in opposite directions cannot deadlock or both succeed.
func TestOppositeMergesOneWins(t *testing.T) {
	s, _ := demoStore(t)
	ctx := context.Background()
	actor := store.Actor{UserID: demo.ModeratorUserID, Role: domain.RoleModerator}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	pairs := [][2]string{{demo.DuplicateQuestionID, demo.MergeTargetID}, {demo.MergeTargetID, demo.DuplicateQuestionID}}
	for i, p := range pairs {
		wg.Add(1)
		go func(i int, p [2]string) {
			defer wg.Done()
			_, errs[i] = s.MergeQuestion(ctx, actor, demo.CityID, p[0], p[1], "")
		}(i, p)
	}
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			_, isConflict := store.AsConflict(err)
			require.True(t, isConflict, "%v", err)
			failed++
		}
	}
	require.Equal(t, 1, failed)
}

// The first city admin is made outside the API (scripts/cityadmin): by email or
// subject, only for an account that exists, never for two accounts at once.
func TestGrantRoleOutsideTheAPI(t *testing.T) {
	s, pool := demoStore(t)
	ctx := context.Background()
	id, err := s.GrantRole(ctx, "lakeview", "LEE.OSTRANDER@lakeview.example", domain.RoleCityAdmin)
	require.NoError(t, err)
	require.Equal(t, demo.LakeviewModeratorID, id)
	st, err := s.Standing(ctx, "demo-lakeview-moderator", demo.LakeviewCityID, "", "")
	require.NoError(t, err)
	require.True(t, st.CityAdmin)
	_, err = s.GrantRole(ctx, "lakeview", "demo-lakeview-moderator", domain.RoleCityAdmin)
	require.NoError(t, err, "granting again is harmless")
	_, err = s.GrantRole(ctx, "lakeview", "nobody@example.org", domain.RoleCityAdmin)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.GrantRole(ctx, "atlantis", "demo-resident", domain.RoleCityAdmin)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.GrantRole(ctx, "lakeview", "demo-resident", "mayor")
	require.Error(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO users (subject, email) VALUES ('twin', 'maria.alvarez@riverton.example')`)
	require.NoError(t, err)
	_, err = s.GrantRole(ctx, "lakeview", "maria.alvarez@riverton.example", domain.RoleCityAdmin)
	require.ErrorContains(t, err, "2 accounts match")
	removed, err := s.RevokeRole(ctx, "lakeview", "demo-lakeview-moderator", domain.RoleCityAdmin)
	require.NoError(t, err)
	require.True(t, removed)
	st, err = s.Standing(ctx, "demo-lakeview-moderator", demo.LakeviewCityID, "", "")
	require.NoError(t, err)
	require.False(t, st.CityAdmin)
	require.True(t, st.Moderator)
}

package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/civicq/civicq/shared/api"
	"github.com/civicq/civicq/shared/config"
	"github.com/civicq/civicq/shared/localdev"
	"github.com/civicq/civicq/shared/routes"
	"github.com/civicq/civicq/shared/testenv"
)

// The permission matrix: every row of routes.Table, driven with every kind of
// caller, through the function's Lambda entry path against the real Postgres and
// Redis. Each route's sample request is its first 2xx fixture with the claims
// swapped for the caller's. Who is admitted follows from the row's rule alone, so a
// new route is covered without touching this test, and a route without a rule or
// without a 2xx fixture fails it.
//
// A refused caller gets 401 (no caller) or 403 with a JSON error whose code is a
// permission code, and the database is exactly as it was. An admitted caller gets
// past the permission check: any answer but a permission refusal or a 5xx (the
// sample may meet a 409 after an earlier caller's request succeeded).

type callerKind string

const (
	anonymous       callerKind = "anonymous"
	unverified      callerKind = "unverified resident"
	resident        callerKind = "verified resident"
	candidateThis   callerKind = "candidate for this record"
	candidateOther  callerKind = "candidate for another record"
	moderatorThis   callerKind = "moderator of this city"
	moderatorOther  callerKind = "moderator of another city"
	cityAdminOfThis callerKind = "city admin of this city"
)

var callerKinds = []callerKind{anonymous, unverified, resident, candidateThis, candidateOther, moderatorThis, moderatorOther, cityAdminOfThis}

// admitted is who each rule admits. A rule missing here fails the test.
func admitted(t *testing.T, row routes.Route) map[callerKind]bool {
	t.Helper()
	all := map[callerKind]bool{}
	only := func(kinds ...callerKind) map[callerKind]bool {
		m := map[callerKind]bool{}
		for _, k := range kinds {
			m[k] = true
		}
		return m
	}
	switch row.Who {
	case routes.Anyone:
		for _, k := range callerKinds {
			all[k] = true
		}
		return all
	case routes.SignedIn:
		return only(unverified, resident, candidateThis, candidateOther, moderatorThis, moderatorOther, cityAdminOfThis)
	case routes.Verified:
		return only(resident, candidateThis, candidateOther, moderatorThis, moderatorOther, cityAdminOfThis)
	case routes.CandidateOfRecord:
		return only(candidateThis)
	case routes.CityModerator:
		return only(moderatorThis, cityAdminOfThis)
	case routes.CityAdmin:
		return only(cityAdminOfThis)
	}
	t.Fatalf("route %s has no known permission rule (Who = %q): give it one of the routes.Rule values", row.Name, row.Who)
	return nil
}

// sample is the route's first 2xx fixture, as generic JSON so the claims can be swapped.
func sample(t *testing.T, row routes.Route) map[string]any {
	t.Helper()
	for _, file := range fixtures(t, row.Name) {
		if strings.HasPrefix(filepath.Base(file), "2") {
			b, err := os.ReadFile(file)
			require.NoError(t, err)
			var ev map[string]any
			require.NoError(t, json.Unmarshal(b, &ev))
			return ev
		}
	}
	t.Fatalf("route %s has no 2xx fixture in events/%s/ to build its sample request from", row.Name, row.Name)
	return nil
}

// world is where a route's sample acts and the callers made for it.
type world struct {
	cityID, otherCityID string
	record, otherRecord string // candidate records: the one the request acts for, one of another contest
	subjects            map[callerKind]string
	emails              map[callerKind]string
	verified            map[callerKind]bool
}

func scalarQ(t *testing.T, db *pgxpool.Pool, sql string, args ...any) string {
	t.Helper()
	var v string
	require.NoError(t, db.QueryRow(context.Background(), sql, args...).Scan(&v), sql)
	return v
}

func exec(t *testing.T, db *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	_, err := db.Exec(context.Background(), sql, args...)
	require.NoError(t, err, sql)
}

// setUp finds the city and the candidate record the sample acts in and makes one
// user of each kind for this route.
func setUp(t *testing.T, db *pgxpool.Pool, row routes.Route, ev map[string]any) world {
	t.Helper()
	params, _ := ev["pathParameters"].(map[string]any)
	str := func(k string) string { s, _ := params[k].(string); return s }
	w := world{subjects: map[callerKind]string{}, emails: map[callerKind]string{}, verified: map[callerKind]bool{}}
	slug := str("city")
	if slug == "" {
		slug = "riverton" // routes outside a city: any city will do for the per-city callers
		require.NotContains(t, []routes.Rule{routes.CityModerator, routes.CityAdmin, routes.CandidateOfRecord}, row.Who,
			"route %s has a per-city rule but no {city} in its path", row.Name)
	}
	w.cityID = scalarQ(t, db, `SELECT coalesce((SELECT id::text FROM cities WHERE slug = $1),
		(SELECT id::text FROM cities ORDER BY slug LIMIT 1))`, slug)
	w.otherCityID = scalarQ(t, db, `SELECT id::text FROM cities WHERE id <> $1 ORDER BY slug LIMIT 1`, w.cityID)

	// The record acted for: the candidate in the path, else one in the contest the
	// request names (directly or through its question), else any of the city.
	var contest string
	switch {
	case str("candidate") != "":
		w.record = str("candidate")
	case str("question") != "":
		contest = scalarQ(t, db, `SELECT contest_id::text FROM questions WHERE id = $1`, str("question"))
	case str("contest") != "":
		contest = str("contest")
	}
	if w.record == "" {
		w.record = scalarQ(t, db, `SELECT coalesce(
			(SELECT id::text FROM candidates WHERE contest_id::text = $2 ORDER BY display_order, id LIMIT 1),
			(SELECT id::text FROM candidates WHERE city_id = $1 ORDER BY contest_id, display_order, id LIMIT 1))`,
			w.cityID, contest)
	}
	// Another record of the city, in another contest: a candidate acts only for
	// their own record, not for every record of the contest they run in. (A city of
	// one contest is fine only for routes whose rule is not CandidateOfRecord.)
	w.otherRecord = scalarQ(t, db, `SELECT coalesce(
		(SELECT id::text FROM candidates WHERE city_id = $1 AND contest_id <> (SELECT contest_id FROM candidates WHERE id = $2)
		 ORDER BY contest_id, display_order, id LIMIT 1),
		(SELECT id::text FROM candidates WHERE city_id = $1 AND id <> $2 AND $3 ORDER BY id LIMIT 1))`,
		w.cityID, w.record, row.Who != routes.CandidateOfRecord)

	for i, k := range callerKinds {
		if k == anonymous {
			continue
		}
		sub := fmt.Sprintf("perm-%s-%d", row.Name, i)
		w.subjects[k], w.emails[k], w.verified[k] = sub, sub+"@perm.example", k != unverified
		id := scalarQ(t, db, `INSERT INTO users (subject, email, email_verified) VALUES ($1, $2, $3) RETURNING id::text`,
			sub, w.emails[k], w.verified[k])
		switch k {
		case candidateThis, candidateOther:
			record := w.record
			if k == candidateOther {
				record = w.otherRecord
			}
			exec(t, db, `UPDATE candidates SET claimed_by_user_id = $2, filing_id = 'PERM-1', verification = 'verified',
				verification_reason = NULL, verified_at = now() WHERE id = $1`, record, id)
		case moderatorThis:
			exec(t, db, `INSERT INTO user_roles (user_id, city_id, role) VALUES ($1, $2, 'moderator')`, id, w.cityID)
		case moderatorOther:
			exec(t, db, `INSERT INTO user_roles (user_id, city_id, role) VALUES ($1, $2, 'moderator')`, id, w.otherCityID)
			exec(t, db, `INSERT INTO user_roles (user_id, city_id, role) VALUES ($1, $2, 'city_admin')`, id, w.otherCityID)
		case cityAdminOfThis:
			// Only the admin role: it implies moderating the city.
			exec(t, db, `INSERT INTO user_roles (user_id, city_id, role) VALUES ($1, $2, 'city_admin')`, id, w.cityID)
		}
	}
	return w
}

// as returns the sample event with the caller's claims (none for anonymous).
func (w world) as(t *testing.T, ev map[string]any, k callerKind) []byte {
	t.Helper()
	var copyEv map[string]any
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &copyEv))
	rc, _ := copyEv["requestContext"].(map[string]any)
	require.NotNil(t, rc, "fixture without a requestContext")
	delete(rc, "authorizer")
	if k != anonymous {
		rc["authorizer"] = map[string]any{"jwt": map[string]any{"claims": map[string]any{
			"sub": w.subjects[k], "email": w.emails[k], "email_verified": fmt.Sprint(w.verified[k]),
			"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example", "aud": "example-client-id",
			"token_use": "id", "cognito:groups": "[residents]",
		}}}
	}
	out, err := json.Marshal(copyEv)
	require.NoError(t, err)
	return out
}

// fingerprintTables digests every table a request could change.
var fingerprintTables = []string{"cities", "users", "user_roles", "candidates", "questions", "question_versions",
	"votes", "reports", "moderation_actions", "answers", "videos"}

func fingerprint(t *testing.T, db *pgxpool.Pool) string {
	t.Helper()
	var out []string
	for _, table := range fingerprintTables {
		out = append(out, table+"="+scalarQ(t, db,
			`SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM `+table+` t`))
	}
	return strings.Join(out, " ")
}

func TestPermissionMatrix(t *testing.T) {
	dsn := testenv.EmptyDB(t)
	ctx := context.Background()
	_, err := localdev.Prepare(ctx, dsn, true)
	require.NoError(t, err)
	db, err := pgxpool.New(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	cfg := config.Config{
		DatabaseURL: dsn, DatabaseReadURL: dsn, DBMaxConns: 2, DBConnectTimeout: 2e9,
		RedisAddr: testenv.RedisAddr(t), RedisTimeout: 2e8, RedisPoolSize: 2,
		CachePrefix: testenv.KeyPrefix(t), MetricsNamespace: "CivicQTest",
	}
	covered := map[routes.Rule]int{}
	for _, row := range routes.Table {
		t.Run(row.Name, func(t *testing.T) {
			want := admitted(t, row)
			ev := sample(t, row)
			w := setUp(t, db, row, ev)
			f, err := Build(row.Name, cfg)
			require.NoError(t, err)
			defer f.Close()
			f.Runtime.Metrics = &strings.Builder{}
			// Refused callers first, so that the admitted ones' changes cannot hide a
			// refusal that comes too late.
			kinds := slices.Clone(callerKinds)
			slices.SortStableFunc(kinds, func(a, b callerKind) int {
				switch {
				case !want[a] && want[b]:
					return -1
				case want[a] && !want[b]:
					return 1
				}
				return 0
			})
			for _, k := range kinds {
				before := fingerprint(t, db)
				out, err := f.Handler.Invoke(ctx, w.as(t, ev, k))
				require.NoError(t, err)
				var resp events.APIGatewayV2HTTPResponse
				require.NoError(t, json.Unmarshal(out, &resp))
				body := plainBody(t, resp)
				var e api.ErrorBody
				_ = json.Unmarshal([]byte(body), &e)
				refused := resp.StatusCode == 401 || (resp.StatusCode == 403 && slices.Contains(api.PermissionCodes, e.Error.Code))
				if !want[k] {
					wantStatus := 403
					if k == anonymous {
						wantStatus = 401
					}
					require.Equal(t, wantStatus, resp.StatusCode, "%s as %s: must be refused; got %s", row.Name, k, body)
					require.Equal(t, "application/json", resp.Headers["Content-Type"])
					require.Contains(t, api.PermissionCodes, e.Error.Code, "%s as %s: refusal without a permission code: %s", row.Name, k, body)
					require.NotEmpty(t, e.Error.Message)
					require.Equal(t, before, fingerprint(t, db), "%s as %s: a refused request changed the database", row.Name, k)
					continue
				}
				require.False(t, refused, "%s as %s: must be admitted; got %d %s", row.Name, k, resp.StatusCode, body)
				require.Less(t, resp.StatusCode, 500, "%s as %s: %s", row.Name, k, body)
			}
			covered[row.Who]++
		})
	}
	t.Logf("routes per rule: %v", covered)
}

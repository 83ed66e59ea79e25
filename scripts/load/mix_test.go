package main

import (
	"math"
	"net/http"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/civicq/civicq/shared/routes"
)

// TestMix checks that the targeter produces the reference design's mix and that
// every request it makes is named after a route of the table.
func TestMix(t *testing.T) {
	st := &stack{gateway: "http://127.0.0.1:1", tokens: []string{"t1", "t2"}, modToken: "m1",
		questions: []string{"q1", "q2"}, contests: []string{"c1"}, candidates: []string{"k1"}, mux: http.NewServeMux()}
	for _, row := range routes.Table {
		st.mux.Handle(row.Pattern(), http.NotFoundHandler())
	}
	const n = 200000
	groups := map[string]float64{}
	group := map[string]string{
		"get-ballot": "browse", "get-contest": "browse", "list-questions (top)": "browse", "list-questions (hot)": "browse",
		"list-questions (new)": "browse", "get-question": "browse", "similar-questions": "browse",
		"vote-question": "vote", "ask-question": "ask", "get-candidate": "candidates", "moderation-log": "moderation", "moderation-queue": "moderation",
	}
	var tg vegeta.Target
	for i := 0; i < n; i++ {
		if err := st.next(&tg); err != nil {
			t.Fatal(err)
		}
		name := st.routeOf(tg.Method, tg.URL)
		g, ok := group[name]
		if !ok {
			t.Fatalf("%s %s is not named after a route (got %q)", tg.Method, tg.URL, name)
		}
		if r, _ := routes.ByName(strings.Fields(name)[0]); r.NeedsCaller() != (tg.Header.Get("Authorization") != "") {
			t.Fatalf("%s: caller route without a token, or a public one with one", name)
		}
		groups[g]++
	}
	for g, want := range map[string]float64{"browse": 0.70, "vote": 0.20, "ask": 0.05, "candidates": 0.03, "moderation": 0.02} {
		if got := groups[g] / n; math.Abs(got-want) > 0.005 {
			t.Errorf("%s: %.3f of the requests, want %.2f", g, got, want)
		}
	}
}

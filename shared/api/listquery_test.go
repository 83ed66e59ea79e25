package api

import (
	"net/url"
	"testing"
)

// listQuery reads what url.Values.Get read before it, for every kind of query a
// client or an attacker sends.
func TestListQueryAgreesWithURLValues(t *testing.T) {
	for _, raw := range listQuerySeeds {
		checkListQuery(t, raw)
	}
}

// FuzzListQuery looks for a query the two read differently.
func FuzzListQuery(f *testing.F) {
	for _, raw := range listQuerySeeds {
		f.Add(raw)
	}
	f.Fuzz(checkListQuery)
}

func checkListQuery(t *testing.T, raw string) {
	q, _ := url.ParseQuery(raw)
	want := listParams{sort: q.Get("sort"), limit: q.Get("limit"), cursor: q.Get("cursor")}
	if got := listQuery(raw); got != want {
		t.Errorf("listQuery(%q) = %+v, want %+v", raw, got, want)
	}
}

var listQuerySeeds = []string{
	"", "sort=top", "sort=new&limit=5", "limit=5&sort=hot&cursor=abc.def", "sort=top&sort=new",
	"cursor=a%2Bb%3D&sort=controversial", "sort=to%70", "s%6Frt=new", "sort=%zz&sort=new", "sort=a+b",
	"sort=top;limit=5", "limit=&cursor=", "&&sort=new&", "sort", "=top", "limit=50&limit=1",
	"sort=%E2%9C%93", "cursor=" + string(make([]byte, 10)),
}

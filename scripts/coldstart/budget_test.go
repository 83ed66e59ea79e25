package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicq/civicq/scripts/perf"
	"github.com/civicq/civicq/shared/routes"
	"github.com/civicq/civicq/shared/testenv"
)

// TestBudgets measures every function under the Lambda Runtime Interface Emulator
// (5 cold starts and 20 warm invocations each, against a database of its own) and
// fails, with the figures, when one breaks its budget in budgets.json. Run it with
// -v to see the table when it passes.
func TestBudgets(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	root, err := perf.Root()
	if err != nil {
		t.Fatal(err)
	}
	budgets, err := perf.LoadBudgets(filepath.Join(root, "budgets.json"))
	if err != nil {
		t.Fatal(err)
	}
	dsn := testenv.EmptyDB(t)
	if err := perf.PrepareDB(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	redisAddr, prefix := testenv.RedisAddr(t), testenv.KeyPrefix(t)
	t.Cleanup(func() { perf.DeleteKeys(redisAddr, prefix) })

	rows, err := perf.MeasureAll(ctx, perf.SuiteOptions{
		Root: root, Env: perf.StackEnv(dsn, redisAddr, prefix), Cold: 5, Warm: 20,
	}, routes.Names())
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	perf.Table(&table, rows)
	t.Log("\n" + table.String())
	for _, r := range rows {
		if len(r.Problems) > 0 {
			t.Errorf("%s: fixtures answered other than their names say: %s", r.Name, strings.Join(r.Problems, "; "))
		}
	}
	if broken := budgets.Check(rows); len(broken) > 0 {
		t.Errorf("%d budget(s) broken (budgets.json):\n  %s\n%s", len(broken), strings.Join(broken, "\n  "), table.String())
	}
}

// TestBudgetsFileCoversEveryFunction keeps budgets.json in step with the route table.
func TestBudgetsFileCoversEveryFunction(t *testing.T) {
	root, err := perf.Root()
	if err != nil {
		t.Fatal(err)
	}
	b, err := perf.LoadBudgets(filepath.Join(root, "budgets.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range routes.Names() {
		l := b.For(n)
		if _, ok := b.Functions[n]; !ok || l.BinaryBytes == 0 || l.ColdStartP50Ms == 0 || l.PeakMemoryMB == 0 {
			t.Errorf("%s: budgets.json must give it a binary size, a cold start and a peak memory limit (got %+v)", n, l)
		}
	}
	for n := range b.Functions {
		if !contains(routes.Names(), n) {
			t.Errorf("budgets.json names %q, which is not a function", n)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

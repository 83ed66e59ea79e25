// Command coldstart measures every CivicQ function as Lambda runs it: each
// bootstrap (built for this machine's architecture, since an arm64 binary cannot
// run on an x86 host) under the AWS Lambda Runtime Interface Emulator, bound to
// 127.0.0.1, against a throwaway database with the demo cities. It prints cold
// start p50/p95 (the emulator's "INIT REPORT(durationMs: ...)"), warm duration
// p50/p95 (its REPORT lines), the handler's own time (the EMF documents), the
// bootstrap's peak RSS (VmHWM) and the binary sizes, and with -check fails when a
// function breaks its budget in budgets.json.
//
//	go run ./scripts/coldstart [-cold 20] [-warm 100] [-fn get-ballot,health] [-check budgets.json]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/civicq/civicq/scripts/perf"
	"github.com/civicq/civicq/shared/routes"
)

func main() {
	cold := flag.Int("cold", 20, "cold starts per function (emulator restarts)")
	warm := flag.Int("warm", 100, "warm invocations per function")
	fns := flag.String("fn", "", "comma-separated functions (default: all)")
	check := flag.String("check", "", "budgets file to check the figures against")
	flag.Parse()
	if err := run(*cold, *warm, *fns, *check); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

func run(cold, warm int, fns, check string) error {
	ctx := context.Background()
	root, err := perf.Root()
	if err != nil {
		return err
	}
	names := routes.Names()
	if fns != "" {
		names = strings.Split(fns, ",")
	}
	stack, err := perf.NewStack(ctx, os.Getenv("CIVICQ_TEST_DATABASE_URL"), os.Getenv("CIVICQ_TEST_REDIS_ADDR"), "coldstart")
	if err != nil {
		return err
	}
	defer stack.Close()
	rows, err := perf.MeasureAll(ctx, perf.SuiteOptions{
		Root: root, Env: perf.StackEnv(stack.DSN, stack.RedisAddr, stack.Prefix),
		Cold: cold, Warm: warm, Log: os.Stderr,
	}, names)
	if err != nil {
		return err
	}
	perf.Table(os.Stdout, rows)
	if check == "" {
		return nil
	}
	b, err := perf.LoadBudgets(check)
	if err != nil {
		return err
	}
	if broken := b.Check(rows); len(broken) > 0 {
		return fmt.Errorf("%d budget(s) broken:\n  %s", len(broken), strings.Join(broken, "\n  "))
	}
	fmt.Println("every function is within its budget in", check)
	return nil
}

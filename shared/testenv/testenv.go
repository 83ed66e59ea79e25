// Package testenv gives tests their own database and Redis key space on the real
// servers that `make test` starts (scripts/services.sh). Tests fail, never skip, when
// the servers are missing: a green run must mean the real parts were exercised.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables that point the tests at the servers. `make test` sets them
// from `scripts/services.sh env`.
const (
	EnvDatabaseURL = "CIVICQ_TEST_DATABASE_URL" // an admin DSN; tests create their own databases
	EnvRedisAddr   = "CIVICQ_TEST_REDIS_ADDR"   // host:port of a Redis the tests may write to
)

func mustEnv(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run the tests with `make test`, which starts PostgreSQL and Redis and sets it", name)
	}
	return v
}

// Suffix returns a short random string for naming throwaway databases and key prefixes.
func Suffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// EmptyDB creates a new, empty database for this test and drops it at cleanup. It
// returns the DSN of the new database.
func EmptyDB(t testing.TB) string {
	t.Helper()
	admin := mustEnv(t, EnvDatabaseURL)
	name := "civicq_test_" + Suffix()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL (%s): %v", EnvDatabaseURL, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvDatabaseURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// RedisAddr returns the test Redis address.
func RedisAddr(t testing.TB) string {
	t.Helper()
	return mustEnv(t, EnvRedisAddr)
}

// KeyPrefix returns a Redis key prefix unique to this test, so tests running in
// parallel packages never see each other's keys.
func KeyPrefix(t testing.TB) string {
	return fmt.Sprintf("test:%s:", Suffix())
}

// ClosedPort returns a loopback address on which nothing listens, for tests of a
// server that is down.
func ClosedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

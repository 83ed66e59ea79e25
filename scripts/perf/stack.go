// Package perf is the shared setup of CivicQ's measuring tools (scripts/coldstart,
// scripts/costreport, scripts/load): a throwaway database and Redis key prefix, the
// function binaries built for this machine, the AWS Lambda Runtime Interface
// Emulator driving them one request at a time, and small statistics helpers.
package perf

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/civicq/civicq/shared/localdev"
)

// Stack is a throwaway database (migrated, with the demo cities) and a Redis key
// prefix of its own. Close drops the database and deletes the keys.
type Stack struct {
	DSN       string // the throwaway database
	RedisAddr string // Redis host:port ("" disables the cache)
	Prefix    string // CACHE_PREFIX for every function run against the stack

	admin, name string
}

// Suffix is a short random string for throwaway names.
func Suffix() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewStack creates database civicq_<label>_<random> through the admin DSN (the
// services' CIVICQ_TEST_DATABASE_URL), prepares it with PrepareDB and picks a key
// prefix on redisAddr.
func NewStack(ctx context.Context, admin, redisAddr, label string) (*Stack, error) {
	if admin == "" {
		return nil, fmt.Errorf("CIVICQ_TEST_DATABASE_URL is not set: run through make, or eval \"$(scripts/services.sh env)\"")
	}
	s := &Stack{admin: admin, name: "civicq_" + label + "_" + Suffix(), RedisAddr: redisAddr}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+s.name); err != nil {
		return nil, err
	}
	u, err := url.Parse(admin)
	if err != nil {
		s.Close()
		return nil, err
	}
	u.Path = "/" + s.name
	s.DSN = u.String()
	s.Prefix = label + ":" + Suffix() + ":"
	if err := PrepareDB(ctx, s.DSN); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close drops the database and the stack's Redis keys.
func (s *Stack) Close() {
	ctx := context.Background()
	if c, err := pgx.Connect(ctx, s.admin); err == nil {
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+s.name+" WITH (FORCE)")
		c.Close(ctx)
	}
	if s.RedisAddr != "" && s.Prefix != "" {
		DeleteKeys(s.RedisAddr, s.Prefix)
	}
}

// PrepareDB migrates dsn, loads the demo cities and raises their per-user limits
// (questions a day, votes an hour) so that measuring many invocations as a few
// users never turns into 429s: rate limits are not what these tools measure.
func PrepareDB(ctx context.Context, dsn string) error {
	if _, err := localdev.Prepare(ctx, dsn, true); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `UPDATE cities SET questions_per_day = 1000, votes_per_hour = 100000`)
	return err
}

// DeleteKeys removes every Redis key under prefix.
func DeleteKeys(addr, prefix string) {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

// Root finds the repository root (the folder with go.mod) from the working directory up.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "functions")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no CivicQ checkout (go.mod and functions/) above the working directory")
		}
		dir = parent
	}
}

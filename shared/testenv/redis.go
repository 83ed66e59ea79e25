package testenv

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisServer is a redis-server process of the test's own, for fault tests that
// stop and restart Redis without disturbing the shared test Redis other packages
// use at the same time.
type RedisServer struct {
	Addr string
	t    testing.TB
	cmd  *exec.Cmd
}

// StartRedis starts redis-server (installed by scripts/services.sh) on a free
// loopback port, without persistence, and stops it at cleanup.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	s := &RedisServer{Addr: ClosedPort(t), t: t}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the server on its address, empty, and waits until it answers.
func (s *RedisServer) Start() {
	s.t.Helper()
	port := s.Addr[strings.LastIndex(s.Addr, ":")+1:]
	s.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server (is it installed? `make test` installs it): %v", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr, DialTimeout: 100 * time.Millisecond})
	defer rdb.Close()
	for i := 0; i < 100; i++ {
		if rdb.Ping(context.Background()).Err() == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("redis-server on %s did not answer", s.Addr)
}

// Stop kills the server (as a crash would: nothing is saved) and waits for it.
func (s *RedisServer) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// String names the server in test messages.
func (s *RedisServer) String() string { return fmt.Sprintf("redis-server %s", s.Addr) }

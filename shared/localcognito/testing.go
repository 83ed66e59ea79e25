package localcognito

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
)

// StartTest runs cognito-local for one test, with its data in a temporary
// directory and on a free port, and stops it at cleanup; its output is logged if
// the test fails. It skips the test only when node is not installed at all, and
// fails it when cognito-local is not installed (`make test` installs both).
func StartTest(t testing.TB) *Server {
	t.Helper()
	var log syncBuffer
	s, err := Start(context.Background(), Options{DataDir: t.TempDir(), Log: &log})
	if errors.Is(err, ErrNoNode) {
		t.Skipf("cognito-local cannot run: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		if t.Failed() {
			t.Logf("cognito-local output:\n%s", log.String())
		}
	})
	return s
}

// syncBuffer is a bytes.Buffer that stdout and stderr copiers may write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

package config

import (
	"strings"
	"testing"
	"time"
)

func TestFromEnvDefaultsAndFallbacks(t *testing.T) {
	t.Setenv("FUNCTION_NAME", "get-ballot")
	t.Setenv("DATABASE_URL", "postgres://w/db")
	t.Setenv("DATABASE_READ_URL", "")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseReadURL != "postgres://w/db" {
		t.Errorf("read DSN should fall back to the writer, got %q", c.DatabaseReadURL)
	}
	if c.DBMaxConns != 2 || c.RedisTimeout != 150*time.Millisecond || c.CachePrefix != "cq:" || c.Function != "get-ballot" {
		t.Errorf("unexpected defaults: %+v", c)
	}
}

func TestFromEnvReportsEveryBadValue(t *testing.T) {
	t.Setenv("DB_MAX_CONNS", "two")
	t.Setenv("REDIS_TLS", "maybe")
	t.Setenv("REDIS_TIMEOUT", "-1s")
	_, err := FromEnv()
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, name := range []string{"DB_MAX_CONNS", "REDIS_TLS", "REDIS_TIMEOUT"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

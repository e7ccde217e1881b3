// Package testenv gives tests the real services they need (Redis,
// PostgreSQL, Chromium) and decides what happens when one is missing.
//
// The README's test command (scripts/test) installs and starts every
// service, exports its address in the variables below and sets
// HARDEN_TEST_REQUIRE_SERVICES=1. Under that command a missing service fails
// the test. Under a bare "go test ./..." the same test is skipped with a
// message that says which service is missing and how to provide it.
//
// It also holds what several packages' tests share: [RaceEnabled], which
// allocation tests skip under, and [MatchConfig], which finds a layer's
// configuration error among joined ones.
//
// It is imported only by tests. It may import the standard library and
// the module's core internal packages.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Environment variables read by this package.
const (
	// RequireServicesEnv, when "1", turns every missing service into a failure.
	RequireServicesEnv = "HARDEN_TEST_REQUIRE_SERVICES"
	// RedisURLEnv holds a redis:// URL of a throwaway Redis server.
	RedisURLEnv = "HARDEN_TEST_REDIS_URL"
	// PostgresURLEnv holds a postgres:// DSN of a throwaway PostgreSQL cluster.
	PostgresURLEnv = "HARDEN_TEST_DATABASE_URL"
	// ChromiumEnv holds the path of a Chromium binary for headless tests.
	ChromiumEnv = "HARDEN_TEST_CHROMIUM"
)

// Required reports whether missing services must fail the tests.
func Required() bool { return os.Getenv(RequireServicesEnv) == "1" }

// missing fails or skips t, saying which service is absent.
func missing(t testing.TB, what, env string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s is required by the test command but %s is not set or not usable", what, env)
	}
	t.Skipf("skipping: needs %s; run scripts/test (or set %s) to provide it", what, env)
}

// RedisURL returns the URL of the test Redis server.
func RedisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(RedisURLEnv)
	if u == "" {
		missing(t, "a Redis server", RedisURLEnv)
	}
	return u
}

// PostgresURL returns the DSN of the test PostgreSQL server.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(PostgresURLEnv)
	if u == "" {
		missing(t, "a PostgreSQL server", PostgresURLEnv)
	}
	return u
}

// Chromium returns the path of a Chromium binary. It uses ChromiumEnv when
// set, else looks for "chromium" on PATH.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(ChromiumEnv); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	missing(t, "a Chromium browser", ChromiumEnv)
	return ""
}

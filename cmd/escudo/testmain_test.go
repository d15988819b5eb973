package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain gives the tests a configuration folder of their own, so the
// default master key (outside the data folders) is created there and never
// in the configuration folder of whoever runs the tests.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "escudo-config-")
	if err != nil {
		panic(err)
	}
	// Tests that build the real binary run `go build`, which finds its build
	// and module caches under HOME: keep them where they were, or every such
	// test recompiles every dependency (minutes) and fetches modules again.
	if os.Getenv("GOCACHE") == "" {
		if c, err := os.UserCacheDir(); err == nil {
			os.Setenv("GOCACHE", filepath.Join(c, "go-build"))
		}
	}
	if os.Getenv("GOPATH") == "" {
		if h, err := os.UserHomeDir(); err == nil {
			os.Setenv("GOPATH", filepath.Join(h, "go"))
		}
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	os.Setenv("HOME", dir)
	os.Unsetenv("ESCUDO_MASTER_KEY")
	os.Unsetenv("ESCUDO_MASTER_KEY_FILE")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testKeyPath is the master key the commands create and use in these tests.
func testKeyPath(t testing.TB) string {
	t.Helper()
	p, err := defaultKeyPath()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

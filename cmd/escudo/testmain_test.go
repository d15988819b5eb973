package main

import (
	"os"
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

package main

import (
	"strings"
	"testing"
)

// TestUserDisableEnable: the commands disable and re-enable an account by
// name; an unknown name and a missing one are errors.
func TestUserDisableEnable(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCmd(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	if code, _, stderr := runCmd(t, "a long enough password", "user", "add", "--data", dir, "--role", "analyst", "--username", "beto"); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	if code, _, _ := runCmd(t, "", "user", "disable", "--data", dir); code != 2 {
		t.Fatal("user disable without --username must be a usage error")
	}
	if code, _, stderr := runCmd(t, "", "user", "disable", "--data", dir, "--username", "nadie"); code != 1 || !strings.Contains(stderr, "nadie") {
		t.Fatalf("unknown user: %d %s", code, stderr)
	}
	if code, out, stderr := runCmd(t, "", "user", "disable", "--data", dir, "--username", "beto"); code != 0 || !strings.Contains(out, "disabled") {
		t.Fatalf("disable: %d %s %s", code, out, stderr)
	}
	if code, out, stderr := runCmd(t, "", "user", "enable", "--data", dir, "--username", "beto"); code != 0 || !strings.Contains(out, "enabled") {
		t.Fatalf("enable: %d %s %s", code, out, stderr)
	}
}

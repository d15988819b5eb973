package main

import (
	"bytes"
	"context"
	"escudo/internal/diskcheck"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDiskCheck(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"disk", "check", "--data", dir, "--duration", "300ms", "--interval", "0", "--quiet"}, &out, &errOut); code != 0 {
		t.Fatalf("disk check: exit %d (%s)", code, errOut.String())
	}
	s := out.String()
	if !strings.Contains(s, "syncs in") || !strings.Contains(s, "verdict:") {
		t.Fatalf("report:\n%s", s)
	}
	if _, err := os.Stat(filepath.Join(dir, "disk-check.tmp")); !os.IsNotExist(err) {
		t.Fatalf("scratch file left behind: %v", err)
	}
	r, err := diskcheck.Run(context.Background(), dir, 100*time.Millisecond, 0, nil)
	if err != nil || r.Syncs == 0 || r.P50 <= 0 || r.P50 > r.P99 || r.P99 > r.Max || r.StalledShare() < 0 || r.StalledShare() > 1 {
		t.Fatalf("report %+v, %v", r, err)
	}
	if code := run(context.Background(), []string{"disk", "check", "--data", dir, "--duration", "0"}, &out, &errOut); code != 2 {
		t.Fatalf("a zero duration: exit %d, want 2", code)
	}
}

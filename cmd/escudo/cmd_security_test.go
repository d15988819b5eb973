package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

func TestAuditAndKeysCommands(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCmd(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	for _, u := range []string{"ana", "beto", "carla", "dora"} {
		if code, _, stderr := runCmd(t, "a long enough password", "user", "add", "--data", dir, "--role", "coordinator", "--username", u); code != 0 {
			t.Fatalf("user add: %s", stderr)
		}
	}
	code, out, stderr := runCmd(t, "", "audit", "verify", "--data", dir)
	if code != 0 || !strings.Contains(out, "audit log intact: 4 entries") {
		t.Fatalf("verify: %d %s %s", code, out, stderr)
	}
	if code, out, _ := runCmd(t, "", "audit", "checkpoint", "--data", dir); code != 0 || !strings.Contains(out, `"seq":4`) {
		t.Fatalf("checkpoint: %d %s", code, out)
	}
	export := filepath.Join(dir, "checkpoints.jsonl")
	if code, _, stderr := runCmd(t, "", "audit", "export-checkpoints", "--data", dir, "--out", export); code != 0 || !strings.Contains(stderr, "4 checkpoints exported") { // each command signs what it wrote
		t.Fatalf("export: %d %s", code, stderr)
	}
	if code, out, _ := runCmd(t, "", "keys", "rotate", "--data", dir, "--quiet"); code != 0 || !strings.Contains(out, "rotation done") {
		t.Fatalf("rotate: %d %s", code, out)
	}
	if code, out, _ := runCmd(t, "", "keys", "rotate", "--data", dir, "--resume", "--quiet"); code != 0 || !strings.Contains(out, "0 values re-encrypted") {
		t.Fatalf("resume: %d %s", code, out)
	}
	code, out, _ = runCmd(t, "", "audit", "verify", "--data", dir, "--checkpoints", export)
	if code != 0 || !regexp.MustCompile(`[1-9]\d* signed checkpoints matched`).MatchString(out) {
		t.Fatalf("verify with export: %d %s", code, out)
	}
	// Someone edits an entry with raw SQL: verify fails and names it.
	db, err := sql.Open("sqlite", filepath.Join(dir, "escudo.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(context.Background(), `UPDATE audit_log SET actor_role = 'auditor' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, _, stderr = runCmd(t, "", "audit", "verify", "--data", dir)
	if code != 1 || !strings.Contains(stderr, "first bad seq 2") {
		t.Fatalf("tampered verify: %d %s", code, stderr)
	}
	// A forged export is refused before anything is checked.
	b, _ := os.ReadFile(export)
	forged := filepath.Join(dir, "forged.jsonl")
	os.WriteFile(forged, []byte(strings.Replace(string(b), `"seq":4`, `"seq":5`, 1)), 0o600)
	if code, _, stderr := runCmd(t, "", "audit", "verify", "--data", dir, "--checkpoints", forged); code != 1 || !strings.Contains(stderr, "signature") {
		t.Fatalf("forged export: %d %s", code, stderr)
	}
}

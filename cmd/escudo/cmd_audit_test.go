package main

import (
	"context"
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func sqlExec(t *testing.T, dir, q string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "escudo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

// TestServeStreamsCheckpointsAndVerifyCatchesTampering runs `escudo serve
// --audit-sink FILE`, makes it write entries (API reads and a flood of wrong
// tokens), stops it, and then plays someone holding the database: deleting
// stored checkpoints or the last entries, and deleting the whole log, is
// caught by `escudo audit verify --checkpoints FILE`.
func TestServeStreamsCheckpointsAndVerifyCatchesTampering(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	if code, _, stderr := runCmd(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	if code, _, stderr := runCmd(t, "a long enough password", "user", "add", "--data", dir, "--role", "analyst", "--username", "ana"); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	code, out, stderr := runCmd(t, "", "token", "create", "--data", dir, "--username", "ana")
	if code != 0 {
		t.Fatalf("token create: %s", stderr)
	}
	token := strings.TrimSpace(out)

	if code, _, stderr := runCmd(t, "", "serve", "--data", dir, "--addr", "127.0.0.1:0", "--public-url", "https://escudo.example", "--metrics-addr", "off", "--audit-sink", filepath.Join(dir, "cp.jsonl")); code == 0 || !strings.Contains(stderr, "inside the data folder") {
		t.Fatalf("sink in the data folder: %d %s", code, stderr)
	}

	sink := filepath.Join(outside, "checkpoints.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, serr syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--public-url", "https://escudo.example", "--metrics-addr", "off", "--audit-sink", sink, "--audit-checkpoint-interval", "20ms"}, &stdout, &serr)
	}()
	url := ""
	for deadline := time.Now().Add(30 * time.Second); url == ""; {
		if m := regexp.MustCompile(`listening on (\S+)`).FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
		} else if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve never listened: %s", serr.String())
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	get := func(tok string) int {
		req, _ := http.NewRequest("GET", url+"/api/v1/cases", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for range 3 {
		if s := get(token); s != 200 {
			t.Fatalf("list with token: %d", s)
		}
	}
	for range 200 {
		if s := get("esc_wrong"); s != 401 {
			t.Fatalf("wrong token: %d", s)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d: %s", code, serr.String())
	}
	if fi, err := os.Stat(sink); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("sink file: %v %v", fi, err)
	}

	code, out, stderr = runCmd(t, "", "audit", "verify", "--data", dir, "--checkpoints", sink)
	if code != 0 || !strings.Contains(out, "keyed chain") || !strings.Contains(out, "200 refused") {
		t.Fatalf("verify after serve: %d %s %s", code, out, stderr)
	}
	m := regexp.MustCompile(`intact: (\d+) entries.*, (\d+) signed checkpoints matched`).FindStringSubmatch(out)
	if m == nil || m[2] == "0" {
		t.Fatalf("nothing matched the streamed checkpoints: %s", out)
	}

	backup := filepath.Join(t.TempDir(), "escudo.db")
	b, err := os.ReadFile(filepath.Join(dir, "escudo.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(backup, b, 0o600); err != nil {
		t.Fatal(err)
	}
	restore := func() {
		t.Helper()
		for _, suffix := range []string{"-wal", "-shm"} {
			_ = os.Remove(filepath.Join(dir, "escudo.db"+suffix))
		}
		if err := os.WriteFile(filepath.Join(dir, "escudo.db"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ name, sql, want string }{
		{"last entries deleted", `DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 2 FROM audit_log)`, "entries deleted"},
		{"last entries and the checkpoints above them deleted", `DELETE FROM audit_checkpoints WHERE seq > (SELECT MAX(seq) - 2 FROM audit_log); DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 2 FROM audit_log)`, "entries deleted"},
		{"stored checkpoints deleted", `DELETE FROM audit_checkpoints`, "missing from the database"},
		{"whole log deleted", `DELETE FROM audit_checkpoints; DELETE FROM audit_log`, "empty"},
	} {
		restore()
		sqlExec(t, dir, tc.sql)
		code, out, stderr := runCmd(t, "", "audit", "verify", "--data", dir, "--checkpoints", sink)
		if code != 1 || !strings.Contains(stderr, "FAILED") || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, %s%s", tc.name, code, out, stderr)
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The master key does not travel with the data: a fresh installation puts it
// outside the data folder; a key inside the folder is refused unless allowed;
// a key or database others can read is refused or tightened; the backup
// leaves the key out and says where it is. All on real files.
func TestMasterKeyKeptApartFromTheData(t *testing.T) {
	if err := os.Remove(testKeyPath(t)); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(testKeyPath(t)) })
	dir := filepath.Join(t.TempDir(), "data")
	if code, out, stderr := runCmd(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %d %s %s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "master.key")); !os.IsNotExist(err) {
		t.Fatalf("a master key was created inside the data folder: %v", err)
	}
	mode := func(p string) os.FileMode {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Mode().Perm()
	}
	if m := mode(testKeyPath(t)); m != 0o600 {
		t.Errorf("master key created %04o, want 0600", m)
	}
	if m := mode(dir); m != 0o700 {
		t.Errorf("data folder created %04o, want 0700", m)
	}
	for _, f := range []string{"escudo.db", "escudo.db-wal", "escudo.db-shm"} {
		p := filepath.Join(dir, f)
		if _, err := os.Stat(p); os.IsNotExist(err) && f != "escudo.db" {
			continue // removed on close
		}
		if mode(p)&0o077 != 0 {
			t.Errorf("%s created %04o, readable by others", f, mode(p))
		}
	}

	// A database file left readable by an earlier version is tightened.
	if err := os.Chmod(filepath.Join(dir, "escudo.db"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(t, "", "audit", "verify", "--data", dir); code != 0 {
		t.Fatalf("verify: %s", stderr)
	}
	if m := mode(filepath.Join(dir, "escudo.db")); m != 0o600 {
		t.Errorf("database left %04o after opening", m)
	}

	// A key others can read is refused with the command that fixes it, or
	// only warned about when allowed.
	if err := os.Chmod(testKeyPath(t), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd(t, "", "audit", "verify", "--data", dir)
	if code == 0 || !strings.Contains(stderr, "chmod 600 "+testKeyPath(t)) {
		t.Fatalf("a readable key was accepted: %d %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "", "audit", "verify", "--data", dir, "--allow-readable-key"); code != 0 {
		t.Fatalf("--allow-readable-key: %d %s", code, stderr)
	}
	if err := os.Chmod(testKeyPath(t), 0o600); err != nil {
		t.Fatal(err)
	}

	// A key inside the data folder is refused unless told so.
	inside := filepath.Join(dir, "master.key")
	b, err := os.ReadFile(testKeyPath(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inside, b, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd(t, "", "audit", "verify", "--data", dir, "--master-key", inside)
	if code == 0 || !strings.Contains(stderr, "inside the data folder") {
		t.Fatalf("a key inside the data folder was accepted: %d %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "", "audit", "verify", "--data", dir, "--master-key", inside, "--allow-key-in-data"); code != 0 {
		t.Fatalf("--allow-key-in-data: %d %s", code, stderr)
	}
	// An installation of an earlier version, its key in the folder, is told
	// how to move it.
	if err := os.Remove(testKeyPath(t)); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd(t, "", "audit", "verify", "--data", dir)
	if code == 0 || !strings.Contains(stderr, "mv "+inside+" "+testKeyPath(t)) {
		t.Fatalf("an old layout was not explained: %d %s", code, stderr)
	}
	if err := os.Rename(inside, testKeyPath(t)); err != nil {
		t.Fatal(err)
	}

	// The backup is a working copy without the key, and says where the key is.
	out := filepath.Join(t.TempDir(), "copia.db")
	code, stdout, stderr := runCmd(t, "", "backup", "--data", dir, "--out", out, "--quiet")
	if code != 0 || !strings.Contains(stdout, testKeyPath(t)) || !strings.Contains(stdout, "apart") {
		t.Fatalf("backup: %d %s %s", code, stdout, stderr)
	}
	if m := mode(out); m != 0o600 {
		t.Errorf("backup created %04o, want 0600", m)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(b), "SQLite format 3") || strings.Contains(string(b), strings.TrimSpace(string(keyHex(t)))) {
		t.Fatalf("backup is not a database without the key: %v", err)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	if err := os.MkdirAll(restored, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(out, filepath.Join(restored, "escudo.db")); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := runCmd(t, "", "audit", "verify", "--data", restored); code != 0 || !strings.Contains(stdout+stderr, "intact") {
		t.Fatalf("restored backup does not verify: %d %s %s", code, stdout, stderr)
	}
	if code, _, _ := runCmd(t, "", "backup", "--data", dir, "--out", filepath.Join(restored, "escudo.db"), "--quiet"); code == 0 {
		t.Fatal("backup overwrote an existing file")
	}
	code, stdout, _ = runCmd(t, "", "backup", "--db", "postgres://escudo@db.example/escudo")
	if code != 0 || !strings.Contains(stdout, "pg_dump") || !strings.Contains(stdout, testKeyPath(t)) {
		t.Fatalf("backup on PostgreSQL: %d %s", code, stdout)
	}
}

func keyHex(t *testing.T) []byte {
	b, err := os.ReadFile(testKeyPath(t))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

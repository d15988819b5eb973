package vault_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"escudo/internal/vault"
)

// The master key file: created on first start with mode 0600, read back the
// same on the next, refused when others can read it (or accepted with a
// warning when the operator allows it), and overridden by the environment.
func TestLoadMasterKeyFile(t *testing.T) {
	t.Setenv("ESCUDO_MASTER_KEY", "")
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "master.key")
	if _, err := vault.LoadMasterKey(path, false); err == nil {
		t.Fatal("a missing key file without create gave a key")
	}
	first, err := vault.LoadMasterKey(path, true)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("new key file has mode %04o, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if raw, err := hex.DecodeString(strings.TrimSpace(string(b))); err != nil || len(raw) != 32 {
		t.Fatalf("key file holds %q", b)
	}
	again, err := vault.LoadMasterKey(path, true)
	if err != nil || again.ID() != first.ID() {
		t.Fatalf("the key read back differs: %v %v", err, again)
	}

	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.LoadMasterKey(path, false); !errors.Is(err, vault.ErrReadableKey) || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key file the group can read: %v", err)
	}
	var warned []string
	k, err := vault.LoadMasterKeyFile(path, vault.KeyFileOptions{AllowReadable: true, Warn: func(m string) { warned = append(warned, m) }})
	if err != nil || k.ID() != first.ID() || len(warned) != 1 || !strings.Contains(warned[0], "0640") {
		t.Fatalf("allowed readable key: %v, warnings %q", err, warned)
	}
	if _, err := vault.LoadMasterKeyFile(path, vault.KeyFileOptions{AllowReadable: true}); err != nil {
		t.Fatalf("allowed readable key without a warning function: %v", err)
	}

	env := strings.Repeat("ab", 32)
	t.Setenv("ESCUDO_MASTER_KEY", env)
	fromEnv, err := vault.LoadMasterKey(filepath.Join(dir, "absent"), false)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := vault.ParseMasterKey(env)
	if fromEnv.ID() != want.ID() || fromEnv.ID() == first.ID() {
		t.Fatal("the environment's key was not used")
	}
}

func TestMasterKeyInput(t *testing.T) {
	if _, err := vault.ParseMasterKey("not hex"); err == nil {
		t.Error("a key that is not hex accepted")
	}
	if _, err := vault.NewMasterKey(bytes.Repeat([]byte{1}, 31)); err == nil {
		t.Error("a 31-byte key accepted")
	}
	k, err := vault.ParseMasterKey("  " + strings.Repeat("0f", 32) + "\n")
	if err != nil || len(k.ID()) != 8 {
		t.Fatalf("a hex key with spaces around it: %v", err)
	}
	a, _ := k.DeriveKey("audit", 32)
	b, _ := k.DeriveKey("audit", 32)
	c, _ := k.DeriveKey("other", 32)
	if len(a) != 32 || !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Error("derived keys are not one per purpose")
	}
}

// A secret's MAC depends on the secret and its kind: the database can match
// a follow-up code without holding it.
func TestMAC(t *testing.T) {
	k := ring(t)
	a := k.MAC("followup", []byte("K7Q2-9XZ4"))
	if len(a) != 32 || !bytes.Equal(a, k.MAC("followup", []byte("K7Q2-9XZ4"))) {
		t.Fatal("MAC is not stable")
	}
	if bytes.Equal(a, k.MAC("device", []byte("K7Q2-9XZ4"))) || bytes.Equal(a, k.MAC("followup", []byte("K7Q2-9XZ5"))) {
		t.Fatal("another kind or secret has the same MAC")
	}
}

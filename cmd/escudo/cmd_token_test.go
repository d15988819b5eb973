package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	escudohttp "escudo/internal/http"
	"escudo/internal/store"
	"escudo/internal/vault"
)

// TestTokenCommands issues, lists and revokes a token from the command
// line and uses it against the API of the same data folder.
func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCmd(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	for _, u := range [][]string{{"ana", "reception"}, {"bene", "beneficiary"}} {
		if code, _, stderr := runCmd(t, "a long enough password", "user", "add", "--data", dir, "--role", u[1], "--username", u[0]); code != 0 {
			t.Fatalf("user add: %s", stderr)
		}
	}
	if code, _, _ := runCmd(t, "", "token", "create", "--data", dir); code != 2 {
		t.Fatal("token create without --username must be a usage error")
	}
	if code, _, stderr := runCmd(t, "", "token", "create", "--data", dir, "--username", "nadie"); code != 2 || !strings.Contains(stderr, "nadie") {
		t.Fatalf("unknown user: %d %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "", "token", "create", "--data", dir, "--username", "bene"); code != 2 || !strings.Contains(stderr, "staff") {
		t.Fatalf("beneficiary token: %d %s", code, stderr)
	}
	if code, _, _ := runCmd(t, "", "token", "create", "--data", dir, "--username", "ana", "--expires", "-3d"); code != 2 {
		t.Fatal("negative lifetime accepted")
	}
	code, out, stderr := runCmd(t, "", "token", "create", "--data", dir, "--username", "ana", "--name", "integración", "--expires", "30d")
	token := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(token, store.APITokenPrefix) || strings.Count(out, "\n") != 1 || !strings.Contains(stderr, "Bearer") {
		t.Fatalf("token create: %d %q %s", code, out, stderr)
	}

	// The token opens the API of this data folder.
	ctx := context.Background()
	key, err := vault.LoadMasterKey(testKeyPath(t), false)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, store.Options{DataDir: dir, Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Init(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err := escudohttp.New(escudohttp.Options{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	status := func() int {
		r := httptest.NewRequest("GET", "/api/v1/cases", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w.Code
	}
	if got := status(); got != http.StatusOK {
		t.Fatalf("API with the new token: %d", got)
	}

	code, out, _ = runCmd(t, "", "token", "list", "--data", dir, "--username", "ana")
	if code != 0 || !strings.Contains(out, token[:10]) || !strings.Contains(out, "integración") || !strings.Contains(out, "active") || strings.Contains(out, token) {
		t.Fatalf("token list: %d %s", code, out)
	}
	if code, _, _ := runCmd(t, "", "token", "revoke", "--data", dir, "--id", "99"); code != 2 {
		t.Fatal("revoking an unknown token must fail")
	}
	if code, out, stderr := runCmd(t, "", "token", "revoke", "--data", dir, "--id", "1"); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %d %s %s", code, out, stderr)
	}
	if got := status(); got != http.StatusUnauthorized {
		t.Fatalf("API with a revoked token: %d", got)
	}
	if _, out, _ := runCmd(t, "", "token", "list", "--data", dir, "--username", "ana"); !strings.Contains(out, "revoked") {
		t.Fatalf("token list after revoke: %s", out)
	}
}

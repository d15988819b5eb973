package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	escudohttp "escudo/internal/http"
	"escudo/internal/store"
	"escudo/internal/vault"
)

// TestResetFactorCommand removes a lost phone's factors with two staff
// members and a reason, audited; the owner enrols again at the next sign-in.
func TestResetFactorCommand(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCmd(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	for _, u := range [][]string{{"ana", "admin"}, {"beto", "coordinator"}, {"carla", "duty"}, {"dora", "beneficiary"}} {
		if code, _, stderr := runCmd(t, "a long enough password", "user", "add", "--data", dir, "--role", u[1], "--username", u[0]); code != 0 {
			t.Fatalf("user add: %s", stderr)
		}
	}
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
	carla, err := db.FindUserByUsername(ctx, "carla")
	if err != nil {
		t.Fatal(err)
	}
	// Carla's phone held her app; she also had a key, and someone has
	// been guessing her codes.
	if _, _, err := db.BeginTOTP(ctx, carla); err != nil {
		t.Fatal(err)
	}
	if err := db.AddSecurityKey(ctx, carla.ID, []byte("cred-1"), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	for range store.FactorLockout.Max {
		if _, _, err := db.BeginFactorAttempt(ctx, carla.ID, store.FactorLockout); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _, _ := db.BeginFactorAttempt(ctx, carla.ID, store.FactorLockout); ok {
		t.Fatal("the code step should be locked")
	}

	reason := "teléfono robado; identidad confirmada por videollamada"
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no witness", []string{"--username", "carla", "--by", "ana", "--reason", reason}, "--witness"},
		{"no reason", []string{"--username", "carla", "--by", "ana", "--witness", "beto"}, "--reason"},
		{"own factor", []string{"--username", "carla", "--by", "carla", "--witness", "beto", "--reason", reason}, "own"},
		{"one person twice", []string{"--username", "carla", "--by", "ana", "--witness", "ana", "--reason", reason}, "two different"},
		{"not an administrator", []string{"--username", "ana", "--by", "carla", "--witness", "beto", "--reason", reason}, "administrator or coordinator"},
		{"witness not staff", []string{"--username", "carla", "--by", "ana", "--witness", "dora", "--reason", reason}, "staff"},
		{"unknown user", []string{"--username", "nadie", "--by", "ana", "--witness", "beto", "--reason", reason}, "nadie"},
	} {
		code, _, stderr := runCmd(t, "", append([]string{"user", "reset-factor", "--data", dir}, tt.args...)...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: %d %s", tt.name, code, stderr)
		}
	}
	if st, _ := db.TOTPStatus(ctx, carla.ID); st == store.TOTPNone {
		t.Fatal("a refused reset removed the factor")
	}

	// Only the app first: the key stays.
	code, out, stderr := runCmd(t, "", "user", "reset-factor", "--data", dir, "--username", "carla", "--totp", "--by", "ana", "--witness", "beto", "--reason", reason)
	if code != 0 || !strings.Contains(out, "totp") || strings.Contains(out, "security_keys") {
		t.Fatalf("reset --totp: %d %s %s", code, out, stderr)
	}
	if st, _ := db.TOTPStatus(ctx, carla.ID); st != store.TOTPNone {
		t.Fatalf("TOTP still there: %v", st)
	}
	if keys, _ := db.SecurityKeys(ctx, carla.ID); len(keys) != 1 {
		t.Fatalf("--totp removed security keys: %d", len(keys))
	}
	if ok, _, _ := db.BeginFactorAttempt(ctx, carla.ID, store.FactorLockout); !ok {
		t.Fatal("the reset left the code step locked")
	}
	// Both by default.
	if code, out, stderr := runCmd(t, "", "user", "reset-factor", "--data", dir, "--username", "carla", "--by", "beto", "--witness", "ana", "--reason", reason); code != 0 || !strings.Contains(out, "totp, security_keys") {
		t.Fatalf("reset: %d %s %s", code, out, stderr)
	}
	if keys, _ := db.SecurityKeys(ctx, carla.ID); len(keys) != 0 {
		t.Fatalf("security keys left: %d", len(keys))
	}

	// Audited under the two staff members, with the factors; the reason
	// is sealed, never in clear.
	type row struct {
		actor   int64
		action  string
		object  string
		factors string
	}
	var rows []row
	var sealed int
	if err := db.WithTx(ctx, false, func(tx *store.Tx) error {
		rs, err := tx.Query(ctx, `SELECT actor_id, action, object_id, fields FROM audit_log WHERE action LIKE 'user.reset_factor%' ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.actor, &r.action, &r.object, &r.factors); err != nil {
				return err
			}
			rows = append(rows, r)
		}
		if err := rs.Err(); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM factor_resets WHERE user_id = ? AND reason_enc IS NOT NULL`, carla.ID).Scan(&sealed)
	}); err != nil {
		t.Fatal(err)
	}
	ana, _ := db.FindUserByUsername(ctx, "ana")
	beto, _ := db.FindUserByUsername(ctx, "beto")
	want := []row{
		{ana.ID, "user.reset_factor", "3", "totp"}, {beto.ID, "user.reset_factor.witness", "3", "totp"},
		{beto.ID, "user.reset_factor", "3", "totp,security_keys"}, {ana.ID, "user.reset_factor.witness", "3", "totp,security_keys"},
	}
	if len(rows) != len(want) {
		t.Fatalf("audit rows: %+v", rows)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Fatalf("audit row %d: %+v, want %+v", i, rows[i], want[i])
		}
	}
	if sealed != 2 {
		t.Fatalf("reset records: %d", sealed)
	}

	// Carla's next sign-in enrols a new authenticator.
	srv, err := escudohttp.New(escudohttp.Options{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"username": {"carla"}, "password": {"a long enough password"}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login/enrol") {
		t.Fatalf("sign-in after the reset: %d %q", w.Code, w.Header().Get("Location"))
	}
}

// TestServeFlags: serve needs the public URL and refuses bad proxy ranges
// before it touches any data.
func TestServeFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "--public-url is required"},
		{[]string{"--public-url", "escudo.example"}, "scheme and host"},
		{[]string{"--public-url", "https://escudo.example/app"}, "scheme and host"},
		{[]string{"--public-url", "https://escudo.example", "--trusted-proxies", "10.0.0.0/8,nonsense"}, "--trusted-proxies"},
		{[]string{"--public-url", "https://escudo.example", "--forwarded-header", "X-Real-IP"}, "--forwarded-header"},
	} {
		t.Setenv("ESCUDO_PUBLIC_URL", "")
		code, _, stderr := runCmd(t, "", append([]string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, tt.args...)...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: %d %s", tt.args, code, stderr)
		}
	}
	var f webFlags
	f.forwardedHeader = "forwarded"
	if err := f.parse("https://escudo.example/", "10.0.0.0/8, 192.0.2.7"); err != nil || f.publicURL.String() != "https://escudo.example" || len(f.trustedProxies) != 2 || f.forwardedHeader != "Forwarded" {
		t.Fatalf("good flags: %v %+v", err, f)
	}
}

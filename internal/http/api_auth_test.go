package http

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/store"
	"escudo/internal/testdb"
	"escudo/internal/web"
	"escudo/internal/web/api"
)

func TestAPITokens(t *testing.T) {
	clock := testdb.NewClock(apiT0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(apiT0) // one clock serves both engines
		ctx := context.Background()
		a := newAPISite(t, db, Options{})
		get := func(token string) int {
			return a.do("GET", "/api/v1/cases", "", "Authorization", "Bearer "+token).Status
		}
		if got := get(a.token); got != 200 {
			t.Fatalf("valid token: %d", got)
		}
		// Only a keyed hash is stored.
		var stored int
		_ = db.WithTx(ctx, false, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM api_tokens WHERE prefix = ?`, a.token).Scan(&stored)
		})
		if stored != 0 {
			t.Fatal("the whole token is stored")
		}
		if got := get(a.token + "x"); got != 401 {
			t.Fatalf("altered token: %d", got)
		}

		// Expiry.
		tok, secret, err := db.CreateAPIToken(ctx, a.analyst.ID, "short", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if got := get(secret); got != 200 {
			t.Fatalf("fresh token: %d", got)
		}
		clock.Advance(time.Hour)
		if got := get(secret); got != 401 {
			t.Fatalf("expired token: %d", got)
		}
		list, err := db.APITokens(ctx, a.analyst.ID)
		if err != nil || len(list) != 2 || list[0].ID != tok.ID || list[0].LastUsedAt == nil || list[0].Role != escudo.RoleAnalyst || list[1].LastUsedAt != nil {
			t.Fatalf("tokens %+v %v", list, err)
		}

		// Revocation.
		tok2, secret2, err := db.CreateAPIToken(ctx, a.analyst.ID, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := get(secret2); got != 200 {
			t.Fatalf("token: %d", got)
		}
		if err := db.RevokeAPIToken(ctx, tok2.ID); err != nil {
			t.Fatal(err)
		}
		if got := get(secret2); got != 401 {
			t.Fatalf("revoked token: %d", got)
		}
		if err := db.RevokeAPIToken(ctx, tok2.ID); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("revoking twice: %v", err)
		}

		// A token dies with its holder's role or account.
		_, secret3, err := db.CreateAPIToken(ctx, a.analyst.ID, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		setUser := func(q string, args ...any) {
			if err := db.WithTx(ctx, true, func(tx *store.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		setUser(`UPDATE users SET role = ? WHERE id = ?`, string(escudo.RoleCoordinator), a.analyst.ID)
		if got := get(secret3); got != 401 {
			t.Fatalf("token after role change: %d", got)
		}
		setUser(`UPDATE users SET role = ? WHERE id = ?`, string(escudo.RoleAnalyst), a.analyst.ID)
		if got := get(secret3); got != 200 {
			t.Fatalf("token after role restored: %d", got)
		}
		setUser(`UPDATE users SET disabled = 1 WHERE id = ?`, a.analyst.ID)
		if got := get(secret3); got != 401 {
			t.Fatalf("token of disabled user: %d", got)
		}

		// Only staff may hold tokens.
		benef := webUser(t, db, "beneficiaria", escudo.RoleBeneficiary)
		if _, _, err := db.CreateAPIToken(ctx, benef.ID, "", 0); escudo.ErrorCode(err) != escudo.EINVALID {
			t.Fatalf("token for a beneficiary: %v", err)
		}
		if _, _, err := db.CreateAPIToken(ctx, 987654, "", 0); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("token for nobody: %v", err)
		}
		// Denials are audited (wrong tokens aggregated per source and reason).
		if err := db.FlushRefusals(ctx); err != nil {
			t.Fatal(err)
		}
		var denied int
		_ = db.WithTx(ctx, false, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COALESCE(SUM(occurrences), 0) FROM audit_log WHERE action = 'token.use' AND outcome = 'denied'`).Scan(&denied)
		})
		if denied < 4 {
			t.Fatalf("%d token denials audited", denied)
		}
	})
}

// TestAPISession checks the API with a browser session: staff get in,
// other roles are refused with 403, and the token still wins over nothing.
func TestAPISession(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	site := newWebSite(t, db, Options{})
	webUser(t, db, "coordina", escudo.RoleCoordinator)
	webUser(t, db, "consejo", escudo.RoleCouncil)
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, site.ts.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := site.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := call("GET", "/api/v1/backlog", ""); code != 401 {
		t.Fatalf("before login: %d", code)
	}
	site.login("consejo", webPassword)
	if code, body := call("GET", "/api/v1/backlog", ""); code != 403 || !strings.Contains(body, `"code":"forbidden"`) {
		t.Fatalf("council member: %d %s", code, body)
	}
	site.c = newWebClient()
	site.login("coordina", webPassword)
	if code, body := call("GET", "/api/v1/backlog", ""); code != 200 || !strings.Contains(body, `"stage_counts"`) {
		t.Fatalf("coordinator: %d %s", code, body)
	}
	code, body := call("POST", "/api/v1/cases", validIntake)
	if code != 201 {
		t.Fatalf("intake with a session: %d %s", code, body)
	}
}

// TestAPIPermissionTable checks that every staff route follows the role's
// rule in the permission table, whatever the table says, and that each
// refusal is audited.
func TestAPIPermissionTable(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newAPISite(t, db, Options{})
		wantDenied := 0
		for _, role := range web.StaffRoles {
			u := webUser(t, db, "u"+string(role), role)
			_, tok, err := db.CreateAPIToken(ctx, u.ID, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, rt := range api.Routes() {
				if rt.Public {
					continue
				}
				allowed := true
				if rt.Action != "" {
					rule, ok := access.RuleFor(role, rt.Action)
					allowed = ok && rule.Scope != access.None
				}
				// An empty body: an allowed write is refused for its content
				// (400), never for the caller, and changes nothing.
				body := ""
				if rt.Method != "GET" {
					body = "{}"
				}
				r := a.do(rt.Method, strings.ReplaceAll(rt.Path, "{id}", "{case}"), body, "Authorization", "Bearer "+tok)
				switch {
				case !allowed && (r.Status != 403 || !strings.Contains(r.Body, `"code":"forbidden"`)):
					t.Errorf("%s %s %s: %d, want 403: %.200s", role, rt.Method, rt.Path, r.Status, r.Body)
				case allowed && (r.Status == 403 || r.Status == 401):
					t.Errorf("%s %s %s: refused (%d) though the table allows %s", role, rt.Method, rt.Path, r.Status, rt.Action)
				}
				if !allowed {
					wantDenied++
				}
			}
		}
		if wantDenied == 0 {
			t.Fatal("the table denies no staff route; the test would prove nothing")
		}
		var denied int
		_ = db.WithTx(ctx, false, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied' AND outcome = 'denied'`).Scan(&denied)
		})
		if denied != wantDenied {
			t.Fatalf("%d denials audited, want %d", denied, wantDenied)
		}
	})
}

package http

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

var recoveryCodeRe = regexp.MustCompile(`<code class="ref">([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code>`)

// Enrolment gives ten one-time recovery codes; one lets a person whose
// phone is lost in once, typed in any case and without dashes, and never
// again; only digests are stored, and every use is audited.
func TestRecoveryCodes(t *testing.T) {
	clock := testdb.NewClock(time.Now().UTC())
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		site := secureSite(t, db)
		webUser(t, db, "perdida", escudo.RoleAnalyst)
		b := site.newClient()
		b.page("/login")
		b.form("/login", url.Values{"username": {"perdida"}, "password": {webPassword}})
		m := secretRe.FindStringSubmatch(b.page("/login/enrol").Body)
		if m == nil {
			t.Fatal("no enrolment secret")
		}
		r := b.form("/login/enrol", url.Values{"code": {totpCode(t, strings.ReplaceAll(m[1], " ", ""), clock.Now())}})
		codes := recoveryCodeRe.FindAllStringSubmatch(r.Body, -1)
		if r.Status != http.StatusOK || len(codes) != store.RecoveryCodeCount {
			t.Fatalf("enrolment: %d, %d codes\n%.2000s", r.Status, len(codes), r.Body)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM user_recovery_codes WHERE code_hash = ?`, codes[0][1]); n != 0 {
			t.Fatal("a code is stored as it was shown")
		}
		if r := b.page("/queue"); r.Status != http.StatusOK {
			t.Fatalf("not signed in after enrolment: %d", r.Status)
		}

		// The phone is lost: password, then a recovery code as a person
		// might type it.
		typed := strings.ToLower(strings.ReplaceAll(codes[3][1], "-", " "))
		use := func() resp {
			c := site.newClient()
			c.page("/login")
			c.form("/login", url.Values{"username": {"perdida"}, "password": {webPassword}})
			if p := c.page("/login/second-factor"); !strings.Contains(p.Body, `name="recovery"`) {
				t.Fatalf("second-factor page offers no recovery code:\n%.1000s", p.Body)
			}
			return c.form("/login/second-factor", url.Values{"recovery": {typed}})
		}
		if r := use(); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/queue" {
			t.Fatalf("recovery code: %d %q", r.Status, r.Header.Get("Location"))
		}
		if r := use(); r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "ya se usó") {
			t.Fatalf("a spent recovery code: %d", r.Status)
		}
		used := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'recovery.use' AND outcome = 'ok'`)
		refused := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'recovery.use' AND outcome = 'denied'`)
		if used != 1 || refused != 1 {
			t.Errorf("audit: %d uses, %d refusals", used, refused)
		}
	})
}

func countRows(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	err := db.WithTx(context.Background(), false, func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), q, args...).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

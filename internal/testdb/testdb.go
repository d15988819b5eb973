// Package testdb opens real databases for tests: a fresh SQLite file in a
// temporary folder and, when ESCUDO_TEST_POSTGRES_URL is set, a fresh
// PostgreSQL database created for the test and dropped after it.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"escudo/internal/measures"
	"escudo/internal/prevention"
	"escudo/internal/risk"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/vault"
)

// Clock is a settable clock for tests.
type Clock struct{ ns atomic.Int64 }

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { c := &Clock{}; c.Set(t); return c }

func (c *Clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *Clock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *Clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// Options tune the databases opened.
type Options struct {
	Now   func() time.Time
	Rules []escudo.ClockRule
	// Instrument is the risk instrument new evaluations use; nil: the default.
	Instrument *risk.Instrument
	// MeasureRules are the granted measures' deadlines and escalation; nil: the default.
	MeasureRules *measures.Rules
	// Prevention is the impunity clock and early warning configuration.
	Prevention prevention.Config
	// AppealWindow is how long a beneficiary may disagree with an evaluation; 0: the default.
	AppealWindow time.Duration
}

// Each runs fn once per engine: "sqlite" always, "postgres" when
// ESCUDO_TEST_POSTGRES_URL is set. With ESCUDO_REQUIRE_POSTGRES=1 (CI) a
// missing URL fails the test instead of skipping.
func Each(t *testing.T, o Options, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t, o)) })
	t.Run("postgres", func(t *testing.T) {
		db := OpenPostgres(t, o)
		fn(t, db)
	})
}

// TestKey is a fixed master key for tests.
func TestKey(t testing.TB) vault.KeyProvider {
	k, err := vault.NewMasterKey([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// OpenSQLite opens a migrated SQLite store in a temporary folder.
func OpenSQLite(t testing.TB, o Options) *store.DB {
	t.Helper()
	return open(t, store.Options{DataDir: t.TempDir(), Now: o.Now, Rules: o.Rules, Instrument: o.Instrument, MeasureRules: o.MeasureRules, Prevention: o.Prevention, AppealWindow: o.AppealWindow, Keys: TestKey(t)})
}

// PostgresURL returns the test server URL, skipping (or failing in CI) when unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("ESCUDO_TEST_POSTGRES_URL")
	if u == "" {
		if os.Getenv("ESCUDO_REQUIRE_POSTGRES") == "1" {
			t.Fatal("ESCUDO_TEST_POSTGRES_URL is unset but ESCUDO_REQUIRE_POSTGRES=1")
		}
		t.Skip("PostgreSQL suite skipped: set ESCUDO_TEST_POSTGRES_URL=postgres://user:pass@host/db to run it")
	}
	return u
}

// OpenPostgres creates a fresh database on the test server and opens it.
func OpenPostgres(t testing.TB, o Options) *store.DB {
	t.Helper()
	dbURL := FreshPostgres(t)
	return open(t, store.Options{URL: dbURL, Now: o.Now, Rules: o.Rules, Instrument: o.Instrument, MeasureRules: o.MeasureRules, Prevention: o.Prevention, AppealWindow: o.AppealWindow, Keys: TestKey(t)})
}

// FreshPostgres creates an empty database and returns its URL; it is dropped
// when the test ends.
func FreshPostgres(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "escudo_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func open(t testing.TB, o store.Options) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(fmt.Errorf("migrate: %w", err))
	}
	return db
}

// EachPair is Each with two handles on one database, as two nodes of a
// cluster (or a process and its successor) have: fn gets both. Options
// apply to both handles unless second changes them for the second one.
func EachPair(t *testing.T, o Options, second func(*Options), fn func(t *testing.T, first, other *store.DB)) {
	t.Helper()
	o2 := o
	if second != nil {
		second(&o2)
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		a := open(t, store.Options{DataDir: dir, Now: o.Now, Rules: o.Rules, Instrument: o.Instrument, MeasureRules: o.MeasureRules, Prevention: o.Prevention, AppealWindow: o.AppealWindow, Keys: TestKey(t)})
		b := open(t, store.Options{DataDir: dir, Now: o2.Now, Rules: o2.Rules, Instrument: o2.Instrument, MeasureRules: o2.MeasureRules, Prevention: o2.Prevention, AppealWindow: o2.AppealWindow, Keys: TestKey(t)})
		fn(t, a, b)
	})
	t.Run("postgres", func(t *testing.T) {
		u := FreshPostgres(t)
		a := open(t, store.Options{URL: u, Now: o.Now, Rules: o.Rules, Instrument: o.Instrument, MeasureRules: o.MeasureRules, Prevention: o.Prevention, AppealWindow: o.AppealWindow, Keys: TestKey(t)})
		b := open(t, store.Options{URL: u, Now: o2.Now, Rules: o2.Rules, Instrument: o2.Instrument, MeasureRules: o2.MeasureRules, Prevention: o2.Prevention, AppealWindow: o2.AppealWindow, Keys: TestKey(t)})
		fn(t, a, b)
	})
}

// RulesWithout is the default clock rules without the named ones, for
// tests about other clocks whose cases never stop the left-out ones.
func RulesWithout(names ...string) []escudo.ClockRule {
	var out []escudo.ClockRule
	for _, r := range escudo.DefaultClockRules() {
		if !slices.Contains(names, r.Name) {
			out = append(out, r)
		}
	}
	return out
}

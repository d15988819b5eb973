package escudo_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

func TestPersonValidate(t *testing.T) {
	ok := func() *escudo.Person {
		return &escudo.Person{Profile: escudo.ProfileDefender, Name: "Ana", Entity: "GRO"}
	}
	tests := []struct {
		name   string
		mutate func(p *escudo.Person)
		fields []string // fields expected in error; empty: valid
	}{
		{"valid", func(p *escudo.Person) {}, nil},
		{"missing name", func(p *escudo.Person) { p.Name = "  " }, []string{"name"}},
		{"unknown entity", func(p *escudo.Person) { p.Entity = "TEXAS" }, []string{"federal_entity"}},
		{"bad profile", func(p *escudo.Person) { p.Profile = "spy" }, []string{"profile"}},
		{"bad email", func(p *escudo.Person) { p.Email = "not-an-email" }, []string{"email"}},
		{"bad phone", func(p *escudo.Person) { p.Phone = "call me maybe" }, []string{"phone"}},
		{"sms refused", func(p *escudo.Person) { p.Contact = escudo.ContactPrefs{Channel: escudo.ContactSMS, NeverSMS: true} }, []string{"contact.channel"}},
		{"bad hours", func(p *escudo.Person) { p.Contact.SafeFrom = "25:00" }, []string{"contact.safe_from"}},
		{"too long", func(p *escudo.Person) { p.Municipality = strings.Repeat("x", 201) }, []string{"municipality"}},
		{"invalid utf8", func(p *escudo.Person) { p.Occupation = "\xff\xfe" }, []string{"occupation"}},
		{"nul byte", func(p *escudo.Person) { p.Alias = "a\x00b" }, []string{"alias"}},
		{"empty relative", func(p *escudo.Person) { p.Relatives = []escudo.Relative{{Name: ""}} }, []string{"relatives"}},
		{"several at once", func(p *escudo.Person) { p.Name = ""; p.Entity = "" }, []string{"name", "federal_entity"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok()
			tt.mutate(p)
			err := p.Validate()
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			v, isV := escudo.AsValidation(err)
			if !isV {
				t.Fatalf("want validation errors, got %v", err)
			}
			got := map[string]bool{}
			for _, e := range v {
				got[e.Field] = true
				if e.Key == "" {
					t.Errorf("field %s has no translation key", e.Field)
				}
			}
			for _, f := range tt.fields {
				if !got[f] {
					t.Errorf("missing error for %s in %v", f, v)
				}
			}
		})
	}
}

func TestCaseValidateChoosesProcedure(t *testing.T) {
	c := &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "x", ImminentDanger: true}
	if err := c.Validate(); err != nil || c.Procedure != escudo.ProcedureExtraordinary {
		t.Fatalf("imminent danger: %v %s", err, c.Procedure)
	}
	c = &escudo.Case{Channel: escudo.ChannelReferral, Narrative: "x"}
	if v, _ := escudo.AsValidation(c.Validate()); len(v) != 1 || v[0].Field != "referred_by" {
		t.Fatalf("referral without referrer: %v", v)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"10d": 240 * time.Hour, "72h": 72 * time.Hour, "3h30m": 210 * time.Minute} {
		got, err := escudo.ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "-1h", "10x", "d", "99999d", "1.5d"} {
		if _, err := escudo.ParseDuration(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestClockEvaluate(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	due := start.Add(10 * 24 * time.Hour)
	stopEarly, stopLate := start.Add(5*time.Hour), due.Add(time.Hour)
	tests := []struct {
		name    string
		now     time.Time
		stopped *time.Time
		want    escudo.ClockStatus
	}{
		{"running", start.Add(time.Hour), nil, escudo.ClockRunning},
		{"due soon past 80%", start.Add(8*24*time.Hour + time.Hour), nil, escudo.ClockDueSoon},
		{"at deadline not breached", due, nil, escudo.ClockDueSoon},
		{"breached", due.Add(time.Second), nil, escudo.ClockBreached},
		{"met", due.Add(time.Hour), &stopEarly, escudo.ClockMet},
		{"late", due.Add(2 * time.Hour), &stopLate, escudo.ClockLate},
	}
	for _, tt := range tests {
		c := escudo.ClockState{StartedAt: start, DueAt: due, StoppedAt: tt.stopped}
		c.Evaluate(tt.now, 0)
		if c.Status != tt.want {
			t.Errorf("%s: got %s want %s", tt.name, c.Status, tt.want)
		}
	}
}

// TestClockDueSoonFloor: "due soon" has an absolute floor, so a short clock
// is amber from its start, not "on time" while a longer one with more time
// left is amber.
func TestClockDueSoonFloor(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		limit   time.Duration
		warnAt  float64
		elapsed time.Duration
		want    escudo.ClockStatus
	}{
		{"3-hour clock at its start", 3 * time.Hour, 0, 0, escudo.ClockDueSoon},
		{"3-hour clock after a minute", 3 * time.Hour, 0, time.Minute, escudo.ClockDueSoon},
		{"9-hour clock at its start", 9 * time.Hour, 0, 0, escudo.ClockDueSoon},
		{"72-hour clock with 15 h left", 72 * time.Hour, 0, 57 * time.Hour, escudo.ClockRunning},
		{"72-hour clock with 14 h left", 72 * time.Hour, 0, 58 * time.Hour, escudo.ClockDueSoon},
		{"3-day clock at 79%", 3 * 24 * time.Hour, 0, 56 * time.Hour, escudo.ClockRunning},
		{"10-day clock with 11 h left", 10 * 24 * time.Hour, 0.99, 229 * time.Hour, escudo.ClockDueSoon},
		{"10-day clock with 13 h left, warn at 99%", 10 * 24 * time.Hour, 0.99, 227 * time.Hour, escudo.ClockRunning},
		{"30-day clock past 80%", 30 * 24 * time.Hour, 0, 24*24*time.Hour + time.Hour, escudo.ClockDueSoon},
		{"30-day clock at 79%", 30 * 24 * time.Hour, 0, 23 * 24 * time.Hour, escudo.ClockRunning},
	}
	for _, tt := range tests {
		c := escudo.ClockState{StartedAt: start, DueAt: start.Add(tt.limit)}
		c.Evaluate(start.Add(tt.elapsed), tt.warnAt)
		if c.Status != tt.want {
			t.Errorf("%s: got %s want %s", tt.name, c.Status, tt.want)
		}
	}
}

func TestClockUsed(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	stop := start.Add(time.Hour)
	tests := []struct {
		name    string
		now     time.Time
		stopped *time.Time
		want    float64
	}{
		{"start", start, nil, 0},
		{"half", start.Add(2 * time.Hour), nil, 0.5},
		{"breached caps at one", start.Add(9 * time.Hour), nil, 1},
		{"stopped keeps its share", start.Add(9 * time.Hour), &stop, 0.25},
	}
	for _, tt := range tests {
		c := escudo.ClockState{StartedAt: start, DueAt: start.Add(4 * time.Hour), StoppedAt: tt.stopped}
		if got := c.Used(tt.now); got != tt.want {
			t.Errorf("%s: got %v want %v", tt.name, got, tt.want)
		}
	}
}

func TestValidateClockRules(t *testing.T) {
	if err := escudo.ValidateClockRules(escudo.DefaultClockRules()); err != nil {
		t.Fatal(err)
	}
	bad := [][]escudo.ClockRule{
		{{Name: "a", Start: "received", Stop: "received", Limit: 1}},
		{{Name: "a", Start: "received", Stop: "nope", Limit: 1}},
		{{Name: "a", Start: "received", Stop: "evaluated", Limit: 0}},
		{{Name: "a", Start: "received", Stop: "evaluated", Limit: 1}, {Name: "a", Start: "received", Stop: "evaluated", Limit: 1}},
		{{Name: "a", Start: "received", Stop: "evaluated", Limit: 1, Procedure: "fast"}},
	}
	for i, rules := range bad {
		if escudo.ValidateClockRules(rules) == nil {
			t.Errorf("bad rules %d accepted", i)
		}
	}
}

// FuzzPersonValidate checks properties of validation over the personal text
// fields, through a real store: whatever is accepted round-trips unchanged
// (every field, read back decrypted) and holds no hidden characters;
// whatever is refused is a validation error with a translation key and
// leaves the store as it was.
func FuzzPersonValidate(f *testing.F) {
	f.Add("Ana", "GRO", "+52 55 1234 5678", "ana@example.org", "08:00", "La Jornada", "Calle 5", "Rosa", "El Faro")
	f.Add("", "", "", "", "", "", "", "", "")
	f.Add("Ana\uFFFD", "OAX", "", "", "", "", "", "", "")
	f.Add("\u202eanA", "CHS", "", "", "", "Radio \u2066X\u2069", "", "", "")
	f.Add("Xóchitl", "GRO", "", "", "", "", "Av. Ñu\u200f", "Tz'ib\x00", "\xed\xa0\x80")
	db := testdb.OpenSQLite(f, testdb.Options{})
	ctx := context.Background()
	people := func(t *testing.T) int {
		var n int
		if err := db.WithTx(ctx, false, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM people`).Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	f.Fuzz(func(t *testing.T, name, entity, phone, email, from, org, address, relative, member string) {
		p := &escudo.Person{Profile: escudo.ProfileJournalist, Name: name, Entity: entity, Phone: phone, Email: email,
			Organization: org, Address: address, Alias: member, Municipality: org, Occupation: relative}
		if relative != "" {
			p.Relatives = []escudo.Relative{{Name: relative, Relationship: "hermana"}}
		}
		if member != "" {
			p.Members = []escudo.Member{{Name: member, Role: "vocera"}}
		}
		p.Contact.SafeFrom = from
		before := people(t)
		err := db.CreatePerson(ctx, p)
		if err != nil {
			v, ok := escudo.AsValidation(err)
			if !ok {
				t.Fatalf("non-validation error %v", err)
			}
			for _, e := range v {
				if e.Key == "" || !strings.HasPrefix(e.Key, "validation.") {
					t.Fatalf("field %s refused without a translation key: %q", e.Field, e.Key)
				}
			}
			if after := people(t); after != before {
				t.Fatalf("refused person changed the store: %d people, was %d", after, before)
			}
			return
		}
		for _, s := range []string{p.Name, p.Organization, p.Address, p.Alias, relative, member} {
			if strings.ContainsAny(s, "\uFFFD\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\x00") {
				t.Fatalf("accepted hidden characters in %q", s)
			}
		}
		// Accepted input is stable: validating again changes nothing.
		q := *p
		if err := q.Validate(); err != nil || q.Name != p.Name {
			t.Fatalf("validation not idempotent: %v", err)
		}
		got, err := db.FindPersonByID(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *p
		want.CreatedAt, want.UpdatedAt, got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("stored person differs:\n got %+v\nwant %+v", *got, want)
		}
	})
}

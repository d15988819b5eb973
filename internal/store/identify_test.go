package store_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"escudo/internal/demo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// minGroup is how many people must share every combination of the clear
// columns that describe a person, in the demo data at its default size.
const minGroup = 10

// columnRole classifies every column of people and cases for
// TestStolenDatabaseIdentifiesNobody. A column the table does not list fails
// the test, so a new clear column is a decision, not an accident.
type columnRole int

const (
	// describes the person: who they are, where they live, what they do,
	// how to reach them, who sent them. Clear columns of this kind must not
	// single anyone out.
	describes columnRole = iota + 1
	// the mechanism's handling of the request (procedure, stage, dates,
	// assignees): in clear for queues, clocks and the backlog board; the
	// residual risk is stated in docs/threat-model.md.
	handling
	// random or keyed values (ids, references, MACs, blind indexes) and
	// sealed envelopes: nothing to read without the keys.
	keyed
)

var columnRoles = map[string]columnRole{
	"people.id": keyed, "people.name_enc": keyed, "people.name_bidx": keyed, "people.alias_enc": keyed,
	"people.kind": describes, "people.profile": describes, "people.gender": describes, "people.ethnicity": describes,
	"people.language": describes, "people.entity": describes, "people.municipality": describes, "people.occupation": describes,
	"people.organization": describes, "people.contact": describes,
	"people.phone_enc": keyed, "people.phone_bidx": keyed, "people.email_enc": keyed, "people.address_enc": keyed,
	"people.relatives_enc": keyed, "people.members_enc": keyed, "people.created_at": handling, "people.updated_at": handling,
	"people.kind_enc": keyed, "people.gender_enc": keyed, "people.ethnicity_enc": keyed, "people.language_enc": keyed,
	"people.entity_enc": keyed, "people.municipality_enc": keyed, "people.occupation_enc": keyed,
	"people.organization_enc": keyed, "people.organization_bidx": keyed, "people.contact_enc": keyed,
	"people.search_version": handling,

	"cases.id": keyed, "cases.reference": keyed, "cases.code_mac": keyed, "cases.person_id": keyed,
	"cases.channel": handling, "cases.referred_by": describes, "cases.referred_by_enc": keyed,
	"cases.received_at": handling, "cases.imminent_danger": handling, "cases.pinned": handling, "cases.procedure": handling,
	"cases.admission": handling, "cases.admission_reason_enc": keyed, "cases.stage": handling,
	"cases.entity": describes, "cases.entity_bidx": keyed, "cases.assigned_to": handling,
	"cases.narrative_enc": keyed, "cases.aggressors_enc": keyed, "cases.created_by": handling,
	"cases.created_at": handling, "cases.updated_at": handling,
}

// Whoever copies the database, without the master key, must not be able to
// pick a protected person out by what they know of them (a Mixtec
// photojournalist of a weekly in Tlapa): every combination of the clear
// columns that describe a person is shared by at least minGroup people of the
// demo data, on both engines.
func TestStolenDatabaseIdentifiesNobody(t *testing.T) {
	clock := &demo.Clock{}
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Seed(ctx, db, clock, demo.Options{Seed: 1, Cases: demo.DefaultCases, Now: time.Date(2026, 11, 20, 15, 30, 0, 0, time.UTC), Password: "demo password for tests"}); err != nil {
			t.Fatal(err)
		}
		var cols []string
		for _, table := range []string{"people", "cases"} {
			names, err := db.ColumnsForTest(ctx, table)
			if err != nil || len(names) == 0 {
				t.Fatalf("columns of %s: %v", table, err)
			}
			alias := table[:1]
			for _, n := range names {
				switch columnRoles[table+"."+n] {
				case describes:
					cols = append(cols, alias+"."+n)
				case 0:
					t.Errorf("column %s.%s is not classified: say whether it describes the person, the handling, or is keyed", table, n)
				}
			}
		}
		q := `SELECT p.id`
		for _, c := range cols {
			q += `, CAST(` + c + ` AS TEXT)`
		}
		rows, err := db.QueryForTest(ctx, q+` FROM people p JOIN cases c ON c.person_id = p.id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		groups := map[string]map[int64]bool{}
		people := 0
		for rows.Next() {
			var id int64
			vals := make([]string, len(cols))
			dest := []any{&id}
			for i := range vals {
				dest = append(dest, &vals[i])
			}
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			var key []string
			for i, v := range vals {
				key = append(key, fmt.Sprintf("%s=%q", cols[i], v))
			}
			k := strings.Join(key, " ")
			if groups[k] == nil {
				groups[k] = map[int64]bool{}
			}
			groups[k][id] = true
			people++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if people < demo.DefaultCases {
			t.Fatalf("read %d people, seeded %d", people, demo.DefaultCases)
		}
		var small []string
		for k, ids := range groups {
			if len(ids) < minGroup {
				small = append(small, fmt.Sprintf("%d: %s", len(ids), k))
			}
		}
		sort.Strings(small)
		if n := len(small); n > 0 {
			if n > 15 {
				small = append(small[:15], fmt.Sprintf("... and %d more", n-15))
			}
			t.Errorf("%d combinations of clear columns are shared by fewer than %d people (seal or coarsen a column):\n%s",
				n, minGroup, strings.Join(small, "\n"))
		}
	})
}

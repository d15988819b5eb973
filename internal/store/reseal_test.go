package store_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// Rows written before migration 0500 held the identifying attributes in
// clear. Migrating seals them and blanks the clear columns, on both engines;
// until then the server refuses to start; a second run changes nothing; the
// case list still filters by entity and finds a case by its organisation.
func TestMigrationSealsAttributesLeftInClear(t *testing.T) {
	testdb.Each(t, testdb.Options{Now: testdb.NewClock(t0).Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var ids []int64
		for _, org := range []string{"El Faro de Tlapa de Comonfort", "Colectivo Tlachinollan del Sur"} {
			p := &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Persona " + org, Entity: "OAX"}
			c := &escudo.Case{Channel: escudo.ChannelReferral, ReferredBy: "Red de periodistas", Narrative: "amenazas"}
			rc, err := db.FileRequest(ctx, c, p)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, rc.CaseID)
			// Write the row back as an earlier version left it.
			if err := db.ExecForTest(ctx, `UPDATE people SET kind = 'individual', gender = 'hombre', ethnicity = 'mixteca (na savi)', language = 'mixteco',
				entity = 'GRO', municipality = 'Tlapa de Comonfort', occupation = 'fotoperiodismo', organization = ?, contact = '{"channel":"signal","safe_from":"08:00"}',
				kind_enc = NULL, gender_enc = NULL, ethnicity_enc = NULL, language_enc = NULL, entity_enc = NULL, municipality_enc = NULL,
				occupation_enc = NULL, organization_enc = NULL, organization_bidx = NULL, contact_enc = NULL WHERE id = ?`, org, p.ID); err != nil {
				t.Fatal(err)
			}
			if err := db.ExecForTest(ctx, `UPDATE cases SET entity = 'GRO', referred_by = 'Red de periodistas', entity_bidx = NULL, referred_by_enc = NULL WHERE id = ?`, rc.CaseID); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CheckSchema(ctx); err == nil {
			t.Fatal("the server would start with personal attributes in clear")
		}
		var progress []int
		db.ResealProgress = func(done, total int) { progress = append(progress, done, total) }
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if len(progress) == 0 || progress[len(progress)-2] != 4 || progress[len(progress)-1] != 4 {
			t.Errorf("progress %v, want it to reach 4 of 4 rows", progress)
		}
		if err := db.CheckSchema(ctx); err != nil {
			t.Fatalf("after migrating: %v", err)
		}
		clear := func() [][]byte {
			rows, err := db.QueryForTest(ctx, `SELECT CAST(kind || gender || ethnicity || language || entity || municipality || occupation || organization || contact AS TEXT), CAST(p.entity_enc AS TEXT)
				FROM people p UNION ALL SELECT CAST(entity || referred_by AS TEXT), CAST(referred_by_enc AS TEXT) FROM cases`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var sealed [][]byte
			for rows.Next() {
				var s string
				var enc []byte
				if err := rows.Scan(&s, &enc); err != nil {
					t.Fatal(err)
				}
				if s != "{}" && s != "" {
					t.Errorf("clear columns still hold %q", s)
				}
				sealed = append(sealed, enc)
			}
			return sealed
		}
		first := clear()
		c, err := db.FindCaseByID(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		p := c.Person
		if c.Entity != "GRO" || p.Entity != "GRO" || p.Municipality != "Tlapa de Comonfort" || p.Organization != "El Faro de Tlapa de Comonfort" ||
			p.Ethnicity != "mixteca (na savi)" || p.Gender != "hombre" || p.Occupation != "fotoperiodismo" || p.Language != "mixteco" ||
			p.Contact.Channel != escudo.ContactSignal || p.Contact.SafeFrom != "08:00" || c.ReferredBy != "Red de periodistas" || p.Kind != escudo.KindIndividual {
			t.Fatalf("sealed values do not read back: case entity %q referred by %q, person %+v", c.Entity, c.ReferredBy, p)
		}
		list, n, err := db.FindCases(ctx, escudo.CaseFilter{Entity: "GRO"})
		if err != nil || n != 2 || len(list) != 2 || list[0].Entity != "GRO" {
			t.Fatalf("entity filter after sealing: %d cases, %v", n, err)
		}
		if _, n, _ := db.FindCases(ctx, escudo.CaseFilter{Entity: "OAX"}); n != 0 {
			t.Fatalf("entity filter OAX found %d cases", n)
		}
		list, _, err = db.FindCases(ctx, escudo.CaseFilter{Query: "el faro de tlapa de comonfort"})
		if err != nil || len(list) != 1 || list[0].ID != ids[0] {
			t.Fatalf("search by organisation: %v %v", list, err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if again := clear(); !slices.EqualFunc(first, again, bytes.Equal) {
			t.Fatal("a second migration re-sealed rows that were already sealed")
		}
	})
}

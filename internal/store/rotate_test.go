package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
	"escudo/internal/vault"
)

// secrets are seeded values that must never appear in clear on disk.
var secrets = []string{"Xochitl Quetzalli Ixtab", "Callejón del Secreto 4471", "9515559876", "amenazada por el cacique Zenón",
	"Comandante Tlacaelel", "casa de seguridad en Mitla"}

func seedSecrets(t *testing.T, db *store.DB) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for i := range 30 {
		p := &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: secrets[0], Entity: "OAX",
			Phone: "951 555 9876", Address: secrets[1], Relatives: []escudo.Relative{{Name: "Hija de " + secrets[0], Relationship: "hija"}}}
		c := &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Fue " + secrets[3], Aggressors: secrets[4], ImminentDanger: i%2 == 0}
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AddNote(ctx, rc.CaseID, "Traslado a "+secrets[5]); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rc.CaseID)
	}
	return ids
}

func TestRotateReencryptsEverything(t *testing.T) {
	testdb.Each(t, testdb.Options{Now: testdb.NewClock(t0).Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids := seedSecrets(t, db)
		tables, err := db.SealedTables(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, tb := range tables {
			for _, c := range tb.Columns {
				found[tb.Name+"."+c] = true
			}
		}
		for _, want := range []string{"people.name_enc", "people.organization_enc", "people.entity_enc", "people.municipality_enc", "people.occupation_enc", "cases.referred_by_enc", "cases.narrative_enc", "case_events.note_enc", "outbox.body_enc", "alerts.location_enc"} {
			if !found[want] {
				t.Errorf("sealed column %s not discovered (found %v)", want, found)
			}
		}
		before, err := db.FindCaseByID(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		oldKey := db.Keys.ActiveKey(vault.Risk)
		if _, err := db.NewDataKeys(ctx); err != nil {
			t.Fatal(err)
		}
		if db.Keys.ActiveKey(vault.Risk) == oldKey {
			t.Fatal("no new risk key")
		}
		var calls int
		rep, err := db.RotateData(ctx, store.RotateOptions{Batch: 7, Progress: func(done, total int64) { calls++ }})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Resealed == 0 || rep.Remaining != 0 || calls < 2 {
			t.Fatalf("report %+v, progress calls %d", rep, calls)
		}
		// Nothing is under an old key: check the raw envelopes too.
		err = db.WithTx(ctx, false, func(tx *store.Tx) error {
			rows, err := tx.Query(ctx, `SELECT name_enc, address_enc FROM people UNION ALL SELECT narrative_enc, aggressors_enc FROM cases`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var a, b []byte
				if err := rows.Scan(&a, &b); err != nil {
					return err
				}
				for _, v := range [][]byte{a, b} {
					if id, _ := vault.KeyID(v); len(v) > 0 && (id == oldKey || db.Keys.NeedsRotation(compartmentOf(db, id), v)) {
						t.Errorf("value still under key %s", id)
					}
				}
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		after, err := db.FindCaseByID(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if after.Narrative != before.Narrative || after.Person.Address != secrets[1] || after.Person.Relatives[0].Name != before.Person.Relatives[0].Name {
			t.Fatal("values did not read back after rotation")
		}
		events, err := db.Timeline(ctx, ids[0])
		if err != nil || events[len(events)-1].Note != "Traslado a "+secrets[5] {
			t.Fatalf("note after rotation: %v %+v", err, events)
		}
		// Blind index unchanged: exact-name search still finds the cases.
		list, total, err := db.FindCases(ctx, escudo.CaseFilter{Query: "xochitl quetzalli IXTAB"})
		if err != nil || total != len(ids) || len(list) == 0 {
			t.Fatalf("search after rotation: %v %d", err, total)
		}
		// Resumable: a second run has nothing to do.
		rep, err = db.RotateData(ctx, store.RotateOptions{})
		if err != nil || rep.Resealed != 0 {
			t.Fatalf("second run resealed %+v %v", rep, err)
		}
	})
}

func compartmentOf(db *store.DB, id string) vault.Compartment {
	c, _ := db.Keys.KeyCompartment(id)
	return c
}

// A node that loaded its keys before the rotation keeps reading.
func TestRotateWhileAnotherNodeServes(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	open := func() *store.DB {
		db, err := store.Open(ctx, store.Options{DataDir: dir, Keys: testdb.TestKey(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	server := open()
	ids := seedSecrets(t, server)
	rotator := open()
	if _, err := rotator.NewDataKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := rotator.RotateData(ctx, store.RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	c, err := server.FindCaseByID(ctx, ids[3])
	if err != nil || c.Person.Address != secrets[1] {
		t.Fatalf("serving node after rotation: %v", err)
	}
}

func TestNoPlaintextInFileWALOrBackup(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: dir, Keys: testdb.TestKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	seedSecrets(t, db)
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := db.VacuumInto(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewDataKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RotateData(ctx, store.RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	files := []string{db.Path(), db.Path() + "-wal", backup}
	if st, err := os.Stat(db.Path() + "-wal"); err != nil || st.Size() == 0 {
		t.Fatalf("expected a live WAL to search: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			for _, form := range [][]byte{[]byte(s), []byte(vault.Normalize(s))} {
				if bytes.Contains(b, form) {
					t.Errorf("%s holds %q in clear", filepath.Base(f), form)
				}
			}
		}
	}
}

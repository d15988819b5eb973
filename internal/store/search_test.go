package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestSearchPeopleAsTyped: an operator on a call finds the person by any
// one word of the name, by the phone however it is typed, by a word of the
// organisation or media outlet, and by the reference however it is typed.
func TestSearchPeopleAsTyped(t *testing.T) {
	testdb.Each(t, testdb.Options{Now: testdb.NewClock(t0).Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, p := newRequest("María José Pérez Yescas")
		p.Phone = "+52 971 555 0142"
		p.Organization = "Radio Comunitaria Totopo"
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		other, op := newRequest("Juan Pérez Martínez")
		op.Phone = "951 555 0199"
		if _, err := db.FileRequest(ctx, other, op); err != nil {
			t.Fatal(err)
		}
		ref := rc.Reference[len("ESC-"):]
		for _, q := range []string{
			"9715550142", "971 555 0142", "+52 971 555 0142", "(971) 555-0142",
			"yescas", "MARIA", "jose", "pérez yescas", "Yescas  María",
			"Totopo", "radio comunitaria",
			rc.Reference, ref, " esc " + ref[:4] + " " + ref[5:] + " ",
		} {
			list, total, err := db.FindCases(ctx, escudo.CaseFilter{Query: q})
			if err != nil || total != 1 || len(list) != 1 || list[0].ID != rc.CaseID {
				t.Errorf("search %q: %v total %d", q, err, total)
			}
		}
		if _, total, err := db.FindCases(ctx, escudo.CaseFilter{Query: "Pérez"}); err != nil || total != 2 {
			t.Errorf("a word two people share finds both: %v total %d", err, total)
		}
		for _, q := range []string{"María Martínez", "Ramírez", "9715550143", "Radio Juchitán"} {
			if _, total, err := db.FindCases(ctx, escudo.CaseFilter{Query: q}); err != nil || total != 0 {
				t.Errorf("search %q found %d (%v)", q, total, err)
			}
		}
		people, err := db.FindPeopleByName(ctx, "yescas maria")
		if err != nil || len(people) != 1 || people[0].Name != p.Name {
			t.Errorf("people by two words: %v %v", err, people)
		}
		// A changed name is found by its new words only.
		cs, err := db.FindCaseByID(ctx, rc.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		got := cs.Person
		got.Name = "María José Luna"
		if err := db.UpdatePerson(ctx, got); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := db.FindCases(ctx, escudo.CaseFilter{Query: "yescas"}); total != 0 {
			t.Errorf("old word still finds the person: %d", total)
		}
		if _, total, _ := db.FindCases(ctx, escudo.CaseFilter{Query: "luna"}); total != 1 {
			t.Errorf("new word does not find the person: %d", total)
		}
	})
}

// TestSearchIndexesRebuiltForOldRows: rows written before migration 0610
// (no word indexes, phone indexed by its digits) are found once Migrate has
// rebuilt their indexes, and the server refuses to start until it has.
func TestSearchIndexesRebuiltForOldRows(t *testing.T) {
	testdb.Each(t, testdb.Options{Now: testdb.NewClock(t0).Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var ids []int64
		for i := range 3 {
			c, p := newRequest(fmt.Sprintf("Persona Antigua%d Núñez", i))
			p.Phone = fmt.Sprintf("971 555 01%02d", i)
			rc, err := db.FileRequest(ctx, c, p)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, rc.CaseID)
		}
		// As an earlier version left them.
		if err := db.ExecForTest(ctx, `DELETE FROM person_words`); err != nil {
			t.Fatal(err)
		}
		if err := db.ExecForTest(ctx, `UPDATE people SET search_version = 0, phone_bidx = NULL`); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := db.FindCases(ctx, escudo.CaseFilter{Query: "antigua1"}); total != 0 {
			t.Fatalf("found before the rebuild: %d", total)
		}
		if err := db.CheckSchema(ctx); err == nil {
			t.Fatal("CheckSchema accepts people without search indexes")
		}
		var progress []int
		db.ResealProgress = func(done, total int) { progress = append(progress, done, total) }
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if len(progress) != 2 || progress[0] != 3 || progress[1] != 3 {
			t.Errorf("progress %v", progress)
		}
		if err := db.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			for _, q := range []string{fmt.Sprintf("antigua%d", i), fmt.Sprintf("+529715550%d", 100+i)} {
				list, total, err := db.FindCases(ctx, escudo.CaseFilter{Query: q})
				if err != nil || total != 1 || list[0].ID != id {
					t.Errorf("after rebuild %q: %v %d", q, err, total)
				}
			}
		}
	})
}

// TestFollowUpCodeAsTyped: the follow-up page accepts the reference and the
// code with spaces, without dashes and in any case.
func TestFollowUpCodeAsTyped(t *testing.T) {
	testdb.Each(t, testdb.Options{Now: testdb.NewClock(t0).Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, p := newRequest("Lucía Gómez")
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		bare := func(s string) string { return strings.ReplaceAll(s, "-", "") }
		spaced := func(s string) string { return strings.ReplaceAll(s, "-", " ") }
		for _, tc := range [][2]string{
			{rc.Reference, rc.Code},
			{strings.ToLower(rc.Reference), strings.ToLower(rc.Code)},
			{bare(rc.Reference), bare(rc.Code)},
			{spaced(rc.Reference), spaced(rc.Code)},
			{" " + strings.ToLower(bare(rc.Reference[4:])) + " ", " " + strings.ToLower(spaced(rc.Code)) + " "},
		} {
			st, err := db.PublicStatus(ctx, tc[0], tc[1])
			if err != nil || st.Reference != rc.Reference {
				t.Errorf("status with %q / %q: %v", tc[0], tc[1], err)
			}
		}
		if _, err := db.PublicStatus(ctx, rc.Reference, bare(rc.Code)[1:]); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Errorf("a code short of one character: %v", err)
		}
	})
}

func TestNormalizeCode(t *testing.T) {
	for in, want := range map[string]string{
		"ESC-7K2M-9QPX":         "ESC-7K2M-9QPX",
		"esc 7k2m 9qpx":         "ESC-7K2M-9QPX",
		"ESC7K2M9QPX":           "ESC-7K2M-9QPX",
		"7k2m9qpx":              "7K2M-9QPX",
		"abcd efgh jkmn pqrs":   "ABCD-EFGH-JKMN-PQRS",
		"ABCDEFGHJKMNPQRS":      "ABCD-EFGH-JKMN-PQRS",
		"o1l1-iiii-0000-1111":   "0111-1111-0000-1111",
		"  abcd-efgh-jkmn-pqrs": "ABCD-EFGH-JKMN-PQRS",
	} {
		if got := store.NormalizeCode(in); got != want {
			t.Errorf("NormalizeCode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSearchPagesEachCaseOnceAndCapsTheCount: a case found several ways (a
// word of the name and of the organisation, and its phone) is listed once;
// pages run newest first without repeats or gaps; other filters apply to the
// matches; and a word that matches more cases than the cap counts only up to
// the cap plus one.
func TestSearchPagesEachCaseOnceAndCapsTheCount(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		store.SetSearchCountCap(t, 5)
		ctx := context.Background()
		var want []int64 // newest first
		for i, given := range []string{"Ana", "Beto", "Carla", "Daniel", "Elena", "Fausto", "Gloria"} {
			c, p := newRequest(given + " Hernández")
			c.ReceivedAt = t0.Add(time.Duration(i) * time.Hour)
			if i == 3 {
				// Found twice: by a word of the name and of the organisation.
				p.Organization = "Colectivo Hernández"
				p.Entity = "GRO"
			}
			rc, err := db.FileRequest(ctx, c, p)
			if err != nil {
				t.Fatal(err)
			}
			want = append([]int64{rc.CaseID}, want...)
		}
		var got []int64
		for off := 0; off < 10; off += 2 {
			list, total, err := db.FindCases(ctx, escudo.CaseFilter{Query: "Hernández", Limit: 2, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			if total != 6 {
				t.Fatalf("total %d for 7 matches with a cap of 5, want 6 (the cap plus one)", total)
			}
			for _, c := range list {
				got = append(got, c.ID)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("pages %v, want each case once, newest first: %v", got, want)
		}
		list, total, err := db.FindCases(ctx, escudo.CaseFilter{Query: "Hernández", Entity: "GRO"})
		if err != nil || total != 1 || len(list) != 1 || list[0].ID != want[3] {
			t.Fatalf("search with an entity filter: %v total %d %v", err, total, list)
		}
		if _, total, err := db.FindCases(ctx, escudo.CaseFilter{Query: "Carla Hernández"}); err != nil || total != 1 {
			t.Fatalf("two words: %v total %d", err, total)
		}
	})
}

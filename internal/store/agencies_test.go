package store_test

import (
	"context"
	"fmt"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The agencies' list names each agency's liaisons and counts its measures
// still in life: a withdrawn one no longer counts, an agency without
// measures or liaisons shows none.
func TestAgencyListCountsOpenMeasuresAndLiaisons(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		coord := staff(t, db, "coordinacion", escudo.RoleCoordinator, 0)
		ctx := withUser(coord)
		extra := admitted(t, db, "Centro Juan Gerardi", escudo.ProcedureExtraordinary)
		sspo := agency(t, db, "ssp-oax", escudo.AgencyState, "OAX", true)
		agency(t, db, "gn", escudo.AgencyFederal, "", true)
		liaison(t, db, "zamudio", "ssp-oax")
		liaison(t, db, "alcala", "ssp-oax")
		liaison(t, db, "sin-agencia", "")
		var ids []int64
		details := map[string]map[string]string{"building_protection": {"premises": "Domicilio"}, "escort": {"officers": "2"}}
		for _, m := range []string{"building_protection", "escort", "escort"} {
			id, err := grant(ctx, db, coord.ID, escudo.MeasureGrant{CaseID: extra, Measure: m, AgencyID: sspo, Source: escudo.SourceUrgent,
				Reason: "Vigilancia armada.", Details: details[m]})
			if err != nil {
				t.Fatalf("grant %s: %v", m, err)
			}
			ids = append(ids, id)
		}
		if err := db.WithTx(ctx, true, func(tx *store.Tx) error {
			return tx.EndMeasure(ctx, coord.ID, ids[0], escudo.MeasureWithdrawn, "Ya no hace falta.")
		}); err != nil {
			t.Fatal(err)
		}
		list, err := db.AgencyList(ctx)
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %+v %v", list, err)
		}
		gn, oax := list[0], list[1]
		if gn.Code != "gn" || gn.OpenMeasures != 0 || len(gn.Liaisons) != 0 {
			t.Errorf("gn: %+v", gn)
		}
		if oax.Code != "ssp-oax" || oax.OpenMeasures != 2 || len(oax.Liaisons) != 2 || oax.Liaisons[0].DisplayName != "alcala" || oax.Liaisons[1].DisplayName != "zamudio" {
			t.Errorf("ssp-oax: %+v", oax)
		}
	})
}

// An agency's name, level, entity and police flag change, audited; its
// code does not, whatever the caller sends. Bad input and an unknown
// agency change nothing.
func TestUpdateAgency(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		id := agency(t, db, "ssp-oax", escudo.AgencyState, "OAX", true)
		before, err := db.Agency(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			a    escudo.Agency
			want string
		}{
			{"no name", escudo.Agency{ID: id, Level: escudo.AgencyState, Entity: "OAX"}, "name validation.required"},
			{"unknown level", escudo.Agency{ID: id, Name: "x", Level: "galactic"}, "level agency.level"},
			{"state without entity", escudo.Agency{ID: id, Name: "x", Level: escudo.AgencyMunicipal}, "federal_entity agency.entity_needed"},
			{"unknown entity", escudo.Agency{ID: id, Name: "x", Level: escudo.AgencyState, Entity: "XX"}, "federal_entity agency.entity"},
		} {
			if err := db.UpdateAgency(ctx, tc.a); !slicesHas(fieldKeys(err), tc.want) {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
			}
		}
		if err := db.UpdateAgency(ctx, escudo.Agency{ID: id + 100, Name: "x", Level: escudo.AgencyFederal}); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Errorf("unknown agency: %v", err)
		}
		if after, _ := db.Agency(ctx, id); after != before {
			t.Fatalf("refused updates changed the agency: %+v, was %+v", after, before)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'agency.update'`); n != 0 {
			t.Fatalf("%d audit entries for refused updates", n)
		}
		err = db.UpdateAgency(ctx, escudo.Agency{ID: id, Code: "otra", Name: "Fiscalía General del Estado de Oaxaca", Level: escudo.AgencyFederal})
		if err != nil {
			t.Fatal(err)
		}
		after, err := db.Agency(ctx, id)
		if err != nil || after != (escudo.Agency{ID: id, Code: "ssp-oax", Name: "Fiscalía General del Estado de Oaxaca", Level: escudo.AgencyFederal}) {
			t.Fatalf("updated: %+v %v", after, err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'agency.update' AND object_id = ?`, fmt.Sprint(after.ID)); n != 1 {
			t.Fatalf("%d audit entries for the update", n)
		}
	})
}

// A liaison account is named for an agency by its code, or for none; an
// account of another role, an unknown account or an unknown code is
// refused and changes nothing. Each change is audited.
func TestSetUserAgency(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		agency(t, db, "ssp-oax", escudo.AgencyState, "OAX", true)
		agency(t, db, "gn", escudo.AgencyFederal, "", true)
		enlace := liaison(t, db, "enlace", "ssp-oax")
		analyst := staff(t, db, "analista", escudo.RoleAnalyst, 0)
		for _, tc := range []struct {
			name string
			user int64
			code string
			want string
		}{
			{"not a liaison", analyst.ID, "gn", "user agencies.not_liaison"},
			{"unknown account", enlace.ID + 100, "gn", "user validation.account_unknown"},
			{"unknown agency", enlace.ID, "ssp-gro", "agency agencies.unknown"},
		} {
			if err := db.SetUserAgency(ctx, tc.user, tc.code); !slicesHas(fieldKeys(err), tc.want) {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
			}
		}
		if u, _ := db.FindUserByID(ctx, enlace.ID); u.Agency != "ssp-oax" {
			t.Fatalf("refused changes moved the liaison to %q", u.Agency)
		}
		if u, _ := db.FindUserByID(ctx, analyst.ID); u.Agency != "" {
			t.Fatalf("the analyst got agency %q", u.Agency)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.agency'`); n != 0 {
			t.Fatalf("%d audit entries for refused changes", n)
		}
		if err := db.SetUserAgency(ctx, enlace.ID, "gn"); err != nil {
			t.Fatal(err)
		}
		if u, _ := db.FindUserByID(ctx, enlace.ID); u.Agency != "gn" {
			t.Fatalf("agency %q, want gn", u.Agency)
		}
		if err := db.SetUserAgency(ctx, enlace.ID, ""); err != nil {
			t.Fatal(err)
		}
		if u, _ := db.FindUserByID(ctx, enlace.ID); u.Agency != "" {
			t.Fatalf("agency %q, want none", u.Agency)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.agency' AND object_id = ?`, fmt.Sprint(enlace.ID)); n != 2 {
			t.Fatalf("%d audit entries, want 2", n)
		}
		list, err := db.AgencyList(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range list {
			if len(a.Liaisons) != 0 {
				t.Errorf("%s still lists %+v", a.Code, a.Liaisons)
			}
		}
	})
}

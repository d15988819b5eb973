package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/letters"
	"escudo/internal/store"
	"escudo/internal/testdb"
	"escudo/internal/vault"
)

// shelterAddress is distinctive enough that finding it anywhere is a leak.
const shelterAddress = "Callejón de los Sauces 4417, Barrio Xochimilcatzingo"

func shelter(capacity int) *escudo.SafeHouse {
	return &escudo.SafeHouse{Name: "Casa Tlalli", Address: shelterAddress, Coordinates: "17.0654, -96.7237",
		Phone: "+52 951 555 0199", Capacity: capacity, Operator: "Red de Refugios A.C."}
}

// The registry from a house to a released stay, on both engines: naming is
// audited and checked on every call; invalid input changes nothing; the
// sealed fields are under the safe-house compartment's key and nowhere in
// clear text; a request waits, is assigned within the house's capacity and
// released; the requester's status says assigned and never where; the
// audit log and the outbox name fields and folios, never the address.
func TestSafeHouseRegistry(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		admin := staff(t, db, "administra", escudo.RoleAdmin, 0)
		coord := staff(t, db, "coordina", escudo.RoleCoordinator, 0)
		seg := staff(t, db, "seguimiento", escudo.RoleFollowUp, 0)
		recep := staff(t, db, "recepcion", escudo.RoleReception, 0)
		analyst := staff(t, db, "analista", escudo.RoleAnalyst, 0)
		actx := withUser(admin)

		// Naming: not by default, only roles that may be named, audited.
		if ok, err := db.Named(context.Background(), coord); err != nil || ok {
			t.Fatalf("the coordinator is named by default: %v %v", ok, err)
		}
		if got := fieldKeys(db.SetSafeHouseNamed(actx, analyst.ID, true)); !slicesHas(got, "username validation.safehouse_role") {
			t.Fatalf("naming an analyst: %v", got)
		}
		if got := fieldKeys(db.SetSafeHouseNamed(actx, 99999, true)); !slicesHas(got, "username validation.account_unknown") {
			t.Fatalf("naming an unknown account: %v", got)
		}
		for _, u := range []*escudo.User{seg, coord} {
			if err := db.SetSafeHouseNamed(actx, u.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetSafeHouseNamed(actx, seg.ID, true); err != nil { // again: no change
			t.Fatal(err)
		}
		if ok, _ := db.Named(context.Background(), seg); !ok {
			t.Fatal("a named follow-up officer is not on the list")
		}
		named, err := db.NamedForSafeHouses(actx)
		if err != nil || len(named) != 2 || !named[seg.ID] || !named[coord.ID] {
			t.Fatalf("the list: %v %v", named, err)
		}
		if err := db.SetSafeHouseNamed(actx, coord.ID, false); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.Named(context.Background(), coord); ok {
			t.Fatal("an un-named coordinator is still on the list")
		}
		if n := countAudit(t, db, "safehouse.name", ""); n != 2 {
			t.Fatalf("%d naming entries, want 2 (a repeated naming changes nothing)", n)
		}
		if n := countAudit(t, db, "safehouse.unname", ""); n != 1 {
			t.Fatalf("%d un-naming entries, want 1", n)
		}

		sctx := withUser(seg)
		bad := &escudo.SafeHouse{Name: " ", Address: "", Coordinates: "91,200", Phone: "abc", Capacity: 0}
		got := fieldKeys(db.CreateSafeHouse(sctx, bad))
		for _, want := range []string{"name validation.required", "address validation.required", "coordinates validation.coordinates", "phone validation.phone", "capacity validation.range"} {
			if !slicesHas(got, want) {
				t.Errorf("invalid house: %v, want %s", got, want)
			}
		}
		h := shelter(4)
		if err := db.CreateSafeHouse(sctx, h); err != nil {
			t.Fatal(err)
		}
		if h.Coordinates != "17.065400,-96.723700" {
			t.Errorf("coordinates stored as %q", h.Coordinates)
		}
		small := &escudo.SafeHouse{Name: "Casa Pequeña", Address: "Privada Olmo 12", Capacity: 2}
		if err := db.CreateSafeHouse(sctx, small); err != nil {
			t.Fatal(err)
		}
		// Sealed under the safe-house compartment's own key.
		var addr []byte
		_ = db.WithTx(context.Background(), false, func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT address_enc FROM safe_houses WHERE id = ?`, h.ID).Scan(&addr)
		})
		id, err := vault.KeyID(addr)
		if c, _ := db.Keys.KeyCompartment(id); err != nil || c != vault.SafeHouse {
			t.Fatalf("the address is sealed under key %s of %s (%v)", id, c, err)
		}
		if strings.Contains(string(addr), "Sauces") {
			t.Fatal("the address is stored in clear")
		}

		// A request from a case: invalid input refused, then recorded.
		caseID := admitted(t, db, "Silvia Pérez Yescas", escudo.ProcedureExtraordinary)
		rctx := withUser(recep)
		got = fieldKeys(db.RequestSafeHouse(rctx, &escudo.SafeHouseRequest{CaseID: caseID, People: 0, Urgency: "ya", Needs: []escudo.SafeHouseNeed{"piscina"}}))
		for _, want := range []string{"people validation.range", "urgency validation.choice", "needs validation.choice"} {
			if !slicesHas(got, want) {
				t.Errorf("invalid request: %v, want %s", got, want)
			}
		}
		if st, err := db.CaseSafeHouseStatus(rctx, caseID); err != nil || st != nil {
			t.Fatalf("status before any request: %+v %v", st, err)
		}
		req := &escudo.SafeHouseRequest{CaseID: caseID, People: 3, Urgency: escudo.UrgencyToday,
			Needs: []escudo.SafeHouseNeed{escudo.NeedChildren, escudo.NeedAccessibility}, Note: "Dos niñas de 6 y 9 años; la madre usa bastón."}
		if err := db.RequestSafeHouse(rctx, req); err != nil {
			t.Fatal(err)
		}
		if err := db.RequestSafeHouse(rctx, &escudo.SafeHouseRequest{CaseID: caseID, People: 1, Urgency: escudo.UrgencyDays}); escudo.ErrorKey(err) != "safehouse.request_open" {
			t.Fatalf("a second open request on the case: %v", err)
		}
		st, err := db.CaseSafeHouseStatus(rctx, caseID)
		if err != nil || st == nil || st.State != escudo.SafeHousePending || st.People != 3 {
			t.Fatalf("status after the request: %+v %v", st, err)
		}
		list, err := db.SafeHouseRequests(sctx)
		if err != nil || len(list) != 1 || list[0].Note != req.Note || list[0].Requester != "recepcion" || len(list[0].Needs) != 2 || list[0].Assignment != nil {
			t.Fatalf("pending requests: %+v %v", list, err)
		}

		// Assignment: a house too small is refused with nothing changed.
		day := t0.Add(2 * time.Hour)
		got = fieldKeys(db.AssignSafeHouse(sctx, &escudo.SafeHouseAssignment{RequestID: req.ID, HouseID: small.ID, DateIn: day}))
		if !slicesHas(got, "house validation.safehouse_full") {
			t.Fatalf("three people in a house for two: %v", got)
		}
		if st, _ := db.CaseSafeHouseStatus(rctx, caseID); st.State != escudo.SafeHousePending {
			t.Fatalf("a refused assignment changed the request: %+v", st)
		}
		out := day.Add(-time.Hour)
		if got := fieldKeys(db.AssignSafeHouse(sctx, &escudo.SafeHouseAssignment{RequestID: req.ID, HouseID: h.ID, DateIn: day, DateOut: &out})); !slicesHas(got, "date_out validation.after_date_in") {
			t.Fatalf("leaving before arriving: %v", got)
		}
		if err := db.SetSafeHouseActive(sctx, small.ID, false); err != nil {
			t.Fatal(err)
		}
		if got := fieldKeys(db.AssignSafeHouse(sctx, &escudo.SafeHouseAssignment{RequestID: req.ID, HouseID: small.ID, DateIn: day})); !slicesHas(got, "house validation.safehouse_inactive") {
			t.Fatalf("a house out of service: %v", got)
		}
		out = day.Add(30 * 24 * time.Hour)
		if err := db.AssignSafeHouse(sctx, &escudo.SafeHouseAssignment{RequestID: req.ID, HouseID: h.ID, DateIn: day, DateOut: &out}); err != nil {
			t.Fatal(err)
		}
		if err := db.AssignSafeHouse(sctx, &escudo.SafeHouseAssignment{RequestID: req.ID, HouseID: h.ID, DateIn: day}); escudo.ErrorKey(err) != "safehouse.not_pending" {
			t.Fatalf("assigning an assigned request: %v", err)
		}
		if err := db.SetSafeHouseActive(sctx, h.ID, false); escudo.ErrorKey(err) != "safehouse.occupied" {
			t.Fatalf("taking an occupied house out of service: %v", err)
		}
		houses, err := db.SafeHouses(sctx)
		if err != nil || len(houses) != 2 || houses[0].ID != h.ID || houses[0].Occupied != 3 || houses[0].Free() != 1 || houses[0].Address != shelterAddress || houses[1].Active {
			t.Fatalf("houses: %+v %v", houses, err)
		}
		list, _ = db.SafeHouseRequests(sctx)
		if len(list) != 1 || list[0].State != escudo.SafeHouseAssigned || list[0].Assignment == nil || list[0].Assignment.HouseName != "Casa Tlalli" ||
			list[0].Assignment.DateOut == nil || !list[0].Assignment.DateOut.Equal(out) {
			t.Fatalf("the stay: %+v", list)
		}
		if st, _ := db.CaseSafeHouseStatus(rctx, caseID); st.State != escudo.SafeHouseAssigned {
			t.Fatalf("status after assignment: %+v", st)
		}

		// Release frees the places; a second release is a conflict.
		if err := db.ReleaseSafeHouse(sctx, req.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.ReleaseSafeHouse(sctx, req.ID); escudo.ErrorKey(err) != "safehouse.not_assigned" {
			t.Fatalf("second release: %v", err)
		}
		if err := db.ReleaseSafeHouse(sctx, 424242); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("releasing an unknown request: %v", err)
		}
		houses, _ = db.SafeHouses(sctx)
		if houses[0].Occupied != 0 {
			t.Fatalf("after release: %+v", houses[0])
		}
		if st, _ := db.CaseSafeHouseStatus(rctx, caseID); st.State != escudo.SafeHouseReleased {
			t.Fatalf("status after release: %+v", st)
		}
		if err := db.RequestSafeHouse(rctx, &escudo.SafeHouseRequest{CaseID: caseID, People: 1, Urgency: escudo.UrgencyPlanned}); err != nil {
			t.Fatalf("a new request after the stay ended: %v", err)
		}

		// Every view audited with its fields; no value in any entry.
		for action, min := range map[string]int{"safehouse.read": 4, "safehouse.status": 4, "safehouse.request": 2, "safehouse.assign": 1, "safehouse.release": 1, "safehouse.manage": 3} {
			if n := countAudit(t, db, action, ""); n < min {
				t.Errorf("%d %s entries, want at least %d", n, action, min)
			}
		}
		if n := countAudit(t, db, "safehouse.read", "address"); n < 2 {
			t.Errorf("house views do not name the fields shown: %d", n)
		}
		assertNowhere(t, db, []string{"Sauces", "Tlalli", "Olmo", "96.72", "555 0199", "bastón"})

		// The named were told of the request; the requester that a place
		// is assigned, by folio only.
		kinds := map[string]int{}
		err = db.WithTx(context.Background(), false, func(tx *store.Tx) error {
			rows, err := tx.Query(context.Background(), `SELECT kind, recipient_user FROM outbox WHERE kind LIKE 'safehouse%'`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var k string
				var u int64
				_ = rows.Scan(&k, &u)
				kinds[k+":"+map[int64]string{seg.ID: "seg", recep.ID: "recep", coord.ID: "coord"}[u]]++
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		if kinds["safehouse_request:seg"] != 2 || kinds["safehouse_assigned:recep"] != 1 || kinds["safehouse_request:coord"] != 0 {
			t.Fatalf("notifications: %v", kinds)
		}
	})
}

func countAudit(t *testing.T, db *store.DB, action, fields string) int {
	t.Helper()
	var n int
	err := db.WithTx(context.Background(), false, func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ? AND fields LIKE ?`, action, "%"+fields+"%").Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// assertNowhere fails when any needle is in the audit log's text or in an
// outbox message's subject.
func assertNowhere(t *testing.T, db *store.DB, needles []string) {
	t.Helper()
	ctx := context.Background()
	err := db.WithTx(ctx, false, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT action || ' ' || object_type || ' ' || object_id || ' ' || fields FROM audit_log
			UNION ALL SELECT kind || ' ' || subject FROM outbox`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			for _, n := range needles {
				if strings.Contains(s, n) {
					t.Errorf("%q appears in %q", n, s)
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An installation made before the safe-house compartment existed gets its
// key at the next start, under the start-up lock like the others.
func TestSafeHouseKeyCreatedForExistingInstallation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Options{DataDir: dir, Keys: testdb.TestKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if db.Keys.ActiveKey(vault.SafeHouse) == "" {
		t.Fatal("a new installation has no safe-house key")
	}
	if err := db.WithTx(ctx, true, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM data_keys WHERE compartment = 'safehouse'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = store.Open(ctx, store.Options{DataDir: dir, Keys: testdb.TestKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	id := db.Keys.ActiveKey(vault.SafeHouse)
	if id == "" || id == db.Keys.ActiveKey(vault.Logistics) {
		t.Fatalf("after restart the safe-house key is %q", id)
	}
	if err := db.CreateSafeHouse(ctx, shelter(2)); err != nil {
		t.Fatal(err)
	}
}

// The letters of a resolution granting a safe house to a case whose people
// are housed (the beneficiary's notification and the agency's instruction,
// as HTML, PDF and the signed canonical form) say nothing of where.
func TestSafeHouseLettersSayNothingOfWhere(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		admin := staff(t, db, "administra", escudo.RoleAdmin, 0)
		seg := staff(t, db, "seguimiento", escudo.RoleFollowUp, 0)
		secretary := staff(t, db, "secretaria", escudo.RoleCoordinator, 0)
		if err := db.SetSafeHouseNamed(withUser(admin), seg.ID, true); err != nil {
			t.Fatal(err)
		}
		sctx := withUser(seg)
		h := shelter(4)
		if err := db.CreateSafeHouse(sctx, h); err != nil {
			t.Fatal(err)
		}
		caseID := admitted(t, db, "Silvia Pérez Yescas", escudo.ProcedureExtraordinary)
		req := &escudo.SafeHouseRequest{CaseID: caseID, People: 2, Urgency: escudo.UrgencyToday, Note: "Con su hija."}
		if err := db.RequestSafeHouse(sctx, req); err != nil {
			t.Fatal(err)
		}
		if err := db.AssignSafeHouse(sctx, &escudo.SafeHouseAssignment{RequestID: req.ID, HouseID: h.ID, DateIn: t0}); err != nil {
			t.Fatal(err)
		}
		r := &escudo.Resolution{ID: 7, Identifier: "JG-2026-03-007", SessionID: 1, SessionDate: t0, CaseID: caseID, CaseReference: "MPP-2026-0007",
			Level: escudo.RiskExtraordinary, Adopted: true, RecordedAt: t0,
			Measures: []escudo.ResolutionMeasure{{Action: escudo.ActionGrant, Grant: escudo.MeasureGrant{CaseID: caseID, Measure: "safe_house", AgencyID: 12},
				Reason: "Reubicación temporal de la beneficiaria y su hija."}},
			Reasons: "Amenazas de muerte en su comunidad.", Votes: []escudo.Vote{{Seat: "interior", MemberID: 1, MemberName: "Laura Méndez", Choice: escudo.VoteFor}}}
		out := issue(t, db, secretary.ID, r)
		if len(out) != 2 {
			t.Fatalf("letters: %+v", out)
		}
		for _, l := range out {
			full, err := db.LetterByIdentifier(context.Background(), l.Identifier)
			if err != nil {
				t.Fatal(err)
			}
			html, err := letters.RenderHTML(full.Document, full.Signature)
			if err != nil {
				t.Fatal(err)
			}
			pdf, err := letters.RenderPDF(full.Document, full.Signature)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(html), "JG-2026-03-007") || !bytes.Contains(pdf, []byte("%PDF")) {
				t.Fatalf("%s: not a letter of the resolution", l.Identifier)
			}
			for _, s := range []string{"Sauces", "Tlalli", "Xochimilcatzingo", "17.0654", "96.7237", "555 0199", "Red de Refugios"} {
				for what, b := range map[string][]byte{"HTML": html, "PDF": pdf, "canonical form": letters.Canonical(full.Document)} {
					if bytes.Contains(b, []byte(s)) {
						t.Errorf("%s's %s shows %q", l.Identifier, what, s)
					}
				}
			}
		}
	})
}

// escudo keys rotate makes a new safe-house key with the others and
// re-seals the registry under it; the houses still open.
func TestSafeHouseRegistryRotates(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	ctx := context.Background()
	if err := db.CreateSafeHouse(ctx, shelter(3)); err != nil {
		t.Fatal(err)
	}
	old := db.Keys.ActiveKey(vault.SafeHouse)
	if _, err := db.NewDataKeys(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := db.RotateData(ctx, store.RotateOptions{})
	if err != nil || rep.Remaining != 0 {
		t.Fatalf("rotation: %+v %v", rep, err)
	}
	fresh := db.Keys.ActiveKey(vault.SafeHouse)
	var addr []byte
	if err := db.WithTx(ctx, false, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT address_enc FROM safe_houses`).Scan(&addr)
	}); err != nil {
		t.Fatal(err)
	}
	if id, _ := vault.KeyID(addr); fresh == old || id != fresh {
		t.Fatalf("the address is under key %s; old %s, new %s", id, old, fresh)
	}
	if hs, err := db.SafeHouses(ctx); err != nil || len(hs) != 1 || hs[0].Address != shelterAddress {
		t.Fatalf("after rotation: %+v %v", hs, err)
	}
}

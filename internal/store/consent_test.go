package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

func TestConsentEnforcedByAccess(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, p := newRequest("Juana Inés Ramírez")
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		other, op := newRequest("Pedro Páramo")
		orc, err := db.FileRequest(ctx, other, op)
		if err != nil {
			t.Fatal(err)
		}
		reviewer := &escudo.User{Username: "revisora", DisplayName: "Revisora", Role: escudo.RoleReviewer, Organization: "Defensa Legal A.C."}
		if err := db.CreateUser(ctx, reviewer, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		stranger := &escudo.User{Username: "ajeno", DisplayName: "Ajeno", Role: escudo.RoleReviewer, Organization: "Otra"}
		if err := db.CreateUser(ctx, stranger, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		pol := &access.Policy{Grants: db}
		obj := access.Object{Kind: "case", ID: rc.CaseID, CaseID: rc.CaseID, PersonID: p.ID, Entity: "OAX"}
		read := func(u *escudo.User, a access.Action, o access.Object) access.Decision {
			return pol.Decide(ctx, u, a, o)
		}

		if d := read(reviewer, access.CaseRead, obj); d.Allowed {
			t.Fatal("reviewer read without a consent record")
		}
		// Consent to the organisation, for the risk compartment, 30 days.
		cons := &escudo.Consent{PersonID: p.ID, GranteeOrg: "  defensa legal a.c. ", Scope: []string{"risk"}, Expires: t0.Add(30 * 24 * time.Hour)}
		if err := db.GrantConsent(ctx, cons); err != nil {
			t.Fatal(err)
		}
		if d := read(reviewer, access.CaseReadSensitive, obj); !d.Allowed || !slices.Equal(d.Fields, []string{"risk"}) {
			t.Fatalf("consented read refused: %v", d)
		}
		if d := read(reviewer, access.PersonReadLocation, obj); d.Allowed {
			t.Fatal("consent for risk gave the address")
		}
		if d := read(stranger, access.CaseRead, obj); d.Allowed {
			t.Fatal("another organisation used the consent")
		}
		oobj := access.Object{Kind: "case", ID: orc.CaseID, CaseID: orc.CaseID, PersonID: op.ID}
		if d := read(reviewer, access.CaseRead, oobj); d.Allowed {
			t.Fatal("consent of one person opened another's case (IDOR)")
		}
		// Expiry: one microsecond after, refused.
		clock.Set(cons.Expires)
		if d := read(reviewer, access.CaseRead, obj); d.Allowed {
			t.Fatal("expired consent still allowed")
		}
		clock.Set(t0.Add(time.Hour))
		if d := read(reviewer, access.CaseRead, obj); !d.Allowed {
			t.Fatal("consent should be valid before expiry")
		}
		// Revocation takes effect on the next decision.
		if err := db.RevokeConsent(ctx, op.ID, cons.ID); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("revoking through another person's id: %v", err)
		}
		if err := db.RevokeConsent(ctx, p.ID, cons.ID); err != nil {
			t.Fatal(err)
		}
		if d := read(reviewer, access.CaseRead, obj); d.Allowed {
			t.Fatal("revoked consent still allowed")
		}
		list, err := db.Consents(ctx, p.ID)
		if err != nil || len(list) != 1 || list[0].RevokedAt == nil || list[0].Active(clock.Now()) {
			t.Fatalf("consent list after revocation: %v %+v", err, list)
		}
		// Bad input.
		bad := []*escudo.Consent{
			{PersonID: p.ID, Scope: []string{"risk"}, Expires: t0.Add(time.Hour * 48)},                                            // no grantee
			{PersonID: p.ID, GranteeOrg: "X", Scope: []string{"everything"}, Expires: t0.Add(time.Hour * 48)},                     // bad scope
			{PersonID: p.ID, GranteeOrg: "X", Scope: []string{"risk"}, Expires: t0.Add(-time.Hour)},                               // past
			{PersonID: 999999, GranteeOrg: "X", Scope: []string{"risk"}, Expires: t0.Add(time.Hour * 48)},                         // no person
			{PersonID: p.ID, GranteeUser: 424242, Scope: []string{"risk"}, Expires: t0.Add(time.Hour * 48)},                       // no user
			{PersonID: p.ID, GranteeUser: reviewer.ID, GranteeOrg: "X", Scope: []string{"risk"}, Expires: t0.Add(time.Hour * 48)}, // both
		}
		for i, b := range bad {
			if _, invalid := escudo.AsValidation(db.GrantConsent(ctx, b)); !invalid {
				t.Errorf("bad consent %d accepted or failed otherwise", i)
			}
		}
		// Consent to a named user, all compartments.
		if err := db.GrantConsent(ctx, &escudo.Consent{PersonID: p.ID, GranteeUser: stranger.ID, Scope: escudo.Compartments, Expires: t0.Add(48 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if d := read(stranger, access.PersonReadIdentity, obj); !d.Allowed {
			t.Fatalf("named user consent refused: %v", d)
		}
		if d := read(reviewer, access.CaseRead, obj); d.Allowed {
			t.Fatal("a consent naming one user let the organisation in")
		}
	})
}

func TestContractorNeedsTask(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, p := newRequest("Rosario Castellanos")
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		c2, p2 := newRequest("Elena Garro")
		rc2, err := db.FileRequest(ctx, c2, p2)
		if err != nil {
			t.Fatal(err)
		}
		tech := staff(t, db, "tecnico", escudo.RoleContractor, 0)
		analyst := staff(t, db, "analista", escudo.RoleAnalyst, 0)
		pol := &access.Policy{Grants: db}
		obj := access.Object{Kind: "case", ID: rc.CaseID, CaseID: rc.CaseID, PersonID: p.ID}
		if d := pol.Decide(ctx, tech, access.CaseRead, obj); d.Allowed {
			t.Fatal("contractor read without a task")
		}
		if err := db.AssignTask(ctx, &escudo.ContractorTask{CaseID: rc.CaseID, UserID: analyst.ID, Scope: []string{"location"}}); escudo.ErrorCode(err) != escudo.EINVALID {
			t.Fatalf("task for a non-contractor: %v", err)
		}
		task := &escudo.ContractorTask{CaseID: rc.CaseID, UserID: tech.ID, Scope: []string{"location"}, Description: "instalar cámaras"}
		if err := db.AssignTask(ctx, task); err != nil {
			t.Fatal(err)
		}
		d := pol.Decide(ctx, tech, access.PersonReadLocation, obj)
		if !d.Allowed || !slices.Equal(d.Fields, []string{"location"}) {
			t.Fatalf("task read refused: %v", d)
		}
		if d := pol.Decide(ctx, tech, access.PersonReadIdentity, obj); d.Allowed {
			t.Fatal("location task gave identity")
		}
		if d := pol.Decide(ctx, tech, access.CaseReadSensitive, obj); d.Allowed {
			t.Fatal("contractor read the narrative")
		}
		obj2 := access.Object{Kind: "case", ID: rc2.CaseID, CaseID: rc2.CaseID, PersonID: p2.ID}
		if d := pol.Decide(ctx, tech, access.CaseRead, obj2); d.Allowed {
			t.Fatal("task on one case opened another")
		}
		// A forged object pairing this case with another person is refused.
		forged := access.Object{Kind: "case", ID: rc.CaseID, CaseID: rc.CaseID, PersonID: p2.ID}
		if d := pol.Decide(ctx, tech, access.CaseRead, forged); d.Allowed {
			t.Fatal("task matched a case with the wrong person")
		}
		if err := db.CloseTask(ctx, task.ID); err != nil {
			t.Fatal(err)
		}
		if d := pol.Decide(ctx, tech, access.CaseRead, obj); d.Allowed {
			t.Fatal("closed task still allowed")
		}
	})
}

func TestReadsOfPerson(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, p := newRequest("Sor Juana")
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		c2, p2 := newRequest("Otro")
		if _, err := db.FileRequest(ctx, c2, p2); err != nil {
			t.Fatal(err)
		}
		a := staff(t, db, "analista", escudo.RoleAnalyst, 0)
		actx := escudo.NewContextWithUser(ctx, a)
		if _, err := db.FindCaseByID(actx, rc.CaseID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if _, err := db.FindPersonByID(actx, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindPersonByID(actx, p2.ID); err != nil {
			t.Fatal(err)
		}
		reads, err := db.ReadsOfPerson(ctx, p.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(reads) != 2 {
			t.Fatalf("reads = %+v, want the case read and the person read", reads)
		}
		if reads[0].Action != "person.read" || reads[1].Action != "case.read" || reads[0].ActorName != "analista" || !reads[0].At.Equal(reads[1].At.Add(time.Minute)) {
			t.Fatalf("reads = %+v", reads)
		}
	})
}

// A consent record must end after the moment it is granted and name at
// least one compartment: one expiring at the very moment it is granted, or
// naming nothing, is refused and stores nothing; one a microsecond longer
// is accepted.
func TestConsentValidationBoundaries(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		c, p := newRequest("Lucía Méndez")
		if _, err := db.FileRequest(ctx, c, p); err != nil {
			t.Fatal(err)
		}
		bad := map[string]*escudo.Consent{
			"expires_at": {PersonID: p.ID, GranteeOrg: "Defensa Legal A.C.", Scope: []string{"risk"}, Expires: t0},
			"scope":      {PersonID: p.ID, GranteeOrg: "Defensa Legal A.C.", Scope: []string{}, Expires: t0.Add(day)},
			"grantee":    {PersonID: p.ID, GranteeOrg: "   ", Scope: []string{"risk"}, Expires: t0.Add(day)},
		}
		for field, b := range bad {
			v, invalid := escudo.AsValidation(db.GrantConsent(ctx, b))
			if !invalid || len(v) != 1 || v[0].Field != field {
				t.Errorf("consent with a bad %s: %v", field, v)
			}
		}
		if list, err := db.Consents(ctx, p.ID); err != nil || len(list) != 0 {
			t.Fatalf("refused consents stored: %v %+v", err, list)
		}
		ok := &escudo.Consent{PersonID: p.ID, GranteeOrg: "Defensa Legal A.C.", Scope: []string{"risk"}, Expires: t0.Add(time.Microsecond)}
		if err := db.GrantConsent(ctx, ok); err != nil {
			t.Fatalf("consent ending a microsecond after now: %v", err)
		}
	})
}

// A task that has expired grants nothing, though nobody closed it; until
// its expiry it grants what it names.
func TestExpiredTaskGrantsNothing(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		c, p := newRequest("Rosario Ibarra")
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		tech := staff(t, db, "tecnica", escudo.RoleContractor, 0)
		expires := t0.Add(48 * time.Hour)
		if err := db.AssignTask(ctx, &escudo.ContractorTask{CaseID: rc.CaseID, UserID: tech.ID, Scope: []string{"location"}, Expires: &expires}); err != nil {
			t.Fatal(err)
		}
		pol := &access.Policy{Grants: db}
		obj := access.Object{Kind: "case", ID: rc.CaseID, CaseID: rc.CaseID, PersonID: p.ID}
		clock.Set(expires.Add(-time.Microsecond))
		if d := pol.Decide(ctx, tech, access.PersonReadLocation, obj); !d.Allowed {
			t.Fatalf("task refused before its expiry: %v", d)
		}
		clock.Set(expires)
		if d := pol.Decide(ctx, tech, access.PersonReadLocation, obj); d.Allowed {
			t.Fatalf("expired task still grants %v", d.Fields)
		}
	})
}

package demo_test

import (
	"context"
	"testing"

	"escudo"
	"escudo/internal/demo"
	"escudo/internal/store"
)

// checkDemoPortal: the beneficiary's account is the Oaxaca journalist's,
// with measures and a letter to show, safe contact hours, a consent to
// the external reviewer and an incident she reported; the collective's
// representative reaches the Saltillo shelter's case, which asked to be
// heard.
func checkDemoPortal(t *testing.T, ctx context.Context, db *store.DB, res *demo.Result) {
	t.Helper()
	ben, rep := res.Users["beneficiaria"], res.Users["colectivo"]
	if ben == nil || rep == nil || ben.PersonID == 0 || rep.PersonID == 0 || ben.PersonID == rep.PersonID {
		t.Fatalf("portal accounts: %+v %+v", ben, rep)
	}
	cases, err := db.PersonCases(ctx, ben.PersonID)
	if err != nil || len(cases) != 1 {
		t.Fatalf("the beneficiary's cases: %v %+v", err, cases)
	}
	ms, err := db.CaseMeasures(ctx, cases[0].ID)
	if err != nil || len(ms) < 4 {
		t.Fatalf("her measures: %v %d", err, len(ms))
	}
	letters, err := db.CaseLetters(ctx, cases[0].ID)
	if err != nil || len(letters) == 0 {
		t.Fatalf("her letters: %v %d", err, len(letters))
	}
	p, err := db.FindPersonByID(ctx, ben.PersonID)
	if err != nil || p.Contact.Channel != escudo.ContactPhone || !p.Contact.NeverSMS || p.Contact.SafeFrom == "" {
		t.Fatalf("her contact preferences: %v %+v", err, p)
	}
	cons, err := db.Consents(ctx, ben.PersonID)
	if err != nil || len(cons) != 1 || cons[0].GranteeUser != res.Users["revisor"].ID || !cons[0].Active(db.Now()) {
		t.Fatalf("her consent: %v %+v", err, cons)
	}
	ins, err := db.CaseIncidents(ctx, cases[0].ID, store.Opened{})
	reported := false
	for _, in := range ins {
		reported = reported || in.ByBeneficiary
	}
	if err != nil || !reported {
		t.Fatalf("no incident reported in the portal: %v", err)
	}
	// Her portal notices hold a line about a measure.
	inbox, err := db.Inbox(ctx, ben.ID, 20)
	measureLine := false
	for _, n := range inbox {
		measureLine = measureLine || (n.Kind == store.KindBeneficiaryNotice && n.Subject == store.AboutMeasure)
	}
	if err != nil || !measureLine {
		t.Fatalf("her notices: %v %+v", err, inbox)
	}
	shelter, err := db.PersonCases(ctx, rep.PersonID)
	if err != nil || len(shelter) != 1 {
		t.Fatalf("the collective's cases: %v %+v", err, shelter)
	}
	if h, err := db.CaseHearing(ctx, shelter[0].ID); err != nil || h == nil {
		t.Fatalf("the shelter's hearing request: %v %+v", err, h)
	}
}

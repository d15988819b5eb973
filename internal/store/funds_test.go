package store_test

import (
	"context"
	"testing"

	"escudo"
	"escudo/internal/funds"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

func fundDay(t *testing.T, s string) (d funds.Entry) {
	t.Helper()
	v, err := funds.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return funds.Entry{Date: v, Year: v.Year()}
}

func validationKey(err error) string {
	if v, ok := escudo.AsValidation(err); ok {
		return v[0].Key
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// TestFundLedgerAppendOnlyAndChecked: a contract with a withheld item is
// stored with its detail sealed; budget, commitment and payments follow
// the rules (an over-payment is refused and changes nothing); a
// correction is a reversing entry; every write is audited.
func TestFundLedgerAppendOnlyAndChecked(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := &escudo.User{Username: "coordinacion", DisplayName: "Coordinación", Role: escudo.RoleCoordinator}
		if err := db.CreateUser(ctx, u, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		ctx = escudo.NewContextWithUser(ctx, u)
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "x", ImminentDanger: true},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Irma", Entity: "OAX"})
		if err != nil {
			t.Fatal(err)
		}
		police := agency(t, db, "ssp-oax", escudo.AgencyState, "OAX", true)
		mid, err := grant(ctx, db, u.ID, escudo.MeasureGrant{CaseID: rc.CaseID, Measure: "escort", AgencyID: police, Source: escudo.SourceUrgent, Details: map[string]string{"officers": "2"}, Reason: "x"})
		if err != nil {
			t.Fatal(err)
		}
		d := fundDay(t, "2026-03-10")
		c := &store.FundContract{Year: 2026, Title: "Casa de refugio", Supplier: "Operadora Refugio AC", Method: "direct", Value: 100000,
			Signed: d.Date, Starts: d.Date, Ends: fundDay(t, "2026-12-31").Date,
			Items: []store.FundItem{{Description: "Renta mensual", Quantity: 12}, {Description: "Inmueble", Quantity: 1, Withheld: "safe_house", Detail: "Calle Secreta 12"}}}
		cid, err := db.RecordContract(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM fund_contract_items WHERE detail_enc IS NOT NULL`); n != 1 {
			t.Fatalf("sealed items: %d", n)
		}
		bad := *c
		bad.Ends = fundDay(t, "2026-01-01").Date
		if _, err := db.RecordContract(ctx, &bad); validationKey(err) != "funds.dates_inverted" {
			t.Fatalf("inverted dates: %v", err)
		}
		rec := func(e funds.Entry) (int64, error) { return db.RecordFundEntry(ctx, e) }
		b := fundDay(t, "2026-01-05")
		b.Kind, b.Amount = funds.Budget, 500000
		if _, err := rec(b); err != nil {
			t.Fatal(err)
		}
		cm := fundDay(t, "2026-03-11")
		cm.Kind, cm.Amount, cm.ContractID = funds.Commitment, 100001, cid
		if _, err := rec(cm); validationKey(err) != "funds.exceeds_contract" {
			t.Fatalf("over the contract: %v", err)
		}
		cm.Amount = 60000
		commit, err := rec(cm)
		if err != nil {
			t.Fatal(err)
		}
		p := fundDay(t, "2026-08-01")
		p.Kind, p.Amount, p.CommitmentID, p.MeasureID = funds.Payment, 60001, commit, mid
		if _, err := rec(p); validationKey(err) != "funds.exceeds_commitment" {
			t.Fatalf("over the commitment: %v", err)
		}
		p.Amount = 20000
		pay, err := rec(p)
		if err != nil {
			t.Fatal(err)
		}
		p.MeasureID = 999999
		if _, err := rec(p); validationKey(err) != "funds.measure_unknown" {
			t.Fatalf("unknown measure: %v", err)
		}
		r := fundDay(t, "2026-08-02")
		r.Kind, r.Amount, r.Reverses = funds.Reversal, 5000, pay
		if _, err := rec(r); err != nil {
			t.Fatal(err)
		}
		l, err := db.FundLedger(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Totals(); got != (funds.Totals{Budget: 500000, Committed: 60000, Paid: 15000, Available: 440000}) {
			t.Fatalf("totals %+v", got)
		}
		if len(l.Entries) != 4 || l.Entries[2].MeasureKind != "escort" || l.Entries[2].ContractID != cid {
			t.Fatalf("entries %+v", l.Entries)
		}
		pub, err := db.FundContracts(ctx, 2026, false)
		if err != nil || len(pub) != 1 || len(pub[0].Items) != 2 || pub[0].Items[1].Detail != "" || pub[0].Items[1].Withheld != "safe_house" {
			t.Fatalf("public contracts %+v %v", pub, err)
		}
		staff, err := db.FundContracts(ctx, 2026, true)
		if err != nil || staff[0].Items[1].Detail != "Calle Secreta 12" {
			t.Fatalf("staff contracts %+v %v", staff, err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'fund.%'`); n < 6 {
			t.Fatalf("fund audit entries: %d", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM fund_contract_items WHERE description LIKE '%Secreta%'`); n != 0 {
			t.Fatal("detail stored in clear")
		}
		if years, err := db.FundYears(ctx); err != nil || len(years) != 1 || years[0] != 2026 {
			t.Fatalf("years %v %v", years, err)
		}
	})
}

package store_test

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/disclosure"
	"escudo/internal/funds"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// fundLedgerFixture records a year of two suppliers: an escort company
// paid for escorts and for fees tied to no measure, and a body-armour
// supplier. Q1: 12 escort payments and 2 fees by the first, 3 payments by
// the second (too few to publish). Q2: 15 and 15, nothing small.
func fundLedgerFixture(t *testing.T, ctx context.Context, db *store.DB) (escort, armour int64) {
	t.Helper()
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
	mEscort, err := grant(ctx, db, u.ID, escudo.MeasureGrant{CaseID: rc.CaseID, Measure: "escort", AgencyID: police, Source: escudo.SourceUrgent, Details: map[string]string{"officers": "2"}, Reason: "x"})
	if err != nil {
		t.Fatal(err)
	}
	mArmour, err := grant(ctx, db, u.ID, escudo.MeasureGrant{CaseID: rc.CaseID, Measure: "building_protection", AgencyID: police, Source: escudo.SourceUrgent, Details: map[string]string{"premises": "x", "rounds_per_day": "2"}, Reason: "x"})
	if err != nil {
		t.Fatal(err)
	}
	rec := func(e funds.Entry) int64 {
		t.Helper()
		e.Year = e.Date.Year()
		id, err := db.RecordFundEntry(ctx, e)
		if err != nil {
			t.Fatalf("%s %s: %v", e.Kind, e.Date.Format(funds.DateLayout), err)
		}
		return id
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	rec(funds.Entry{Kind: funds.Budget, Amount: 100_000_000_00, Date: day(1, 2)})
	contract := func(title, supplier string) (int64, int64) {
		c := &store.FundContract{Year: 2026, Title: title, Supplier: supplier, Method: "direct", Value: 10_000_000_00, Signed: day(1, 3), Starts: day(1, 3), Ends: day(12, 31)}
		id, err := db.RecordContract(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return id, rec(funds.Entry{Kind: funds.Commitment, ContractID: id, Amount: 9_000_000_00, Date: day(1, 4)})
	}
	escort, cEscort := contract("Escoltas", "Escoltas del Sur SA")
	armour, cArmour := contract("Chalecos", "Chalecos Norte SA")
	pay := func(commit, measure int64, m time.Month, n int, amount funds.Cents) {
		for i := 0; i < n; i++ {
			rec(funds.Entry{Kind: funds.Payment, CommitmentID: commit, MeasureID: measure, Amount: amount + funds.Cents(i), Date: day(m, 1+i)})
		}
	}
	pay(cEscort, mEscort, 2, 12, 1_000_00)
	pay(cEscort, 0, 3, 2, 50_00)
	pay(cArmour, mArmour, 3, 3, 7_000_00)
	pay(cEscort, mEscort, 5, 15, 1_000_00)
	pay(cArmour, mArmour, 5, 15, 7_000_00)
	// A payment reversed in full counts for nothing.
	rev := rec(funds.Entry{Kind: funds.Payment, CommitmentID: cArmour, MeasureID: mArmour, Amount: 9_99, Date: day(5, 28)})
	rec(funds.Entry{Kind: funds.Reversal, Reverses: rev, Amount: 9_99, Date: day(5, 29)})
	return escort, armour
}

// TestFundReleasesPublishedAndProtected: once a quarter is over, the
// sweep publishes it once, as three statistics releases and their
// amounts; no count of payments from 1 to 9 is published, a withheld
// count's amount is not stored, every published amount is the ledger's,
// and the history with the fund's releases passes disclosure control's
// audit. The quarter under way is not published.
func TestFundReleasesPublishedAndProtected(t *testing.T) {
	clock := testdb.NewClock(time.Time{})
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(time.Date(2026, 1, 2, 18, 0, 0, 0, time.UTC))
		escortContract, _ := fundLedgerFixture(t, ctx, db)
		clock.Set(time.Date(2026, 4, 1, 5, 0, 0, 0, time.UTC)) // 23:00 of 31 March in the capital
		if n, err := db.SweepFundReleases(ctx, 10); err != nil || n != 0 {
			t.Fatalf("Q1 not over in the capital: %d, %v", n, err)
		}
		clock.Set(time.Date(2026, 7, 10, 18, 0, 0, 0, time.UTC))
		if n, err := db.PublishStatistics(ctx, 1000); err != nil || n < 2 {
			t.Fatalf("sweep: %d, %v", n, err)
		}
		if n, err := db.SweepFundReleases(ctx, 10); err != nil || n != 0 {
			t.Fatalf("second sweep: %d, %v", n, err)
		}
		if _, err := db.FundRelease(ctx, "2026-Q3"); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("Q3 under way: %v", err)
		}
		if p, err := db.FundReleasePeriods(ctx); err != nil || len(p) != 2 || p[0] != "2026-Q1" || p[1] != "2026-Q2" {
			t.Fatalf("periods: %v %v", p, err)
		}
		l, err := db.FundLedger(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		for _, per := range []string{"2026-Q1", "2026-Q2"} {
			r, err := db.FundRelease(ctx, per)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := funds.ParsePeriod(per)
			totals, paidQ := l.AtEnd(p)
			if r.Totals != totals || r.PaidQuarter != paidQ || r.PaidQuarter == 0 {
				t.Fatalf("%s totals %+v %v, ledger %+v %v", per, r.Totals, r.PaidQuarter, totals, paidQ)
			}
			want := map[string]funds.Cents{}
			for _, pay := range l.Payments(p, map[int64]string{}) {
				want[pay.Kind] += pay.Amount
			}
			for _, rows := range [][]store.FundCell{r.ByKind, r.BySupplier, r.ByContract} {
				total := rows[len(rows)-1]
				if total.Key != disclosure.TotalLabel {
					t.Fatalf("%s: total not last: %+v", per, rows)
				}
				for _, c := range rows {
					if c.Payments > 0 && c.Payments < 10 {
						t.Errorf("%s: small count published: %+v", per, c)
					}
					if !c.Published() && (c.PaidPublished || c.Paid != 0 || c.Payments != 0) {
						t.Errorf("%s: withheld cell carries figures: %+v", per, c)
					}
					if c.PaidPublished && !total.Published() {
						t.Errorf("%s: an amount published beside a withheld total: %+v", per, c)
					}
				}
				if total.PaidPublished && total.Paid != paidQ {
					t.Errorf("%s: total paid %v, ledger %v", per, total.Paid, paidQ)
				}
			}
			for _, c := range r.ByKind {
				if c.PaidPublished && c.Key != disclosure.TotalLabel && c.Paid != want[c.Key] {
					t.Errorf("%s %s: paid %v, ledger %v", per, c.Key, c.Paid, want[c.Key])
				}
			}
			if per == "2026-Q1" {
				armour := r.ByKind[0]
				if armour.Key != "building_protection" || armour.Status != disclosure.Primary.String() {
					t.Fatalf("Q1 body armour: %+v", r.ByKind)
				}
				sup := r.BySupplier[0]
				if sup.Key != "Chalecos Norte SA" || sup.Published() || sup.Committed != 9_000_000_00 {
					t.Fatalf("Q1 supplier: %+v", r.BySupplier)
				}
			} else {
				for _, c := range r.ByKind {
					if c.Key != funds.NoMeasure && !c.PaidPublished {
						t.Fatalf("Q2, nothing small, withheld: %+v", r.ByKind)
					}
				}
				c, ok := r.Contract(escortContract)
				if !ok || !c.PaidPublished || c.Payments != 15 || c.Paid != 15*1_000_00+105 {
					t.Fatalf("Q2 escort contract: %+v %v", c, ok)
				}
			}
		}
		f, n, err := db.VerifyStatistics(ctx)
		if err != nil || n < 6 {
			t.Fatalf("verify: %d releases, %v", n, err)
		}
		for _, x := range f {
			if x.Sensitive() {
				t.Errorf("disclosure: %+v", x)
			}
		}
	})
}

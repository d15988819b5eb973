package funds

import (
	"errors"
	"testing"
	"time"

	"escudo"
)

func TestParseAmount(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Cents
		ok   bool
	}{
		{"1234.56", 123456, true}, {"1,234.56", 123456, true}, {"$1,234.56 MXN", 123456, true},
		{"12", 1200, true}, {"0.5", 50, true}, {"0", 0, true},
		{"-5", 0, false}, {"1.234", 0, false}, {"1,23", 0, false}, {"", 0, false}, {"abc", 0, false},
		{"1.", 0, false}, {"9999999999999", 0, false}, {"12,3456", 0, false},
	} {
		got, err := ParseAmount(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	for c, want := range map[Cents]string{0: "$0.00 MXN", 123456: "$1,234.56 MXN", 100000000: "$1,000,000.00 MXN", -5: "-$0.05 MXN"} {
		if got := c.Format(); got != want {
			t.Errorf("%d: %q, want %q", c, got, want)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	for in, ok := range map[string]bool{"2026-Q3": true, "2026-Q1": true, "2026-Q5": false, "2026-Q0": false, "2026-3": false, "26-Q3": false, "": false, "2026-q3": false} {
		p, err := ParsePeriod(in)
		if (err == nil) != ok {
			t.Errorf("ParsePeriod(%q): %v", in, err)
		}
		if ok && p.String() != in {
			t.Errorf("round trip %q → %q", in, p)
		}
	}
	p := Period{2026, 3}
	if !p.Contains(day("2026-07-01")) || !p.Contains(day("2026-09-30")) || p.Contains(day("2026-10-01")) {
		t.Error("Q3 bounds")
	}
}

func day(s string) time.Time { d, _ := ParseDate(s); return d }

func ledger() Ledger {
	return Ledger{Year: 2026, Contracts: map[int64]Contract{1: {ID: 1, Value: 1000, Year: 2026}, 2: {ID: 2, Value: 5000, Year: 2025}},
		Entries: []Entry{
			{ID: 1, Kind: Budget, Amount: 3000, Date: day("2026-01-02")},
			{ID: 2, Kind: Commitment, ContractID: 1, Amount: 600, Date: day("2026-02-01")},
			{ID: 3, Kind: Payment, ContractID: 1, CommitmentID: 2, Amount: 200, Date: day("2026-03-01")},
		}}
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name string
		e    Entry
		key  string
	}{
		{"budget increase", Entry{Kind: Increase, Amount: 10, Date: day("2026-05-01")}, ""},
		{"negative", Entry{Kind: Increase, Amount: -10, Date: day("2026-05-01")}, "funds.amount_positive"},
		{"zero", Entry{Kind: Budget, Amount: 0, Date: day("2026-05-01")}, "funds.amount_positive"},
		{"other year's date", Entry{Kind: Increase, Amount: 10, Date: day("2025-12-31")}, "funds.date_in_year"},
		{"decrease below committed", Entry{Kind: Decrease, Amount: 2401, Date: day("2026-05-01")}, "funds.exceeds_available"},
		{"decrease to committed", Entry{Kind: Decrease, Amount: 2400, Date: day("2026-05-01")}, ""},
		{"commitment within contract", Entry{Kind: Commitment, ContractID: 1, Amount: 400, Date: day("2026-05-01")}, ""},
		{"commitment over contract", Entry{Kind: Commitment, ContractID: 1, Amount: 401, Date: day("2026-05-01")}, "funds.exceeds_contract"},
		{"commitment unknown contract", Entry{Kind: Commitment, ContractID: 9, Amount: 1, Date: day("2026-05-01")}, "funds.contract_unknown"},
		{"commitment other year's contract", Entry{Kind: Commitment, ContractID: 2, Amount: 1, Date: day("2026-05-01")}, "funds.contract_other_year"},
		{"payment within commitment", Entry{Kind: Payment, CommitmentID: 2, Amount: 400, Date: day("2026-05-01")}, ""},
		{"payment over commitment", Entry{Kind: Payment, CommitmentID: 2, Amount: 401, Date: day("2026-05-01")}, "funds.exceeds_commitment"},
		{"payment on a payment", Entry{Kind: Payment, CommitmentID: 3, Amount: 1, Date: day("2026-05-01")}, "funds.commitment_unknown"},
		{"reverse the payment", Entry{Kind: Reversal, Reverses: 3, Amount: 200, Date: day("2026-05-01")}, ""},
		{"reverse more than paid", Entry{Kind: Reversal, Reverses: 3, Amount: 201, Date: day("2026-05-01")}, "funds.exceeds_reversible"},
		{"reverse the unpaid commitment", Entry{Kind: Reversal, Reverses: 2, Amount: 400, Date: day("2026-05-01")}, ""},
		{"reverse a paid part", Entry{Kind: Reversal, Reverses: 2, Amount: 401, Date: day("2026-05-01")}, "funds.exceeds_reversible"},
		{"reverse unknown", Entry{Kind: Reversal, Reverses: 77, Amount: 1, Date: day("2026-05-01")}, "funds.reverses_unknown"},
		{"unknown kind", Entry{Kind: "gift", Amount: 1, Date: day("2026-05-01")}, "funds.kind_unknown"},
	} {
		err := ledger().Check(c.e)
		got := ""
		var v escudo.ValidationErrors
		if errors.As(err, &v) {
			got = v[0].Key
		} else if err != nil {
			got = err.Error()
		}
		if got != c.key {
			t.Errorf("%s: %q, want %q", c.name, got, c.key)
		}
	}
}

func TestReversalsMoveTotals(t *testing.T) {
	l := ledger()
	l.Entries = append(l.Entries, Entry{ID: 4, Kind: Reversal, Reverses: 3, Amount: 50, Date: day("2026-04-01")})
	got := l.Totals()
	if got != (Totals{Budget: 3000, Committed: 600, Paid: 150, Available: 2400}) {
		t.Fatalf("%+v", got)
	}
	if l.CommitmentLeft(2) != 450 || l.ContractLeft(1) != 400 {
		t.Fatalf("left %d %d", l.CommitmentLeft(2), l.ContractLeft(1))
	}
}

// TestPayments: the quarter's payments, net of reversals dated before
// its end, with their kind (NoMeasure for none), contract and supplier;
// one reversed in full is left out; the totals at the quarter's end
// ignore a reversal dated after it.
func TestPayments(t *testing.T) {
	l := ledger()
	for i := 0; i < 3; i++ {
		l.Entries = append(l.Entries, Entry{ID: int64(10 + i), Kind: Payment, CommitmentID: 2, Amount: 10, MeasureID: int64(100 + i), MeasureKind: "panic_button", Date: day("2026-08-01")})
	}
	l.Entries = append(l.Entries,
		Entry{ID: 20, Kind: Payment, ContractID: 1, CommitmentID: 2, Amount: 40, Date: day("2026-08-02")},
		Entry{ID: 21, Kind: Reversal, Reverses: 10, Amount: 10, Date: day("2026-08-03")},
		Entry{ID: 22, Kind: Reversal, Reverses: 11, Amount: 4, Date: day("2026-10-03")})
	p := Period{2026, 3}
	got := l.Payments(p, map[int64]string{1: "Proveedor"})
	want := []Paid{{"panic_button", 1, "Proveedor", 10}, {"panic_button", 1, "Proveedor", 10}, {NoMeasure, 1, "Proveedor", 40}}
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("payment %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	totals, paid := l.AtEnd(p)
	if paid != 60 || totals.Paid != 260 {
		t.Fatalf("at the end: %+v, paid %d", totals, paid)
	}
	if c := l.Committed(Period{2026, 1}, map[int64]string{1: "Proveedor"}); c["Proveedor"] != 600 {
		t.Fatalf("committed: %v", c)
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1,234.56", "$1 MXN", "-1", "1.999", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseAmount(s)
		if err != nil {
			return
		}
		if c < 0 || c > MaxAmount {
			t.Fatalf("%q → %d", s, c)
		}
		back, err := ParseAmount(c.Format())
		if err != nil || back != c {
			t.Fatalf("%q → %d → %q → %d %v", s, c, c.Format(), back, err)
		}
	})
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-Q3", "2026-Q5", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		if p.Quarter < 1 || p.Quarter > 4 || p.String() != s || !p.Contains(p.Start()) || p.Contains(p.End()) {
			t.Fatalf("%q → %+v", s, p)
		}
	})
}

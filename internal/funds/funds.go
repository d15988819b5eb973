// Package funds holds the rules of the trust fund's ledger (issue 17,
// item 3; docs/funds.md): amounts in centavos, fiscal quarters, and what
// a budget entry, a commitment, a payment or a reversal may be given what
// the ledger already holds. The ledger is append-only: a correction is a
// new reversing entry, never an edit. Pure Go: no database, no HTTP.
package funds

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"escudo"
)

// Cents is an amount in centavos of Mexican pesos.
type Cents int64

// MaxAmount bounds any one amount (one hundred thousand million pesos),
// so that sums of a ledger cannot overflow.
const MaxAmount Cents = 100_000_000_000_00

var errAmount = errors.New("funds: not an amount")

// ParseAmount reads pesos as people write them: "1234.56", "1,234.56",
// "$1,234.56", "1234". Negative amounts, more than two decimals and
// amounts above MaxAmount are refused.
func ParseAmount(s string) (Cents, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(s, "MXN"))
	s = strings.TrimPrefix(s, "$")
	if s == "" {
		return 0, errAmount
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac && (len(frac) == 0 || len(frac) > 2) {
		return 0, errAmount
	}
	if strings.Contains(whole, ",") {
		groups := strings.Split(whole, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return 0, errAmount
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, errAmount
			}
		}
		whole = strings.Join(groups, "")
	}
	if whole == "" || len(whole) > 12 || !digits(whole) || !digits(frac) {
		return 0, errAmount
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, errAmount
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	c := Cents(w*100 + f)
	if c > MaxAmount {
		return 0, errAmount
	}
	return c, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Format writes c as "$1,234.56 MXN", as both Spanish (Mexico) and
// English readers of the Mechanism's reports write pesos.
func (c Cents) Format() string {
	neg := c < 0
	if neg {
		c = -c
	}
	w := strconv.FormatInt(int64(c/100), 10)
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	b.WriteString("$")
	for i, r := range w {
		if i > 0 && (len(w)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	fmt.Fprintf(&b, ".%02d MXN", int64(c%100))
	return b.String()
}

// Decimal writes c as "1234.56", for open-data files.
func (c Cents) Decimal() string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, int64(c/100), int64(c%100))
}

// Period is a fiscal quarter: Mexico's fiscal year is the calendar year.
type Period struct{ Year, Quarter int }

var errPeriod = errors.New("funds: not a quarter")

// ParsePeriod reads "2026-Q3".
func ParsePeriod(s string) (Period, error) {
	if len(s) != 7 || s[4] != '-' || s[5] != 'Q' || !digits(s[:4]) {
		return Period{}, errPeriod
	}
	y, _ := strconv.Atoi(s[:4])
	q := int(s[6] - '0')
	if y < 2000 || y > 2999 || q < 1 || q > 4 {
		return Period{}, errPeriod
	}
	return Period{Year: y, Quarter: q}, nil
}

func (p Period) String() string { return fmt.Sprintf("%04d-Q%d", p.Year, p.Quarter) }

// Start is the quarter's first day; End the first day after it.
func (p Period) Start() time.Time {
	return time.Date(p.Year, time.Month(3*(p.Quarter-1)+1), 1, 0, 0, 0, 0, time.UTC)
}

// End is the first day after the quarter.
func (p Period) End() time.Time { return p.Start().AddDate(0, 3, 0) }

// Contains reports whether day d falls in the quarter.
func (p Period) Contains(d time.Time) bool { return !d.Before(p.Start()) && d.Before(p.End()) }

// PeriodOf is the quarter of day d.
func PeriodOf(d time.Time) Period { return Period{Year: d.Year(), Quarter: (int(d.Month())-1)/3 + 1} }

// DateLayout is how ledger days are written.
const DateLayout = "2006-01-02"

// ParseDate reads a day "2026-07-15".
func ParseDate(s string) (time.Time, error) {
	return time.Parse(DateLayout, strings.TrimSpace(s))
}

// Kind is what a ledger entry records.
type Kind string

// The ledger's entries.
const (
	Budget     Kind = "budget"     // the year's approved budget
	Increase   Kind = "increase"   // an amendment that adds to it
	Decrease   Kind = "decrease"   // an amendment that takes from it
	Commitment Kind = "commitment" // money set aside under a contract
	Payment    Kind = "payment"    // money paid against a commitment
	Reversal   Kind = "reversal"   // undoes (part of) an earlier entry
)

// Kinds are the entries staff record by hand, in the forms' order.
var Kinds = []Kind{Budget, Increase, Decrease, Commitment, Payment, Reversal}

// Entry is one line of the ledger. Amounts are always positive; the kind
// says which way it moves the balances.
type Entry struct {
	ID           int64
	Year         int
	Kind         Kind
	Amount       Cents
	Date         time.Time
	ContractID   int64 // commitments and payments
	CommitmentID int64 // payments
	MeasureID    int64 // the granted measure it pays for, when it does
	MeasureKind  string
	Reverses     int64 // reversals
	Note         string
}

// Contract is the part of a contract the rules need.
type Contract struct {
	ID    int64
	Value Cents
	Year  int // fiscal year it is charged to
}

// Ledger is every entry of one fiscal year, and the contracts they name.
type Ledger struct {
	Year      int
	Entries   []Entry
	Contracts map[int64]Contract
}

// reversed is how much of entry id has been reversed.
func (l Ledger) reversed(id int64) Cents {
	var s Cents
	for _, e := range l.Entries {
		if e.Kind == Reversal && e.Reverses == id {
			s += e.Amount
		}
	}
	return s
}

// net is what entry e still counts for after its reversals.
func (l Ledger) net(e Entry) Cents { return e.Amount - l.reversed(e.ID) }

func (l Ledger) entry(id int64) (Entry, bool) {
	for _, e := range l.Entries {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}

// Totals are a ledger's balances.
type Totals struct{ Budget, Committed, Paid, Available Cents }

// Totals adds the ledger up: the budget with its amendments, what is
// committed and paid, and the budget not yet committed.
func (l Ledger) Totals() Totals {
	var t Totals
	for _, e := range l.Entries {
		n := l.net(e)
		switch e.Kind {
		case Budget, Increase:
			t.Budget += n
		case Decrease:
			t.Budget -= n
		case Commitment:
			t.Committed += n
		case Payment:
			t.Paid += n
		}
	}
	t.Available = t.Budget - t.Committed
	return t
}

// CommitmentLeft is what commitment id has left to pay.
func (l Ledger) CommitmentLeft(id int64) Cents {
	c, ok := l.entry(id)
	if !ok || c.Kind != Commitment {
		return 0
	}
	left := l.net(c)
	for _, e := range l.Entries {
		if e.Kind == Payment && e.CommitmentID == id {
			left -= l.net(e)
		}
	}
	return left
}

// ContractLeft is the part of a contract's value not yet committed.
func (l Ledger) ContractLeft(id int64) Cents {
	left := l.Contracts[id].Value
	for _, e := range l.Entries {
		if e.Kind == Commitment && e.ContractID == id {
			left -= l.net(e)
		}
	}
	return left
}

// Check reports what is wrong with recording e on the ledger, as field
// errors with translation keys; nil when it may be recorded.
func (l Ledger) Check(e Entry) error {
	var v escudo.ValidationErrors
	if e.Amount <= 0 || e.Amount > MaxAmount {
		v.Add("amount", "funds.amount_positive", nil)
	}
	if e.Date.IsZero() || e.Date.Year() != l.Year {
		v.Add("date", "funds.date_in_year", map[string]any{"Year": l.Year})
	}
	if len(e.Note) > 500 {
		v.Add("note", "validation.too_long", map[string]any{"Max": 500})
	}
	if len(v) > 0 {
		return v
	}
	t := l.Totals()
	switch e.Kind {
	case Budget, Increase:
		if t.Budget+e.Amount > MaxAmount {
			v.Add("amount", "funds.amount_positive", nil)
		}
	case Decrease:
		if e.Amount > t.Available {
			v.Add("amount", "funds.exceeds_available", map[string]any{"Left": t.Available.Format()})
		}
	case Commitment:
		c, ok := l.Contracts[e.ContractID]
		switch {
		case !ok:
			v.Add("contract", "funds.contract_unknown", nil)
		case c.Year != l.Year:
			v.Add("contract", "funds.contract_other_year", nil)
		case e.Amount > l.ContractLeft(e.ContractID):
			v.Add("amount", "funds.exceeds_contract", map[string]any{"Left": l.ContractLeft(e.ContractID).Format()})
		case e.Amount > t.Available:
			v.Add("amount", "funds.exceeds_available", map[string]any{"Left": t.Available.Format()})
		}
	case Payment:
		c, ok := l.entry(e.CommitmentID)
		switch {
		case !ok || c.Kind != Commitment:
			v.Add("commitment", "funds.commitment_unknown", nil)
		case e.ContractID != 0 && e.ContractID != c.ContractID:
			v.Add("commitment", "funds.commitment_unknown", nil)
		case e.Amount > l.CommitmentLeft(c.ID):
			v.Add("amount", "funds.exceeds_commitment", map[string]any{"Left": l.CommitmentLeft(c.ID).Format()})
		}
	case Reversal:
		o, ok := l.entry(e.Reverses)
		if !ok || o.Kind == Reversal {
			v.Add("reverses", "funds.reverses_unknown", nil)
			break
		}
		var most Cents
		switch o.Kind {
		case Commitment:
			most = l.CommitmentLeft(o.ID) // what was paid stays committed
		case Budget, Increase:
			most = min(l.net(o), t.Available)
		default:
			most = l.net(o)
		}
		if e.Amount > most {
			v.Add("amount", "funds.exceeds_reversible", map[string]any{"Left": most.Format()})
		}
	default:
		v.Add("entry_kind", "funds.kind_unknown", nil)
	}
	return v.Err()
}

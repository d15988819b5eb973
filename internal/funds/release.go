package funds

// NoMeasure is the measure kind of payments tied to no measure.
const NoMeasure = "none"

// Paid is one payment of a quarter as the fund's releases count it: what
// it still counts for at the quarter's end, the kind of measure it pays
// for (NoMeasure when none), its contract and supplier.
type Paid struct {
	Kind     string
	Contract int64
	Supplier string
	Amount   Cents
}

// Payments lists the quarter's payments, ledger order, each net of the
// reversals dated before the quarter's end; a payment reversed in full
// is left out. supplierOf names each contract's supplier.
func (l Ledger) Payments(p Period, supplierOf map[int64]string) []Paid {
	var out []Paid
	at := l.upTo(p)
	for _, e := range at.Entries {
		if e.Kind != Payment || !p.Contains(e.Date) {
			continue
		}
		n := at.net(e)
		if n <= 0 {
			continue
		}
		c := e.ContractID
		if c == 0 {
			if cm, ok := l.entry(e.CommitmentID); ok {
				c = cm.ContractID
			}
		}
		kind := e.MeasureKind
		if e.MeasureID == 0 || kind == "" {
			kind = NoMeasure
		}
		out = append(out, Paid{Kind: kind, Contract: c, Supplier: supplierOf[c], Amount: n})
	}
	return out
}

// Committed is what each supplier's contracts were committed in the
// quarter, net of the reversals dated before its end.
func (l Ledger) Committed(p Period, supplierOf map[int64]string) map[string]Cents {
	out := map[string]Cents{}
	at := l.upTo(p)
	for _, e := range at.Entries {
		if e.Kind == Commitment && p.Contains(e.Date) {
			out[supplierOf[e.ContractID]] += at.net(e)
		}
	}
	return out
}

// AtEnd is the ledger's totals at the quarter's end and what was paid in
// it: reversals dated after the quarter do not change what was reported.
func (l Ledger) AtEnd(p Period) (Totals, Cents) {
	at := l.upTo(p)
	var paid Cents
	for _, e := range at.Entries {
		if e.Kind == Payment && p.Contains(e.Date) {
			paid += at.net(e)
		}
	}
	return at.Totals(), paid
}

// upTo is the ledger as it stood at the quarter's end: its entries dated
// before then, so that a later reversal changes nothing reported.
func (l Ledger) upTo(p Period) Ledger {
	at := Ledger{Year: l.Year, Contracts: l.Contracts}
	for _, e := range l.Entries {
		if e.Date.Before(p.End()) {
			at.Entries = append(at.Entries, e)
		}
	}
	return at
}

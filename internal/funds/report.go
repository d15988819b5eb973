package funds

import "sort"

// Threshold is the smallest count of measures published: a group of 1 to
// 9 measures could point to a person, and so could its amount (amount
// divided by a known average cost gives the count).
const Threshold = 10

// Group is one row of a breakdown of a quarter's payments.
type Group struct {
	Key      string // measure catalogue id or contractor id; "" for payments tied to no measure
	Measures int    // distinct measures paid for
	Paid     Cents
	Withheld bool // the count and the amount are not published
}

// Report is a quarter's figures.
type Report struct {
	Period Period
	Totals Totals // budget, committed and available at the quarter's end; paid in the quarter
	Paid   Cents  // paid in the quarter
	ByKind []Group
	Total  Group // every measure paid for in the quarter
}

// Quarter adds up the payments of the ledger that fall in p, by measure
// kind, and protects the breakdown (Protect).
func (l Ledger) Quarter(p Period) Report {
	r := Report{Period: p}
	upTo := Ledger{Year: l.Year, Contracts: l.Contracts}
	for _, e := range l.Entries {
		if e.Date.Before(p.End()) {
			upTo.Entries = append(upTo.Entries, e)
		}
	}
	// Reversals dated after the quarter do not change what was reported.
	r.Totals = upTo.Totals()
	kinds := map[string]*Group{}
	measures := map[string]map[int64]bool{}
	all := map[int64]bool{}
	for _, e := range upTo.Entries {
		if e.Kind != Payment || !p.Contains(e.Date) {
			continue
		}
		n := upTo.net(e)
		r.Paid += n
		g := kinds[e.MeasureKind]
		if g == nil {
			g = &Group{Key: e.MeasureKind}
			kinds[e.MeasureKind], measures[e.MeasureKind] = g, map[int64]bool{}
		}
		g.Paid += n
		if e.MeasureID != 0 && n > 0 {
			measures[e.MeasureKind][e.MeasureID] = true
			all[e.MeasureID] = true
		}
	}
	for k, g := range kinds {
		g.Measures = len(measures[k])
		r.ByKind = append(r.ByKind, *g)
	}
	sort.Slice(r.ByKind, func(i, j int) bool { return r.ByKind[i].Key < r.ByKind[j].Key })
	r.Total = Group{Measures: len(all), Paid: r.Paid}
	r.ByKind, r.Total = Protect(r.ByKind, r.Total)
	return r
}

// small is a count that may not be published.
func small(n int) bool { return n > 0 && n < Threshold }

// Protect withholds the groups of 1 to 9 measures, and when that leaves
// exactly one group of measures withheld, the next smallest too, so that
// no withheld count or amount is the total minus the published ones. A
// total of 1 to 9 is withheld with every group. Payments tied to no
// measure (Key "") count no people and are always published.
func Protect(groups []Group, total Group) ([]Group, Group) {
	out := append([]Group(nil), groups...)
	if small(total.Measures) {
		// Every group goes, the payments tied to no measure too: the
		// quarter's total paid minus theirs would be the measures' amount.
		total.Withheld = true
		for i := range out {
			out[i].Withheld = true
		}
		return out, total
	}
	withheld := 0
	for i := range out {
		if out[i].Key != "" && small(out[i].Measures) {
			out[i].Withheld = true
			withheld++
		}
	}
	if withheld == 1 {
		next := -1
		for i, g := range out {
			if g.Key == "" || g.Withheld {
				continue
			}
			if next < 0 || g.Measures < out[next].Measures || g.Measures == out[next].Measures && g.Paid < out[next].Paid {
				next = i
			}
		}
		if next >= 0 {
			out[next].Withheld = true
		} else {
			// Nothing else to hide it with: the payments tied to no
			// measure go, and the measures' total.
			total.Withheld = true
			for i := range out {
				out[i].Withheld = true
			}
		}
	}
	return out, total
}

// Supplier is what one supplier's contracts were committed and paid in a
// quarter. Paid is withheld when any of it pays for measures of a
// withheld kind: a supplier that serves one kind of measure would show
// that kind's amount (and with a known price, its count).
type Supplier struct {
	Name            string
	Committed, Paid Cents
	Withheld        bool
}

// Suppliers breaks the quarter's commitments and payments down by the
// supplier of their contract, withholding paid amounts as Quarter's
// breakdown r requires; when that withholds exactly one, the next
// smallest is withheld too, so the total paid does not give it away.
func (l Ledger) Suppliers(r Report, supplierOf map[int64]string) []Supplier {
	withheldKind := map[string]bool{}
	for _, g := range r.ByKind {
		withheldKind[g.Key] = g.Withheld
	}
	rows := map[string]*Supplier{}
	var names []string
	for _, e := range l.Entries {
		if (e.Kind != Commitment && e.Kind != Payment) || !r.Period.Contains(e.Date) {
			continue
		}
		name := supplierOf[e.ContractID]
		s := rows[name]
		if s == nil {
			s = &Supplier{Name: name}
			rows[name] = s
			names = append(names, name)
		}
		n := e.Amount
		for _, x := range l.Entries {
			if x.Kind == Reversal && x.Reverses == e.ID && x.Date.Before(r.Period.End()) {
				n -= x.Amount
			}
		}
		if e.Kind == Commitment {
			s.Committed += n
			continue
		}
		s.Paid += n
		if e.MeasureID != 0 && (withheldKind[e.MeasureKind] || r.Total.Withheld) {
			s.Withheld = true
		}
	}
	sort.Strings(names)
	out := make([]Supplier, 0, len(names))
	withheld := 0
	for _, n := range names {
		out = append(out, *rows[n])
		if rows[n].Withheld {
			withheld++
		}
	}
	if withheld == 1 {
		next := -1
		for i, s := range out {
			if !s.Withheld && s.Paid > 0 && (next < 0 || s.Paid < out[next].Paid) {
				next = i
			}
		}
		if next >= 0 {
			out[next].Withheld = true
		}
	}
	return out
}

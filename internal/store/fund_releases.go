package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/disclosure"
	"escudo/internal/funds"
)

// The trust fund's quarterly releases (docs/funds.md). Once a fiscal
// quarter is over, in the capital's calendar, the statistics.publish
// sweep publishes its payments counted three ways, by kind of measure, by
// supplier and by contract, as three statistics releases over the same
// atoms (quarter × kind × contract), each protected by disclosure control
// against every release before it: no count of payments from 1 to 9 is
// published or can be worked out. An amount is published only with its
// count, and none at all when the table's total count is withheld (the
// quarter's total paid is public, so it would give the rest away). The
// ledger's totals at the quarter's end are published whole: they count
// no one. The public report and files show only what a release holds.

// The fund's series.
const (
	SeriesFundKind     = "fund.kind.quarterly"
	SeriesFundSupplier = "fund.supplier.quarterly"
	SeriesFundContract = "fund.contract.quarterly"
)

var fundSeries = []string{SeriesFundKind, SeriesFundSupplier, SeriesFundContract}

// FundCell is one row of a fund release: a kind of measure's catalogue id
// (funds.NoMeasure for payments tied to none), a supplier's name or a
// contract's id; disclosure.TotalLabel for the total. Payments and Paid
// are filled only when published.
type FundCell struct {
	Key           string
	Status        string // published | primary | secondary
	Payments      int64
	Paid          funds.Cents
	PaidPublished bool
	Committed     funds.Cents // suppliers: committed in the quarter, always published
}

// Published reports whether the cell's count was released.
func (c FundCell) Published() bool { return c.Status == disclosure.Published.String() }

// FundRelease is one quarter of the fund as published.
type FundRelease struct {
	Period      string
	PublishedAt time.Time
	Totals      funds.Totals // at the quarter's end
	PaidQuarter funds.Cents
	ByKind      []FundCell // the total last
	BySupplier  []FundCell // the total last
	ByContract  []FundCell // the total last
}

// Total is the release's total of payments (the same atoms in each table).
func (r FundRelease) Total() FundCell { return r.ByKind[len(r.ByKind)-1] }

// Contract is a contract's row; false when it was paid nothing in the quarter.
func (r FundRelease) Contract(id int64) (FundCell, bool) {
	k := strconv.FormatInt(id, 10)
	for _, c := range r.ByContract {
		if c.Key == k {
			return c, true
		}
	}
	return FundCell{}, false
}

type fundReleaseBody struct {
	Totals      funds.Totals           `json:"totals"`
	PaidQuarter funds.Cents            `json:"paid_quarter"`
	Amounts     map[string]funds.Cents `json:"amounts"`   // series|key of published cells
	Committed   map[string]funds.Cents `json:"committed"` // by supplier
}

// fundQuarterOver reports whether the quarter is over in the capital.
func (db *DB) fundQuarterOver(p funds.Period) bool {
	e := p.End()
	return !db.Now().Before(time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, statZone))
}

// PublishStatistics is the job statistics.publish: the months' and
// quarters' tables (SweepStatistics), then the fund's quarters
// (SweepFundReleases), at most limit periods in all.
func (db *DB) PublishStatistics(ctx context.Context, limit int) (int, error) {
	n, err := db.SweepStatistics(ctx, limit)
	if err != nil || n >= limit {
		return n, err
	}
	m, err := db.SweepFundReleases(ctx, limit-n)
	return n + m, err
}

// FundReleasePeriods lists the fund quarters published, oldest first.
func (db *DB) FundReleasePeriods(ctx context.Context) ([]string, error) {
	rows, err := db.readQuery(ctx, `SELECT period FROM fund_releases ORDER BY period`)
	if err != nil {
		return nil, fmt.Errorf("store: fund releases: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SweepFundReleases publishes every fund quarter that is over and not yet
// published, oldest first, at most limit of them.
func (db *DB) SweepFundReleases(ctx context.Context, limit int) (int, error) {
	years, err := db.FundYears(ctx)
	if err != nil || len(years) == 0 {
		return 0, err
	}
	have, err := db.FundReleasePeriods(ctx)
	if err != nil {
		return 0, err
	}
	done := map[string]bool{}
	for _, p := range have {
		done[p] = true
	}
	var todo []funds.Period
	for i := len(years) - 1; i >= 0; i-- {
		for q := 1; q <= 4; q++ {
			p := funds.Period{Year: years[i], Quarter: q}
			if db.fundQuarterOver(p) && !done[p.String()] {
				todo = append(todo, p)
			}
		}
	}
	if len(todo) == 0 || limit <= 0 {
		return 0, nil
	}
	all, err := db.StatReleases(ctx, "")
	if err != nil {
		return 0, err
	}
	h := StatHistory(all)
	last := map[string][]string{}
	for _, r := range all {
		last[r.Series] = suppressedKeys(r)
	}
	n := 0
	for _, p := range todo {
		if n >= limit {
			break
		}
		l, err := db.FundLedger(ctx, p.Year)
		if err != nil {
			return n, err
		}
		cs, err := db.FundContracts(ctx, p.Year, false)
		if err != nil {
			return n, err
		}
		supplierOf := map[int64]string{}
		for _, c := range cs {
			supplierOf[c.ID] = c.Supplier
		}
		rels, body, err := buildFundRelease(p, l, supplierOf, h, last, db.Now())
		if err != nil {
			return n, err
		}
		written, err := db.writeFundRelease(ctx, p.String(), rels, body)
		if err != nil {
			return n, err
		}
		if !written { // another run wrote it first: protect against that one
			if rels, err = db.fundStatReleases(ctx, p.String()); err != nil {
				return n, err
			}
		}
		for _, r := range rels {
			h = append(h, r.Disclosure())
			last[r.Series] = suppressedKeys(r)
		}
		n++
	}
	return n, nil
}

// buildFundRelease counts the quarter's payments into the three tables,
// protects each against the history and the tables before it, and keeps
// the amounts that may be published.
func buildFundRelease(p funds.Period, l funds.Ledger, supplierOf map[int64]string, h disclosure.History, last map[string][]string, now time.Time) ([]StatRelease, fundReleaseBody, error) {
	per := p.String()
	body := fundReleaseBody{Amounts: map[string]funds.Cents{}, Committed: l.Committed(p, supplierOf)}
	body.Totals, body.PaidQuarter = l.AtEnd(p)
	type inner struct {
		n     int64
		paid  funds.Cents
		atoms map[string]bool
	}
	tables := map[string]map[string]*inner{SeriesFundKind: {funds.NoMeasure: {atoms: map[string]bool{}}}, SeriesFundSupplier: {}, SeriesFundContract: {}}
	for name := range body.Committed {
		tables[SeriesFundSupplier][name] = &inner{atoms: map[string]bool{}}
	}
	for _, pay := range l.Payments(p, supplierOf) {
		atom := "fund:" + per + ":kind=" + pay.Kind + "|contract=" + strconv.FormatInt(pay.Contract, 10)
		for series, key := range map[string]string{SeriesFundKind: pay.Kind, SeriesFundSupplier: pay.Supplier, SeriesFundContract: strconv.FormatInt(pay.Contract, 10)} {
			c := tables[series][key]
			if c == nil {
				c = &inner{atoms: map[string]bool{}}
				tables[series][key] = c
			}
			c.n++
			c.paid += pay.Amount
			c.atoms[atom] = true
		}
	}
	var rels []StatRelease
	for _, series := range fundSeries {
		cells := tables[series]
		if len(cells) == 0 { // no supplier, no contract: an empty row keeps the table's shape
			cells[fundEmpty] = &inner{atoms: map[string]bool{}}
		}
		keys := slices.Sorted(maps.Keys(cells))
		dim := fundDim(series)
		for _, k := range keys {
			// A supplier's name may be anything, a category may not be empty.
			dim.Categories = append(dim.Categories, cmp.Or(k, "-"))
		}
		t, err := disclosure.NewTable(series+":"+per+":", dim)
		if err != nil {
			return nil, body, err
		}
		var total funds.Cents
		for i, k := range keys {
			c := cells[k]
			if err := t.Set(c.n, dim.Categories[i]); err != nil {
				return nil, body, err
			}
			if len(c.atoms) > 0 {
				if err := t.SetAtoms(slices.Sorted(maps.Keys(c.atoms)), dim.Categories[i]); err != nil {
					return nil, body, err
				}
			}
			total += c.paid
		}
		res, err := disclosure.Protect(t, h, disclosure.Options{PreferSuppress: last[series]})
		if err != nil {
			return nil, body, fmt.Errorf("store: fund %s %s: %w", series, per, err)
		}
		name := series + "/" + per
		recorded := res.Release(name)
		rel := StatRelease{Name: name, Series: series, Period: per, PublishedAt: now, Dimensions: []string{dim.Name}}
		totalShown := false
		for _, c := range res.Cells {
			if c.Labels()[0] == disclosure.TotalLabel {
				totalShown = c.Status() == disclosure.Published
			}
		}
		for i, c := range res.Cells {
			rc := recorded.Cells[i]
			sc := StatCell{Key: rc.Key, Labels: c.Labels(), Atoms: rc.Atoms, Status: c.Status().String()}
			if v, ok := c.Value(); ok {
				sc.Value = v
				if totalShown {
					// An amount only beside its count, and none when the
					// total count is withheld.
					paid := total
					if l := c.Labels()[0]; l != disclosure.TotalLabel {
						paid = cells[keys[indexOf(dim.Categories, l)]].paid
					}
					body.Amounts[series+"|"+sc.Labels[0]] = paid
				}
			}
			rel.Cells = append(rel.Cells, sc)
		}
		h = append(h, rel.Disclosure())
		rels = append(rels, rel)
	}
	return rels, body, nil
}

func fundDim(series string) disclosure.Dimension {
	return disclosure.Dimension{Name: strings.TrimSuffix(strings.TrimPrefix(series, "fund."), ".quarterly")}
}

// fundEmpty is the one row of a table of no supplier or no contract.
const fundEmpty = "—"

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

// writeFundRelease writes the quarter's three releases and its amounts in
// one transaction, unless another run wrote the quarter first.
func (db *DB) writeFundRelease(ctx context.Context, period string, rels []StatRelease, body fundReleaseBody) (bool, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return false, err
	}
	written := false
	err = db.WithTx(ctx, true, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO fund_releases (period, published_at, body) VALUES (?, ?, ?) ON CONFLICT (period) DO NOTHING`,
			period, micros(db.Now()), string(b))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		for _, r := range rels {
			cells, err := json.Marshal(statBody{Dimensions: r.Dimensions, Cells: r.Cells})
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO stat_releases (name, series, period, published_at, cells) VALUES (?, ?, ?, ?, ?)`,
				r.Name, r.Series, r.Period, micros(r.PublishedAt), string(cells)); err != nil {
				return err
			}
		}
		written = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: write fund release %s: %w", period, err)
	}
	return written, nil
}

func (db *DB) fundStatReleases(ctx context.Context, period string) ([]StatRelease, error) {
	var out []StatRelease
	for _, s := range fundSeries {
		r, err := db.StatRelease(ctx, s+"/"+period)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// FundRelease is the fund's quarter as published; ENOTFOUND
// (funds.not_published) when it is not.
func (db *DB) FundRelease(ctx context.Context, period string) (FundRelease, error) {
	r := FundRelease{Period: period}
	rows, err := db.readQuery(ctx, `SELECT published_at, body FROM fund_releases WHERE period = ?`, period)
	if err != nil {
		return r, fmt.Errorf("store: fund release: %w", err)
	}
	var at int64
	var raw string
	found := rows.Next()
	if found {
		err = rows.Scan(&at, &raw)
	}
	rows.Close()
	if err != nil {
		return r, err
	}
	if !found {
		return r, escudo.Errorf(escudo.ENOTFOUND, "funds.not_published")
	}
	var body fundReleaseBody
	if err := json.Unmarshal([]byte(raw), &body); err != nil {
		return r, fmt.Errorf("store: fund release %s: %w", period, err)
	}
	r.PublishedAt, r.Totals, r.PaidQuarter = fromMicros(at), body.Totals, body.PaidQuarter
	rels, err := db.fundStatReleases(ctx, period)
	if err != nil {
		return r, err
	}
	for i, rel := range rels {
		var out []FundCell
		var total *FundCell
		for _, c := range rel.Cells {
			fc := FundCell{Key: c.Labels[0], Status: c.Status}
			if c.Published() {
				fc.Payments = c.Value
				fc.Paid, fc.PaidPublished = body.Amounts[rel.Series+"|"+c.Labels[0]]
			}
			switch fc.Key {
			case disclosure.TotalLabel:
				total = &fc
				continue
			case fundEmpty:
				continue
			case "-":
				fc.Key = ""
			}
			if rel.Series == SeriesFundSupplier {
				fc.Committed = body.Committed[fc.Key]
			}
			out = append(out, fc)
		}
		if total == nil {
			return r, fmt.Errorf("store: fund release %s: no total", rel.Name)
		}
		for _, c := range out {
			total.Committed += c.Committed
		}
		out = append(out, *total)
		switch i {
		case 0:
			r.ByKind = out
		case 1:
			r.BySupplier = out
		default:
			r.ByContract = out
		}
	}
	return r, nil
}

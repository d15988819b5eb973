package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"escudo"
	"escudo/internal/funds"
	"escudo/internal/vault"
)

// The trust fund's ledger and contracts registry (docs/funds.md). Every
// write locks its fiscal year's row of fund_years first, so two nodes on
// PostgreSQL check the rules of internal/funds against the same ledger;
// nothing is ever updated or deleted.

// Withheld reasons of a contract item: what kind of detail it would give
// away.
var WithheldReasons = []string{"beneficiary", "place", "safe_house", "vehicle", "officer"}

// Procurement methods, as OCDS names them.
var ProcurementMethods = []string{"open", "selective", "limited", "direct"}

// FundContract is one contract of the registry.
type FundContract struct {
	ID          int64
	Year        int
	Title       string
	Supplier    string
	SupplierTax string // RFC
	Method      string
	Value       funds.Cents
	Signed      time.Time
	Starts      time.Time
	Ends        time.Time
	Items       []FundItem
}

// FundItem is one item of a contract. Withheld is the reason when the
// item is security-sensitive; Detail is then sealed and filled only for
// staff reads.
type FundItem struct {
	Description string
	Quantity    int
	Withheld    string
	Detail      string
}

// lockFundYear takes the year's row, creating it, so that the ledger read
// next is the one the entry is checked against.
func (tx *Tx) lockFundYear(ctx context.Context, year int) error {
	if _, err := tx.Exec(ctx, `INSERT INTO fund_years (fiscal_year, entries) VALUES (?, 0) ON CONFLICT (fiscal_year) DO NOTHING`, year); err != nil {
		return fmt.Errorf("store: fund year: %w", err)
	}
	_, err := tx.Exec(ctx, `UPDATE fund_years SET entries = entries + 1 WHERE fiscal_year = ?`, year)
	return err
}

// RecordContract adds a contract to the registry; withheld items' details
// are sealed.
func (db *DB) RecordContract(ctx context.Context, c *FundContract) (int64, error) {
	u := escudo.UserFromContext(ctx)
	if u == nil {
		return 0, escudo.Errorf(escudo.EUNAUTHORIZED, "error.unauthorized")
	}
	c.Title, c.Supplier, c.SupplierTax = strings.TrimSpace(c.Title), strings.TrimSpace(c.Supplier), strings.TrimSpace(c.SupplierTax)
	var v escudo.ValidationErrors
	if c.Title == "" || len(c.Title) > 300 {
		v.Add("title", "funds.title_required", nil)
	}
	if c.Supplier == "" || len(c.Supplier) > 300 {
		v.Add("supplier", "funds.supplier_required", nil)
	}
	if len(c.SupplierTax) > 13 {
		v.Add("supplier_tax", "funds.tax_id", nil)
	}
	if !contains(ProcurementMethods, c.Method) {
		v.Add("method", "funds.method_unknown", nil)
	}
	if c.Value <= 0 || c.Value > funds.MaxAmount {
		v.Add("value", "funds.amount_positive", nil)
	}
	if c.Signed.IsZero() || c.Signed.Year() != c.Year {
		v.Add("signed", "funds.date_in_year", map[string]any{"Year": c.Year})
	}
	if c.Starts.IsZero() || c.Ends.IsZero() || c.Ends.Before(c.Starts) {
		v.Add("ends", "funds.dates_inverted", nil)
	}
	for i, it := range c.Items {
		c.Items[i].Description, c.Items[i].Detail = strings.TrimSpace(it.Description), strings.TrimSpace(it.Detail)
		if c.Items[i].Description == "" || (it.Withheld != "" && !contains(WithheldReasons, it.Withheld)) || it.Quantity < 1 {
			v.Add("items", "funds.item_invalid", nil)
			break
		}
		if it.Withheld == "" && c.Items[i].Detail != "" {
			v.Add("items", "funds.item_detail_public", nil)
			break
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		if err := tx.lockFundYear(ctx, c.Year); err != nil {
			return err
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO fund_contracts (fiscal_year, title, supplier_name, supplier_tax_id, method, value_centavos, signed_on, starts_on, ends_on, recorded_by, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.Year, c.Title, c.Supplier, c.SupplierTax, c.Method, int64(c.Value),
			c.Signed.Format(funds.DateLayout), c.Starts.Format(funds.DateLayout), c.Ends.Format(funds.DateLayout), u.ID, micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: contract: %w", err)
		}
		for _, it := range c.Items {
			var sealed []byte
			if it.Withheld != "" && it.Detail != "" {
				if sealed, err = tx.seal(vault.Logistics, "fund_contract_items.detail", it.Detail); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO fund_contract_items (contract_id, description, quantity, withheld, detail_enc) VALUES (?, ?, ?, ?, ?)`,
				id, it.Description, it.Quantity, it.Withheld, sealed); err != nil {
				return fmt.Errorf("store: contract item: %w", err)
			}
		}
		return tx.Audit(ctx, AuditEntry{Action: "fund.contract", ObjectType: "contract", ObjectID: fmt.Sprint(id), Fields: "contract,items"})
	})
	c.ID = id
	return id, err
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// RecordFundEntry appends an entry to its fiscal year's ledger after
// internal/funds has checked it against everything recorded before.
func (db *DB) RecordFundEntry(ctx context.Context, e funds.Entry) (int64, error) {
	u := escudo.UserFromContext(ctx)
	if u == nil {
		return 0, escudo.Errorf(escudo.EUNAUTHORIZED, "error.unauthorized")
	}
	e.Note = strings.TrimSpace(e.Note)
	if e.Year < 2000 || e.Year > 2999 {
		return 0, escudo.FieldError("year", "funds.year_invalid", nil)
	}
	var id int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		if err := tx.lockFundYear(ctx, e.Year); err != nil {
			return err
		}
		l, err := tx.fundLedger(ctx, e.Year)
		if err != nil {
			return err
		}
		if e.Kind == funds.Payment {
			for _, c := range l.Entries {
				if c.ID == e.CommitmentID && c.Kind == funds.Commitment {
					e.ContractID = c.ContractID
				}
			}
		}
		if e.MeasureID != 0 {
			if e.Kind != funds.Payment && e.Kind != funds.Commitment {
				return escudo.FieldError("measure", "funds.measure_unknown", nil)
			}
			if err := tx.QueryRow(ctx, `SELECT measure FROM granted_measures WHERE id = ?`, e.MeasureID).Scan(&e.MeasureKind); isNoRows(err) {
				return escudo.FieldError("measure", "funds.measure_unknown", nil)
			} else if err != nil {
				return err
			}
		}
		if err := l.Check(e); err != nil {
			return err
		}
		id, err = tx.InsertID(ctx, `INSERT INTO fund_entries (fiscal_year, kind, amount_centavos, entry_date, contract_id, commitment_id, measure_id, reverses_id, note, recorded_by, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Year, string(e.Kind), int64(e.Amount), e.Date.Format(funds.DateLayout),
			nullID(e.ContractID), nullID(e.CommitmentID), nullID(e.MeasureID), nullID(e.Reverses), e.Note, u.ID, micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: fund entry: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "fund." + string(e.Kind), ObjectType: "fund_entry", ObjectID: fmt.Sprint(id), Fields: "amount,date,contract,commitment,measure,note"})
	})
	return id, err
}

// FundLedger is a fiscal year's ledger with the contracts charged to it
// and those its entries name.
func (db *DB) FundLedger(ctx context.Context, year int) (funds.Ledger, error) {
	var l funds.Ledger
	err := db.WithTx(ctx, false, func(tx *Tx) error {
		var err error
		l, err = tx.fundLedger(ctx, year)
		return err
	})
	return l, err
}

func (tx *Tx) fundLedger(ctx context.Context, year int) (funds.Ledger, error) {
	l := funds.Ledger{Year: year, Contracts: map[int64]funds.Contract{}}
	rows, err := tx.Query(ctx, `SELECT e.id, e.kind, e.amount_centavos, e.entry_date, COALESCE(e.contract_id, 0), COALESCE(e.commitment_id, 0),
		COALESCE(e.measure_id, 0), COALESCE(g.measure, ''), COALESCE(e.reverses_id, 0), e.note
		FROM fund_entries e LEFT JOIN granted_measures g ON g.id = e.measure_id WHERE e.fiscal_year = ? ORDER BY e.id`, year)
	if err != nil {
		return l, fmt.Errorf("store: fund ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e := funds.Entry{Year: year}
		var day string
		if err := rows.Scan(&e.ID, &e.Kind, &e.Amount, &day, &e.ContractID, &e.CommitmentID, &e.MeasureID, &e.MeasureKind, &e.Reverses, &e.Note); err != nil {
			return l, err
		}
		e.Date, _ = funds.ParseDate(day)
		l.Entries = append(l.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return l, err
	}
	crows, err := tx.Query(ctx, `SELECT id, value_centavos, fiscal_year FROM fund_contracts WHERE fiscal_year = ?`, year)
	if err != nil {
		return l, err
	}
	defer crows.Close()
	for crows.Next() {
		var c funds.Contract
		if err := crows.Scan(&c.ID, &c.Value, &c.Year); err != nil {
			return l, err
		}
		l.Contracts[c.ID] = c
	}
	return l, crows.Err()
}

// FundContracts lists the contracts of a fiscal year (every year for 0),
// oldest first. With details, the withheld items' sealed details are
// opened and the read audited; without, they stay sealed.
func (db *DB) FundContracts(ctx context.Context, year int, details bool) ([]FundContract, error) {
	q := `SELECT id, fiscal_year, title, supplier_name, supplier_tax_id, method, value_centavos, signed_on, starts_on, ends_on FROM fund_contracts`
	args := []any{}
	if year != 0 {
		q += ` WHERE fiscal_year = ?`
		args = append(args, year)
	}
	rows, err := db.readQuery(ctx, q+` ORDER BY signed_on, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: contracts: %w", err)
	}
	var out []FundContract
	byID := map[int64]int{}
	for rows.Next() {
		var c FundContract
		var s, st, en string
		if err := rows.Scan(&c.ID, &c.Year, &c.Title, &c.Supplier, &c.SupplierTax, &c.Method, &c.Value, &s, &st, &en); err != nil {
			rows.Close()
			return nil, err
		}
		c.Signed, _ = funds.ParseDate(s)
		c.Starts, _ = funds.ParseDate(st)
		c.Ends, _ = funds.ParseDate(en)
		byID[c.ID] = len(out)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	irows, err := db.readQuery(ctx, `SELECT contract_id, description, quantity, withheld, detail_enc FROM fund_contract_items ORDER BY contract_id, id`)
	if err != nil {
		return nil, fmt.Errorf("store: contract items: %w", err)
	}
	defer irows.Close()
	opened := false
	for irows.Next() {
		var cid int64
		var it FundItem
		var sealed []byte
		if err := irows.Scan(&cid, &it.Description, &it.Quantity, &it.Withheld, &sealed); err != nil {
			return nil, err
		}
		i, ok := byID[cid]
		if !ok {
			continue
		}
		if details && len(sealed) > 0 {
			if it.Detail, err = db.open("fund_contract_items.detail", sealed); err != nil {
				return nil, err
			}
			opened = true
		}
		out[i].Items = append(out[i].Items, it)
	}
	if err := irows.Err(); err != nil {
		return nil, err
	}
	if opened {
		return out, db.Audit(ctx, AuditEntry{Action: "fund.read", ObjectType: "contract", ObjectID: fmt.Sprint(year), Fields: "items.detail"})
	}
	return out, nil
}

// FundYears lists the fiscal years with a ledger or a contract, newest first.
func (db *DB) FundYears(ctx context.Context) ([]int, error) {
	rows, err := db.readQuery(ctx, `SELECT fiscal_year FROM fund_years ORDER BY fiscal_year DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: fund years: %w", err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			return nil, err
		}
		out = append(out, y)
	}
	return out, rows.Err()
}

// FundableMeasure is a granted measure as the ledger names it: its number
// and catalogue id, nothing about the person.
type FundableMeasure struct {
	ID      int64
	Measure string
	Granted time.Time
}

// FundableMeasures lists the granted measures by number and catalogue id,
// oldest first, for the demo and the ledger's forms.
func (db *DB) FundableMeasures(ctx context.Context) ([]FundableMeasure, error) {
	rows, err := db.readQuery(ctx, `SELECT id, measure, granted_at FROM granted_measures ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: fundable measures: %w", err)
	}
	defer rows.Close()
	var out []FundableMeasure
	for rows.Next() {
		var m FundableMeasure
		var at int64
		if err := rows.Scan(&m.ID, &m.Measure, &at); err != nil {
			return nil, err
		}
		m.Granted = fromMicros(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

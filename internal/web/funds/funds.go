// Package funds serves the trust fund's pages (docs/funds.md): the public
// quarterly report (/transparencia/fondo, HTML, CSV and JSON) and the
// contracts as an OCDS release package (/transparencia/contratos), both
// without an account; and the staff's ledger (/funds) with the forms that
// record budget, contracts, commitments, payments and reversals. Public
// output never carries a withheld item's detail nor a count from 1 to 9.
package funds

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/funds"
	"escudo/internal/store"
	"escudo/internal/web"
)

type server struct{ *web.Core }

// Register mounts the fund's pages.
func Register(c *web.Core) {
	s := &server{c}
	open := web.Access{Public: true}
	s.Handle("GET /transparencia/fondo", open, s.handleReport)
	s.Handle("GET /transparencia/contratos", open, s.handleOCDS)
	s.Handle("GET /funds", web.Access{Action: access.FundRead}, s.handleLedger)
	rec := web.Access{Action: access.FundRecord}
	s.Handle("POST /funds/contracts", rec, s.FormAction(s.actContract, "funds.done_contract", s.ledgerPage))
	s.Handle("POST /funds/entries", rec, s.FormAction(s.actEntry, "funds.done_entry", s.ledgerPage))
}

// ledgerData is the staff's page of one fiscal year.
type ledgerData struct {
	Year      int
	Years     []web.Choice
	Totals    moneyTotals
	Contracts []contractView
	Entries   []entryView
	Kinds     []web.Choice
	Methods   []web.Choice
	Reasons   []web.Choice
}

type moneyTotals struct{ Budget, Committed, Paid, Available string }

func showTotals(t funds.Totals) moneyTotals {
	return moneyTotals{t.Budget.Format(), t.Committed.Format(), t.Paid.Format(), t.Available.Format()}
}

type contractView struct {
	ID                    int64
	OCID, Title, Supplier string
	Method, Value, Left   string
	Signed, Starts, Ends  string
	Items                 []itemView
}

type itemView struct {
	Description string
	Quantity    int
	Withheld    string // the translated reason, when withheld
	Detail      string // staff only
}

type entryView struct {
	ID                                 int64
	Kind, Amount, Date, Contract, Note string
	Commitment, Measure, Reverses      string
	Left                               string // a commitment's unpaid part
}

func (s *server) choices(p *web.Page, prefix string, ids []string) []web.Choice {
	var out []web.Choice
	for _, id := range ids {
		out = append(out, web.Choice{Value: id, Label: p.T(prefix + id)})
	}
	return out
}

func (s *server) contractViews(p *web.Page, cs []store.FundContract, l *funds.Ledger, staff bool) []contractView {
	var out []contractView
	for _, c := range cs {
		v := contractView{ID: c.ID, OCID: s.ocid(c), Title: c.Title, Supplier: c.Supplier, Method: p.T("funds.method." + c.Method),
			Value: c.Value.Format(), Signed: c.Signed.Format(funds.DateLayout), Starts: c.Starts.Format(funds.DateLayout), Ends: c.Ends.Format(funds.DateLayout)}
		if l != nil {
			v.Left = l.ContractLeft(c.ID).Format()
		}
		for _, it := range c.Items {
			iv := itemView{Description: it.Description, Quantity: it.Quantity}
			if it.Withheld != "" {
				iv.Withheld = p.T("funds.reason." + it.Withheld)
				if staff {
					iv.Detail = it.Detail
				}
			}
			v.Items = append(v.Items, iv)
		}
		out = append(out, v)
	}
	return out
}

func (s *server) ledgerPage(r *http.Request) (*web.Page, string, error) {
	year := time.Now().In(web.DisplayZone).Year()
	if v := r.URL.Query().Get("year"); v != "" {
		if y, err := strconv.Atoi(v); err == nil && y >= 2000 && y <= 2999 {
			year = y
		}
	}
	d := &ledgerData{Year: year}
	p := s.NewPage(r, "funds.ledger_title", d)
	years, err := s.DB.FundYears(r.Context())
	if err != nil {
		return nil, "", err
	}
	for _, y := range years {
		d.Years = append(d.Years, web.Choice{Value: strconv.Itoa(y), Label: strconv.Itoa(y)})
	}
	l, err := s.DB.FundLedger(r.Context(), year)
	if err != nil {
		return nil, "", err
	}
	cs, err := s.DB.FundContracts(r.Context(), year, true)
	if err != nil {
		return nil, "", err
	}
	d.Totals = showTotals(l.Totals())
	d.Contracts = s.contractViews(p, cs, &l, true)
	names := map[int64]string{}
	for _, c := range cs {
		names[c.ID] = c.Title
	}
	for i := len(l.Entries) - 1; i >= 0; i-- {
		e := l.Entries[i]
		v := entryView{ID: e.ID, Kind: p.T("funds.kind." + string(e.Kind)), Amount: e.Amount.Format(), Date: e.Date.Format(funds.DateLayout),
			Contract: names[e.ContractID], Note: e.Note}
		if e.CommitmentID != 0 {
			v.Commitment = "#" + strconv.FormatInt(e.CommitmentID, 10)
		}
		if e.MeasureID != 0 {
			label, _ := s.CatalogueLabel(p, e.MeasureKind)
			v.Measure = "#" + strconv.FormatInt(e.MeasureID, 10) + " · " + label
		}
		if e.Reverses != 0 {
			v.Reverses = "#" + strconv.FormatInt(e.Reverses, 10)
		}
		if e.Kind == funds.Commitment {
			v.Left = l.CommitmentLeft(e.ID).Format()
		}
		d.Entries = append(d.Entries, v)
	}
	var kinds []string
	for _, k := range funds.Kinds {
		kinds = append(kinds, string(k))
	}
	d.Kinds = s.choices(p, "funds.kind.", kinds)
	d.Methods = s.choices(p, "funds.method.", store.ProcurementMethods)
	d.Reasons = s.choices(p, "funds.reason.", store.WithheldReasons)
	return p, "funds", nil
}

func (s *server) handleLedger(w http.ResponseWriter, r *http.Request) {
	q := web.NewQuery(r.URL.Query(), "year")
	if err := q.Err(); err != nil {
		s.RenderError(w, r, http.StatusBadRequest, "funds.bad_year")
		return
	}
	if v := r.URL.Query().Get("year"); v != "" {
		if y, err := strconv.Atoi(v); err != nil || y < 2000 || y > 2999 {
			s.RenderError(w, r, http.StatusBadRequest, "funds.bad_year")
			return
		}
	}
	p, name, err := s.ledgerPage(r)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, name, p)
}

// amountField reads a form's amount, as a field error when it is not one.
func amountField(f string, v string, errs *escudo.ValidationErrors) funds.Cents {
	c, err := funds.ParseAmount(v)
	if err != nil {
		errs.Add(f, "funds.amount_format", nil)
	}
	return c
}

func dateField(f string, v string, errs *escudo.ValidationErrors) time.Time {
	d, err := funds.ParseDate(v)
	if err != nil {
		errs.Add(f, "funds.date_format", nil)
	}
	return d
}

func idField(f string, v string, errs *escudo.ValidationErrors) int64 {
	v = strings.TrimPrefix(strings.TrimSpace(v), "#")
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		errs.Add(f, "funds.number_format", nil)
	}
	return n
}

func (s *server) actEntry(r *http.Request) (string, error) {
	f := r.PostForm
	var v escudo.ValidationErrors
	e := funds.Entry{Kind: funds.Kind(f.Get("entry_kind")), Note: f.Get("note")}
	e.Amount = amountField("amount", f.Get("amount"), &v)
	e.Date = dateField("date", f.Get("date"), &v)
	e.ContractID = idField("contract", f.Get("contract"), &v)
	e.CommitmentID = idField("commitment", f.Get("commitment"), &v)
	e.MeasureID = idField("measure", f.Get("measure"), &v)
	e.Reverses = idField("reverses", f.Get("reverses"), &v)
	if err := v.Err(); err != nil {
		return "", err
	}
	e.Year = e.Date.Year()
	if _, err := s.DB.RecordFundEntry(r.Context(), e); err != nil {
		return "", err
	}
	return "/funds?year=" + strconv.Itoa(e.Year), nil
}

func (s *server) actContract(r *http.Request) (string, error) {
	f := r.PostForm
	var v escudo.ValidationErrors
	c := &store.FundContract{Title: f.Get("title"), Supplier: f.Get("supplier"), SupplierTax: f.Get("supplier_tax"), Method: f.Get("method")}
	c.Value = amountField("value", f.Get("value"), &v)
	c.Signed = dateField("signed", f.Get("signed"), &v)
	c.Starts = dateField("starts", f.Get("starts"), &v)
	c.Ends = dateField("ends", f.Get("ends"), &v)
	for _, line := range strings.Split(f.Get("items"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			c.Items = append(c.Items, store.FundItem{Description: line, Quantity: 1})
		}
	}
	if d := strings.TrimSpace(f.Get("withheld_description")); d != "" || f.Get("withheld_detail") != "" {
		c.Items = append(c.Items, store.FundItem{Description: d, Quantity: 1, Withheld: f.Get("withheld_reason"), Detail: f.Get("withheld_detail")})
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	c.Year = c.Signed.Year()
	if _, err := s.DB.RecordContract(r.Context(), c); err != nil {
		return "", err
	}
	return "/funds?year=" + strconv.Itoa(c.Year), nil
}

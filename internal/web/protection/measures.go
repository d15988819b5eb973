// Package protection serves the pages of granted measures (issue 14, items
// 3-6): a measure's page (/measures/{id}) with its history, the moves the
// role may make, the beneficiary's answer, ratings and costs, and the
// dashboard (/measures) by status, kind and agency. Liaisons reach only the
// measures addressed to their agency (the agency scope of the permission
// table) and see of the case only its reference, federal entity and, when
// the measure needs it, the beneficiary's name. The case page's section is
// internal/web's CaseMeasures; issuing urgent measures is the staff pages'.
package protection

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/chart"
	"escudo/internal/letters"
	"escudo/internal/measures"
	"escudo/internal/store"
	"escudo/internal/web"
)

type server struct{ *web.Core }

// Register mounts the measures' pages, each decided by the permission table.
func Register(c *web.Core) {
	s := &server{c}
	s.Handle("GET /measures", web.Access{Action: access.MeasureDashboard, EntityList: true}, s.handleMeasureDashboard)
	s.Handle("GET /measures/{id}", web.Access{Action: access.MeasureRead, Object: "measure"}, s.handleMeasure)
	s.Handle("POST /measures/{id}/status", web.Access{Action: access.MeasureMove, Object: "measure"}, s.measureAction(s.actMeasureStatus, "measure.done_status"))
	s.Handle("POST /measures/{id}/confirmation", web.Access{Action: access.MeasureConfirm, Object: "measure"}, s.measureAction(s.actMeasureConfirm, "measure.done_confirmation"))
	s.Handle("POST /measures/{id}/rating", web.Access{Action: access.MeasureConfirm, Object: "measure"}, s.measureAction(s.actMeasureRating, "measure.done_rating"))
	s.Handle("POST /measures/{id}/costs", web.Access{Action: access.MeasureManage, Object: "measure"}, s.measureAction(s.actMeasureCost, "measure.done_cost"))
}

func formID(f url.Values, name string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(f.Get(name)), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// actUrgentMeasure issues one urgent measure without a session; its
// first records urgent_measures_issued in the same transaction.
type measureHistoryRow struct {
	At, ISO, Actor, What, Reason string
}

type moveButton struct {
	To, Label string
	Reason    bool
}

type costRow struct {
	Description, Amount, Period, Payer string
	Flagged                            bool
}

type confirmationRow struct {
	At, ISO, Answer, Channel, Comment, By string
	Confirmed                             bool
}

type ratingRow struct{ At, ISO, Rating, Why, By string }

type detailRow struct{ Label, Value string }

type measureData struct {
	M              escudo.GrantedMeasure
	Label, Kind    string
	Status         string
	Source         string
	Deadline, ISO  string
	Overdue        string
	Reference      string
	Entity         string
	CaseLink       bool
	Beneficiary    string
	Details        []detailRow
	SealedHidden   bool
	History        []measureHistoryRow
	Moves          []moveButton
	CanConfirm     bool
	CanRate        bool
	CanCost        bool
	Confirmations  []confirmationRow
	Ratings        []ratingRow
	Costs          []costRow
	Flagged        bool
	Channels       []web.Choice
	RatingChoices  []web.Choice
	Payers         []web.Choice
	Periods        []web.Choice
	DeviceLink     bool
	Unratified     bool
	ResolutionNote string
	// Letters are the instructions to the measure's agency on its case
	// that the reader may open.
	Letters []store.Letter
}

func (s *server) measurePage(r *http.Request, id int64) (*web.Page, error) {
	ctx := r.Context()
	m, err := s.DB.FindMeasure(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &measureData{M: m}
	p := s.NewPage(r, "measure.title", d)
	dec := web.DecisionFrom(r)
	u := escudo.UserFromContext(ctx)
	var cm measures.Measure
	d.Label, cm = s.CatalogueLabel(p, m.Measure)
	d.Kind = p.L.T("measures.kind." + string(cm.Kind))
	d.Status, d.Source = p.L.T("measure.status."+string(m.Status)), p.L.T("measure.source."+string(m.Source))
	d.Deadline, d.ISO = p.Time(m.Deadline), p.ISO(m.Deadline)
	d.Unratified = m.Source == escudo.SourceUrgent && m.RatifiedBy == 0 && !m.Status.Final()
	if now := s.DB.Now(); m.Overdue(now) {
		d.Overdue = web.OverdueAge(p, now.Sub(m.Deadline))
	}
	// The minimum of the case: its reference and entity; the rest only to
	// who may read the case itself.
	ref, err := s.DB.CaseRef(ctx, m.CaseID)
	if err != nil {
		return nil, err
	}
	d.Entity = ref.Entity
	if fe, ok := escudo.LookupFederalEntity(ref.Entity); ok {
		d.Entity = fe.Name
	}
	caseDec := s.Policy().Decide(ctx, u, access.CaseRead, web.ObjectFromRef("case", m.CaseID, ref))
	d.CaseLink = caseDec.Allowed && p.Can("GET /cases/{id}")
	if d.Reference, err = s.DB.CaseReference(ctx, m.CaseID); err != nil {
		return nil, err
	}
	if dec.Sees(access.Identity) && (u.Role != escudo.RoleLiaison || cm.Personal) {
		if d.Beneficiary, err = s.DB.PersonName(ctx, ref.PersonID); err != nil {
			return nil, err
		}
	}
	for _, det := range cm.Details {
		v, ok := m.Details[det.ID]
		if !ok {
			continue
		}
		if det.Sealed && !dec.Sees(access.Logistics) {
			d.SealedHidden = true
			continue
		}
		d.Details = append(d.Details, detailRow{det.Label.In(p.L.Lang), v})
	}
	if p.Can("GET /cases/{id}/letters/{letter}") {
		all, err := s.DB.CaseLetters(ctx, m.CaseID)
		if err != nil {
			return nil, err
		}
		o := web.ObjectFromRef("letter", m.CaseID, ref)
		o.Agency = m.Agency.Code
		if s.Policy().Decide(ctx, u, access.LetterRead, o).Allowed {
			for _, l := range all {
				if l.Kind == letters.Instruction && l.AgencyID == m.Agency.ID {
					d.Letters = append(d.Letters, l)
				}
			}
		}
	}
	hist, err := s.DB.MeasureHistory(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		row := measureHistoryRow{At: p.Time(h.At), ISO: p.ISO(h.At), Actor: h.ActorName, What: p.L.T("measure.what."+h.What, map[string]any{"Status": p.L.T("measure.status." + string(h.To))})}
		if dec.Sees(access.Risk) {
			row.Reason = h.Reason
		}
		if row.Actor == "" {
			row.Actor = p.L.T("measure.actor_system")
		}
		d.History = append(d.History, row)
	}
	if p.Can("POST /measures/{id}/status") && store.MayActOnMeasure(u, m) {
		for _, t := range measures.Next(m.Status, u.Role) {
			if t.Rejection {
				continue
			}
			d.Moves = append(d.Moves, moveButton{To: string(t.To), Label: p.L.T("measure.move." + string(t.To)), Reason: t.Reason})
		}
	}
	d.CanConfirm = m.Status == escudo.MeasureAwaiting && p.Can("POST /measures/{id}/confirmation")
	d.CanRate = p.Can("POST /measures/{id}/rating") && (m.Status == escudo.MeasureInForce || m.Status == escudo.MeasureUnderReview || m.Status == escudo.MeasureAwaiting || m.Status == escudo.MeasureEnded)
	d.CanCost = !m.Status.Final() && p.Can("POST /measures/{id}/costs")
	if p.Can("POST /measures/{id}/confirmation") || dec.Sees(access.Risk) {
		cs, err := s.DB.MeasureConfirmations(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			ans := p.L.T("measure.answer.rejected")
			if c.Confirmed {
				ans = p.L.T("measure.answer.confirmed")
			}
			d.Confirmations = append(d.Confirmations, confirmationRow{At: p.Time(c.At), ISO: p.ISO(c.At), Answer: ans, Confirmed: c.Confirmed,
				Channel: p.L.T("measure.channel." + c.Channel), Comment: c.Comment, By: c.RecordedBy})
		}
		rs, err := s.DB.MeasureRatings(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, x := range rs {
			d.Ratings = append(d.Ratings, ratingRow{At: p.Time(x.At), ISO: p.ISO(x.At), Rating: p.L.T("measure.rating." + string(x.Rating)), Why: x.Why, By: x.RecordedBy})
		}
	}
	if u.Role != escudo.RoleLiaison {
		costs, err := s.DB.MeasureCosts(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, c := range costs {
			d.Costs = append(d.Costs, costRow{Description: c.Description, Amount: pesos(c.Centavos), Period: p.L.T("measure.period." + string(c.Period)),
				Payer: p.L.T("measure.payer." + string(c.Payer)), Flagged: c.Flagged()})
			d.Flagged = d.Flagged || c.Flagged()
		}
	}
	for _, c := range escudo.ConfirmChannels {
		if c != escudo.ChannelByPortal {
			d.Channels = append(d.Channels, web.Choice{Value: c, Label: p.L.T("measure.channel." + c)})
		}
	}
	for _, x := range escudo.MeasureRatings {
		d.RatingChoices = append(d.RatingChoices, web.Choice{Value: string(x), Label: p.L.T("measure.rating." + string(x))})
	}
	for _, x := range escudo.CostPayers {
		d.Payers = append(d.Payers, web.Choice{Value: string(x), Label: p.L.T("measure.payer." + string(x))})
	}
	for _, x := range escudo.CostPeriods {
		d.Periods = append(d.Periods, web.Choice{Value: string(x), Label: p.L.T("measure.period." + string(x))})
	}
	d.DeviceLink = m.DeviceID != 0 && p.Can("GET /devices")
	return p, nil
}

// pesos writes centavos as Mexican pesos: "$1,234.50".
func pesos(c int64) string {
	whole, cents := c/100, c%100
	s := strconv.FormatInt(whole, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("$%s.%02d", b.String(), cents)
}

// parsePesos reads an amount typed in pesos ("450", "1,234.50") as
// centavos; 0 when it is not one.
func parsePesos(s string) int64 {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "$"))
	s = strings.ReplaceAll(s, ",", "")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" {
		return 0
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > escudo.MaxCostCentavos/100 {
		return 0
	}
	var f int64
	if frac != "" {
		for len(frac) < 2 {
			frac += "0"
		}
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil || f < 0 {
			return 0
		}
	}
	return w*100 + f
}

func measureID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *server) handleMeasure(w http.ResponseWriter, r *http.Request) {
	id, ok := measureID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.measurePage(r, id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "measure", p)
}

// measureAction runs a form of the measure page: back to it with a
// confirmation, or the page again with the messages; nothing is changed
// by a refused form.
func (s *server) measureAction(act func(r *http.Request, id int64) error, done string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := measureID(r)
		if !ok {
			s.RenderError(w, r, http.StatusNotFound, "error.not_found")
			return
		}
		if !s.ParseForm(w, r) {
			return
		}
		err := act(r, id)
		if err == nil {
			s.Flash(r, done)
			http.Redirect(w, r, "/measures/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
			return
		}
		_, invalid := escudo.AsValidation(err)
		code := escudo.ErrorCode(err)
		if !invalid && code != escudo.ECONFLICT && code != escudo.EFORBIDDEN {
			s.ErrorPage(w, r, err)
			return
		}
		p, perr := s.measurePage(r, id)
		if perr != nil {
			s.ErrorPage(w, r, perr)
			return
		}
		status := http.StatusConflict
		if invalid {
			p.Form = r.PostForm
			p.SetErrors("", err)
			status = http.StatusBadRequest
		} else {
			if code == escudo.EFORBIDDEN {
				status = http.StatusForbidden
			}
			p.Error = p.L.T(escudo.ErrorKey(err))
		}
		s.Render(w, r, status, "measure", p)
	}
}

func (s *server) actMeasureStatus(r *http.Request, id int64) error {
	return s.DB.MoveMeasure(r.Context(), id, escudo.MeasureStatus(r.PostForm.Get("to")), r.PostForm.Get("reason"))
}

func (s *server) actMeasureConfirm(r *http.Request, id int64) error {
	f := r.PostForm
	switch f.Get("answer") {
	case "confirmed", "rejected":
	default:
		return escudo.FieldError("answer", "measure.answer_choose", nil)
	}
	return s.DB.ConfirmMeasure(r.Context(), id, f.Get("answer") == "confirmed", f.Get("channel"), f.Get("comment"))
}

func (s *server) actMeasureRating(r *http.Request, id int64) error {
	return s.DB.RateMeasure(r.Context(), id, escudo.MeasureRating(r.PostForm.Get("rating")), r.PostForm.Get("why"))
}

func (s *server) actMeasureCost(r *http.Request, id int64) error {
	f := r.PostForm
	_, err := s.DB.AddMeasureCost(r.Context(), id, escudo.MeasureCost{Description: f.Get("description"), Centavos: parsePesos(f.Get("amount")),
		Period: escudo.CostPeriod(f.Get("period")), Payer: escudo.CostPayer(f.Get("payer")), CannotPay: f.Get("cannot_pay") == "1"})
	return err
}

// measureBoardData is the dashboard page.
type measureBoardData struct {
	B                         *store.MeasureBoard
	Scoped                    bool           // a liaison: their agency's measures only
	Charts                    []web.SVGChart // by status, by kind, by agency
	Rows                      []measureBoardRow
	Statuses, Kinds, Agencies []web.Choice
	Entities                  []web.Choice
	F                         store.MeasureFilter
	FAgency                   string
}

type measureBoardRow struct {
	ID                              int64
	Reference, Entity, Label, Agent string
	Status, StatusCode              string
	Deadline, ISO, Overdue          string
	Urgent                          bool
}

func (s *server) handleMeasureDashboard(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.MeasureFilter{Status: escudo.MeasureStatus(q.Get("status")), Kind: q.Get("kind"), AgencyID: formID(q, "agency"), Entity: q.Get("entity")}
	if f.Status != "" && !measures.ValidStatus(f.Status) {
		f.Status = ""
	}
	if _, ok := escudo.LookupFederalEntity(f.Entity); !ok {
		f.Entity = ""
	}
	d := &measureBoardData{F: f}
	u := escudo.UserFromContext(r.Context())
	if web.DecisionFrom(r).Reason == access.Agency.String() {
		d.Scoped, f.Agency, f.LiaisonID = true, u.Agency, u.ID
	}
	b, err := s.DB.MeasureDashboard(r.Context(), f)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	if err := s.DB.Audit(r.Context(), store.AuditEntry{Action: "measure.dashboard", ObjectType: "measures", Fields: "counts,list"}); err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	d.B = b
	p := s.NewPage(r, "measures.dashboard_title", d)
	bars := func(id, title string, cs []store.MeasureCount, label func(store.MeasureCount) string) web.SVGChart {
		rows := make([]chart.Row, len(cs))
		total, late := 0, 0
		for i, c := range cs {
			rows[i] = chart.Row{Label: chart.Short(label(c), 18), Values: []int{c.Overdue, c.N - c.Overdue}}
			total, late = total+c.N, late+c.Overdue
		}
		c := web.SVGChart{ID: id, Class: "workload", Title: title, SVG: chart.DefaultBars.HBars(rows),
			Legend: []web.LegendItem{{Series: 0, Label: p.T("measures.legend_overdue")}, {Series: 1, Label: p.T("measures.legend_rest")}}}
		c.Desc = p.T("measures.chart_desc", "Bars", len(cs), "Total", total, "Overdue", late)
		return c
	}
	d.Charts = append(d.Charts, bars("chart-measure-status", p.T("measures.by_status"), b.ByStatus, func(c store.MeasureCount) string { return p.L.T("measure.status." + c.Key) }),
		bars("chart-measure-kind", p.T("measures.by_kind"), b.ByKind, func(c store.MeasureCount) string { return p.L.T("measures.kind." + c.Key) }),
		bars("chart-measure-agency", p.T("measures.by_agency"), b.ByAgency, func(c store.MeasureCount) string { return c.Label }))
	for _, m := range b.Rows {
		label, _ := s.CatalogueLabel(p, m.Measure)
		row := measureBoardRow{ID: m.ID, Reference: m.Reference, Entity: m.Entity, Label: label, Agent: m.AgencyName,
			Status: p.L.T("measure.status." + string(m.Status)), StatusCode: string(m.Status), Deadline: p.Time(m.Deadline), ISO: p.ISO(m.Deadline),
			Overdue: web.OverdueAge(p, m.Overdue), Urgent: m.Source == escudo.SourceUrgent}
		if fe, ok := escudo.LookupFederalEntity(m.Entity); ok {
			row.Entity = fe.Name
		}
		d.Rows = append(d.Rows, row)
	}
	for _, st := range escudo.MeasureStatuses {
		d.Statuses = append(d.Statuses, web.Choice{Value: string(st), Label: p.L.T("measure.status." + string(st))})
	}
	for _, k := range measures.Kinds {
		d.Kinds = append(d.Kinds, web.Choice{Value: string(k), Label: p.L.T("measures.kind." + string(k))})
	}
	if !d.Scoped {
		agencies, err := s.DB.Agencies(r.Context())
		if err != nil {
			s.ErrorPage(w, r, err)
			return
		}
		for _, a := range agencies {
			d.Agencies = append(d.Agencies, web.Choice{Value: strconv.FormatInt(a.ID, 10), Label: a.Name})
		}
	}
	for _, e := range escudo.FederalEntities {
		d.Entities = append(d.Entities, web.Choice{Value: e.Code, Label: e.Name})
	}
	if f.AgencyID != 0 {
		d.FAgency = strconv.FormatInt(f.AgencyID, 10)
	}
	s.Render(w, r, http.StatusOK, "measures", p)
}

// Package prevention serves the pages of incidents, investigations and
// early warning (issue 15, items 4-6; docs/prevention.md): the case page's
// incidents section (CaseIncidents, hooked into the core), recording an
// incident, an incident's page with its investigations and their progress,
// and, across cases, the patterns of aggression (/prevention), the early
// warnings (/prevention/warnings) and the impunity table
// (/prevention/impunity). Places are shown coarsened to the municipality
// unless the reader may see the location compartment and asks for the
// exact point.
package prevention

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/access"
	rules "escudo/internal/prevention"
	"escudo/internal/store"
	"escudo/internal/web"
)

type server struct{ *web.Core }

// Register mounts the pages, each decided by the permission table, and
// hooks the incidents' section into the case page.
func Register(c *web.Core) {
	s := &server{c}
	c.CaseIncidents = s.caseSection
	s.Handle("GET /cases/{id}/incidents/new", web.Access{Action: access.IncidentRecord, Object: "case"}, s.handleNew)
	s.Handle("POST /cases/{id}/incidents", web.Access{Action: access.IncidentRecord, Object: "case"}, s.handleRecord)
	s.Handle("GET /incidents/{id}", web.Access{Action: access.IncidentRead, Object: "incident"}, s.handleIncident)
	s.Handle("POST /incidents/{id}/investigations", web.Access{Action: access.InvestigationManage, Object: "incident"}, s.handleAddInvestigation)
	s.Handle("POST /investigations/{id}/updates", web.Access{Action: access.InvestigationManage, Object: "investigation"}, s.handleUpdate)
	s.Handle("GET /prevention", web.Access{Action: access.PreventionRead}, s.handlePatterns)
	s.Handle("GET /prevention/warnings", web.Access{Action: access.PreventionRead}, s.handleWarnings)
	s.Handle("GET /prevention/impunity", web.Access{Action: access.PreventionRead}, s.handleImpunity)
}

// incidentRow is an incident as people read it: labels, never codes.
type incidentRow struct {
	ID                         int64
	Kind, Aggressor, When, ISO string
	Place, Exact               string
	Description, Evidence      string
	Serious                    bool
	Investigations             []investigationRow
	Alerts                     []int64
	Link                       bool
}

type investigationRow struct {
	ID                      int64
	Authority, File, Status string
	Age                     int // days since the last progress
	Stalled, Concluded      bool
	LastISO, Last           string
}

// caseSectionData is the case page's section.
type caseSectionData struct {
	CaseID    int64
	Rows      []incidentRow
	CanRecord bool
	StallDays int
}

func entityName(code string) string {
	if fe, ok := escudo.LookupFederalEntity(code); ok {
		return fe.Name
	}
	return ""
}

// when writes the date as precisely as it is known.
func when(p *web.Page, t time.Time, prec rules.TimePrecision) string {
	d := t.In(web.DisplayZone)
	switch prec {
	case rules.TimeDay:
		return d.Format("2006-01-02")
	case rules.TimeWeek:
		return p.T("incident.week_of", "Date", d.Format("2006-01-02"))
	case rules.TimeMonth:
		return p.T("incident.month_of", "Month", d.Format("01/2006"))
	}
	return p.Time(t)
}

func (s *server) row(p *web.Page, in rules.Incident, invs []rules.Investigation, dec access.Decision) incidentRow {
	now, cfg := s.DB.Now(), s.DB.Prevention()
	row := incidentRow{ID: in.ID, Kind: p.T("incident.kind." + string(in.Kind)), Aggressor: p.T("incident.aggressor." + string(in.Aggressor)),
		When: when(p, in.OccurredAt, in.TimePrecision), ISO: p.ISO(in.OccurredAt), Serious: in.Serious, Alerts: in.AlertIDs,
		Link: p.Can("GET /incidents/{id}")}
	row.Place = entityName(in.Entity)
	if in.Municipality != "" {
		row.Place = in.Municipality + ", " + row.Place
	}
	if dec.Sees(access.Location) {
		row.Exact = in.Place
	}
	if dec.Sees(access.Risk) {
		row.Description, row.Evidence = in.Description, in.Evidence
	}
	for _, v := range invs {
		r := investigationRow{ID: v.ID, Authority: v.Authority, Status: p.T("investigation.status." + string(v.Status)),
			Age: rules.AgeDays(v.LastProgress, now), Concluded: v.Status.Concluded(), Last: p.Time(v.LastProgress), LastISO: p.ISO(v.LastProgress)}
		r.Stalled = v.StalledAt != nil || rules.Stalled(v.LastProgress, now, r.Concluded, cfg.StallDays)
		if dec.Sees(access.Risk) {
			r.File = v.FileNumber
		}
		row.Investigations = append(row.Investigations, r)
	}
	return row
}

// decide is the reader's decision on the case's incidents.
func (s *server) decide(r *http.Request, caseID int64) (access.Decision, error) {
	ref, err := s.DB.CaseRef(r.Context(), caseID)
	if err != nil {
		return access.Decision{}, err
	}
	return s.Policy().Decide(r.Context(), escudo.UserFromContext(r.Context()), access.IncidentRead, web.ObjectFromRef("case", caseID, ref)), nil
}

func opened(dec access.Decision) store.Opened {
	return store.Opened{Risk: dec.Sees(access.Risk), Location: dec.Sees(access.Location)}
}

// caseSection is the case page's incidents, nil for who may not read them.
func (s *server) caseSection(r *http.Request, p *web.Page, caseID int64) (any, error) {
	dec, err := s.decide(r, caseID)
	if err != nil || !dec.Allowed {
		return nil, err
	}
	// The case page shows the municipality; the exact point is on the
	// incident's page, when asked for.
	o := opened(dec)
	o.Location = false
	list, err := s.DB.CaseIncidents(r.Context(), caseID, o)
	if err != nil {
		return nil, err
	}
	d := &caseSectionData{CaseID: caseID, CanRecord: p.Can("POST /cases/{id}/incidents"), StallDays: s.DB.Prevention().StallDays}
	for _, in := range list {
		d.Rows = append(d.Rows, s.row(p, in.Incident, in.Investigations, access.Decision{Allowed: true, Fields: []string{access.Risk}}))
		if !dec.Sees(access.Risk) {
			d.Rows[len(d.Rows)-1].Description, d.Rows[len(d.Rows)-1].Evidence = "", ""
		}
	}
	return d, nil
}

func pathID(r *http.Request) (int64, bool) { return web.PathID(r.PathValue("id")) }

// choices returns the options of a select, labelled.
func choices[T ~string](p *web.Page, prefix string, xs []T) []web.Choice {
	out := make([]web.Choice, len(xs))
	for i, x := range xs {
		out[i] = web.Choice{Value: string(x), Label: p.T(prefix + string(x))}
	}
	return out
}

type newData struct {
	CaseID, Reference            string
	Kinds, Aggressors, TimePrecs []web.Choice
	PlacePrecs, Entities         []web.Choice
	Now, Entity                  string
	SeriousKinds                 []string
}

func (s *server) newPage(r *http.Request, caseID int64) (*web.Page, error) {
	ref, err := s.DB.CaseReference(r.Context(), caseID)
	if err != nil {
		return nil, err
	}
	cref, err := s.DB.CaseRef(r.Context(), caseID)
	if err != nil {
		return nil, err
	}
	d := &newData{CaseID: strconv.FormatInt(caseID, 10), Reference: ref, Now: s.DB.Now().In(web.DisplayZone).Format("2006-01-02T15:04"), Entity: cref.Entity}
	p := s.NewPage(r, "incident.new_title", d)
	d.Kinds = choices(p, "incident.kind.", rules.IncidentKinds)
	d.Aggressors = choices(p, "incident.aggressor.", rules.AggressorTypes)
	d.TimePrecs = choices(p, "incident.time.", rules.TimePrecisions)
	d.PlacePrecs = choices(p, "incident.place.", rules.PlacePrecisions)
	for _, e := range escudo.FederalEntities {
		d.Entities = append(d.Entities, web.Choice{Value: e.Code, Label: e.Name})
	}
	for _, k := range rules.IncidentKinds {
		if k.Serious() {
			d.SeriousKinds = append(d.SeriousKinds, p.T("incident.kind."+string(k)))
		}
	}
	return p, nil
}

func (s *server) handleNew(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.newPage(r, id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "incident_new", p)
}

// ParseAlertIDs reads the related alerts typed as numbers separated by
// commas or spaces ("12, 15").
func ParseAlertIDs(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		id, ok := web.PathID(strings.TrimPrefix(f, "#"))
		if !ok {
			return nil, errors.New("prevention: alert number")
		}
		out = append(out, id)
		if len(out) > rules.MaxIncidentAlerts {
			return nil, errors.New("prevention: too many alerts")
		}
	}
	return out, nil
}

// localTime reads a datetime-local or date input in the display zone.
func localTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, web.DisplayZone); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (s *server) handleRecord(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	in := &rules.Incident{CaseID: id, Kind: rules.IncidentKind(f.Get("incident_kind")), Aggressor: rules.AggressorType(f.Get("aggressor_type")),
		TimePrecision: rules.TimePrecision(f.Get("time_precision")), Entity: f.Get("federal_entity"), Municipality: f.Get("municipality"),
		Place: f.Get("place"), PlacePrecision: rules.PlacePrecision(f.Get("place_precision")), Description: f.Get("description"),
		Evidence: f.Get("evidence"), Serious: f.Get("serious") == "1"}
	var v escudo.ValidationErrors
	var okTime bool
	if in.OccurredAt, okTime = localTime(f.Get("occurred_at")); !okTime && strings.TrimSpace(f.Get("occurred_at")) != "" {
		v.Add("occurred_at", "validation.date", nil)
	}
	var err error
	if in.AlertIDs, err = ParseAlertIDs(f.Get("alert_ids")); err != nil {
		v.Add("alert_ids", "incident.alert_numbers", nil)
	}
	if v.Err() != nil {
		err = v
	} else {
		_, err = s.DB.RecordIncident(r.Context(), in)
	}
	if err == nil {
		s.Flash(r, "incident.done_record")
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"#incidents", http.StatusSeeOther)
		return
	}
	if _, invalid := escudo.AsValidation(err); !invalid {
		s.ErrorPage(w, r, err)
		return
	}
	p, perr := s.newPage(r, id)
	if perr != nil {
		s.ErrorPage(w, r, perr)
		return
	}
	p.Form = r.PostForm
	p.SetErrors("", err)
	s.Render(w, r, http.StatusBadRequest, "incident_new", p)
}

type incidentData struct {
	Row             incidentRow
	CaseID          int64
	Reference       string
	CaseLink        bool
	CanExact, Exact bool
	CanManage       bool
	Statuses        []web.Choice
	Now             string
	History         map[int64][]historyRow
	StallDays       int
	// The requests to investigate this incident, and whether the reader
	// may send one from the case's requests.
	Requests []requestRow
	CanAsk   bool
}

type requestRow struct {
	ID                     int64
	Number, Agency, Status string
}

type historyRow struct{ At, ISO, Status, Note, By string }

func (s *server) incidentPage(r *http.Request, id int64) (*web.Page, error) {
	ctx := r.Context()
	q := web.NewQuery(r.URL.Query(), "place")
	exact := q.Choice("place", "", "exact") == "exact"
	if err := q.Err(); err != nil {
		return nil, err
	}
	ref, err := s.DB.IncidentRef(ctx, id)
	if err != nil {
		return nil, err
	}
	dec := web.DecisionFrom(r)
	o := opened(dec)
	o.Location = o.Location && exact
	in, err := s.DB.FindIncident(ctx, id, o)
	if err != nil {
		return nil, err
	}
	invs, err := s.DB.IncidentInvestigations(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &incidentData{CaseID: ref.CaseID, CanExact: dec.Sees(access.Location) && in.PlacePrecision == rules.PlaceExact, Exact: o.Location,
		History: map[int64][]historyRow{}, StallDays: s.DB.Prevention().StallDays}
	p := s.NewPage(r, "incident.title", d)
	d.Row = s.row(p, in, invs, dec)
	if d.Reference, err = s.DB.CaseReference(ctx, ref.CaseID); err != nil {
		return nil, err
	}
	d.CaseLink = p.Can("GET /cases/{id}")
	d.CanManage = p.Can("POST /incidents/{id}/investigations")
	d.Statuses = choices(p, "investigation.status.", rules.InvestigationStatuses)
	d.Now = s.DB.Now().In(web.DisplayZone).Format("2006-01-02T15:04")
	d.CanAsk = p.Can("GET /cases/{id}/requests") && p.Can("POST /cases/{id}/requests")
	if p.Can("GET /requests/{id}") {
		reqs, err := s.DB.Requests(ctx, store.RequestFilter{CaseID: ref.CaseID, IncidentID: id})
		if err != nil {
			return nil, err
		}
		for _, x := range reqs {
			d.Requests = append(d.Requests, requestRow{x.ID, store.RequestNumber(x.ID), x.Agency.Name, p.T("request.status." + string(x.Status))})
		}
	}
	for _, v := range invs {
		h, err := s.DB.InvestigationHistory(ctx, v.ID, dec.Sees(access.Risk))
		if err != nil {
			return nil, err
		}
		for i := len(h) - 1; i >= 0; i-- {
			u := h[i]
			d.History[v.ID] = append(d.History[v.ID], historyRow{At: p.Time(u.At), ISO: p.ISO(u.At), Status: p.T("investigation.status." + string(u.Status)), Note: u.Note, By: u.ByName})
		}
	}
	return p, nil
}

func (s *server) handleIncident(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.incidentPage(r, id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "incident", p)
}

// incidentAction runs a form of the incident page: back to it with a
// confirmation, or the page again with the messages and what was typed.
func (s *server) incidentAction(w http.ResponseWriter, r *http.Request, incidentID int64, form string, err error, done string) {
	if err == nil {
		s.Flash(r, done)
		http.Redirect(w, r, "/incidents/"+strconv.FormatInt(incidentID, 10)+"#investigations", http.StatusSeeOther)
		return
	}
	if _, invalid := escudo.AsValidation(err); !invalid {
		s.ErrorPage(w, r, err)
		return
	}
	p, perr := s.incidentPage(r, incidentID)
	if perr != nil {
		s.ErrorPage(w, r, perr)
		return
	}
	p.Form = r.PostForm
	p.SetErrors(form, err)
	s.Render(w, r, http.StatusBadRequest, "incident", p)
}

func (s *server) handleAddInvestigation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	v := &rules.Investigation{IncidentID: id, Authority: f.Get("authority"), FileNumber: f.Get("file_number"), Status: rules.InvestigationStatus(f.Get("status"))}
	v.OpenedAt, _ = localTime(f.Get("opened_at")) // a date that is not one is reported missing
	_, err := s.DB.AddInvestigation(r.Context(), v)
	s.incidentAction(w, r, id, "add", err, "investigation.done_add")
}

func (s *server) handleUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	inv, err := s.DB.FindInvestigation(r.Context(), id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	f := r.PostForm
	u := &rules.InvestigationUpdate{InvestigationID: id, Status: rules.InvestigationStatus(f.Get("status")), Note: f.Get("note")}
	u.At, _ = localTime(f.Get("at"))
	err = s.DB.UpdateInvestigation(r.Context(), u)
	s.incidentAction(w, r, inv.IncidentID, "update-"+strconv.FormatInt(id, 10), err, "investigation.done_update")
}

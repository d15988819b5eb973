// Package shelter serves the safe-house registry (/safe-houses) to the
// people named on its list, and the form by which staff on a case, or the
// beneficiary on their own, ask for a place (/cases/{id}/safe-house), which
// shows whether one is assigned and never where. Who may use each route is
// the permission table's answer; the registry's rules are of scope Named,
// decided through the store on every request (docs/safehouses.md).
package shelter

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/web"
)

// server is the safe-house pages' handler set over the shared core.
type server struct{ *web.Core }

// Register mounts the registry and the request form.
func Register(c *web.Core) {
	s := &server{c}
	s.Handle("GET /safe-houses", web.Access{Action: access.SafeHouseRead}, s.handleRegistry)
	s.Handle("POST /safe-houses", web.Access{Action: access.SafeHouseManage}, s.registryAction("house", "safehouse.done_house", s.actCreate))
	s.Handle("POST /safe-houses/state", web.Access{Action: access.SafeHouseManage}, s.registryAction("state", "safehouse.done_state", s.actState))
	s.Handle("POST /safe-houses/assign", web.Access{Action: access.SafeHouseAssign}, s.registryAction("assign", "safehouse.done_assign", s.actAssign))
	s.Handle("POST /safe-houses/release", web.Access{Action: access.SafeHouseAssign}, s.registryAction("release", "safehouse.done_release", s.actRelease))
	s.Handle("GET /cases/{id}/safe-house", web.Access{Action: access.SafeHouseRequest, Object: "case"}, s.handleCaseForm)
	s.Handle("POST /cases/{id}/safe-house", web.Access{Action: access.SafeHouseRequest, Object: "case"}, s.handleRequest)
}

// registryData is what the registry page shows.
type registryData struct {
	Houses   []escudo.SafeHouse
	Pending  []requestRow
	Stays    []requestRow
	Today    string // default date of arrival
	Capacity int    // bound of a house's capacity
}

// requestRow is a request as the registry lists it, with the houses in
// service that have room for all its people.
type requestRow struct {
	escudo.SafeHouseRequest
	Fit []escudo.SafeHouse
}

func (s *server) registryPage(r *http.Request) (*web.Page, error) {
	houses, err := s.DB.SafeHouses(r.Context())
	if err != nil {
		return nil, err
	}
	reqs, err := s.DB.SafeHouseRequests(r.Context())
	if err != nil {
		return nil, err
	}
	d := &registryData{Houses: houses, Today: s.DB.Now().In(web.DisplayZone).Format(time.DateOnly), Capacity: escudo.MaxSafeHouseCapacity}
	for _, q := range reqs {
		row := requestRow{SafeHouseRequest: q}
		if q.State == escudo.SafeHousePending {
			for _, h := range houses {
				if h.Active && h.Free() >= q.People {
					row.Fit = append(row.Fit, h)
				}
			}
			d.Pending = append(d.Pending, row)
		} else {
			d.Stays = append(d.Stays, row)
		}
	}
	return s.NewPage(r, "safehouse.title", d), nil
}

func (s *server) handleRegistry(w http.ResponseWriter, r *http.Request) {
	p, err := s.registryPage(r)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "safehouses", p)
}

// registryAction runs one of the registry's forms: back to the registry
// with a confirmation, or the registry again with the form's messages
// (validation) or the reason (a conflict), nothing changed.
func (s *server) registryAction(form, done string, act func(r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.ParseForm(w, r) {
			return
		}
		err := act(r)
		if err == nil {
			s.Flash(r, done)
			http.Redirect(w, r, "/safe-houses", http.StatusSeeOther)
			return
		}
		_, invalid := escudo.AsValidation(err)
		if !invalid && escudo.ErrorCode(err) != escudo.ECONFLICT {
			s.ErrorPage(w, r, err)
			return
		}
		p, perr := s.registryPage(r)
		if perr != nil {
			s.ErrorPage(w, r, perr)
			return
		}
		status := http.StatusConflict
		if invalid {
			p.Form = r.PostForm
			p.SetErrors(form, err)
			status = http.StatusBadRequest
		} else {
			p.Error = p.L.T(escudo.ErrorKey(err))
		}
		s.Render(w, r, status, "safehouses", p)
	}
}

// formID reads a positive id from a form field.
func formID(r *http.Request, field string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get(field)), 10, 64)
	if err != nil || id <= 0 {
		return 0, escudo.FieldError(field, "validation.choice", nil)
	}
	return id, nil
}

// formInt reads a whole number; "" and anything else than digits are 0,
// which the domain's validation refuses with its range.
func formInt(r *http.Request, field string) int {
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get(field)))
	if err != nil {
		return 0
	}
	return n
}

// formDay reads a date (YYYY-MM-DD) in the display zone; optional ones may
// be empty (nil, nil).
func formDay(r *http.Request, field string, required bool) (*time.Time, error) {
	v := strings.TrimSpace(r.PostForm.Get(field))
	if v == "" {
		if required {
			return nil, escudo.FieldError(field, "validation.required", nil)
		}
		return nil, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, web.DisplayZone)
	if err != nil {
		return nil, escudo.FieldError(field, "validation.date", nil)
	}
	return &t, nil
}

func (s *server) actCreate(r *http.Request) error {
	f := r.PostForm
	h := &escudo.SafeHouse{Name: f.Get("name"), Address: f.Get("address"), Coordinates: f.Get("coordinates"), Phone: f.Get("phone"),
		Capacity: formInt(r, "capacity"), Operator: f.Get("operator")}
	return s.DB.CreateSafeHouse(r.Context(), h)
}

func (s *server) actState(r *http.Request) error {
	id, err := formID(r, "house")
	if err != nil {
		return err
	}
	return s.DB.SetSafeHouseActive(r.Context(), id, r.PostForm.Get("active") == "1")
}

func (s *server) actAssign(r *http.Request) error {
	var v escudo.ValidationErrors
	req, err := formID(r, "request")
	if err != nil {
		v.Add("request", "validation.choice", nil)
	}
	house, err := formID(r, "house")
	if err != nil {
		v.Add("house", "safehouse.choose_house", nil)
	}
	in, err := formDay(r, "date_in", true)
	if e, ok := err.(*escudo.Error); ok {
		v.Add("date_in", e.Key, nil)
	}
	out, err := formDay(r, "date_out", false)
	if e, ok := err.(*escudo.Error); ok {
		v.Add("date_out", e.Key, nil)
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.DB.AssignSafeHouse(r.Context(), &escudo.SafeHouseAssignment{RequestID: req, HouseID: house, DateIn: *in, DateOut: out})
}

func (s *server) actRelease(r *http.Request) error {
	id, err := formID(r, "request")
	if err != nil {
		return err
	}
	return s.DB.ReleaseSafeHouse(r.Context(), id)
}

// caseFormData is the request page of a case: the section alone.
type caseFormData struct {
	Case      *escudo.Case
	SafeHouse *web.SafeHouseSection
}

func (s *server) casePage(r *http.Request, id int64) (*web.Page, error) {
	c, err := s.DB.FindCaseByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	web.RedactCase(c, web.DecisionFrom(r), false)
	d := &caseFormData{Case: c}
	p := s.NewPage(r, "safehouse.case_title", d)
	if d.SafeHouse, err = s.CaseSafeHouse(r, p, id, c.Open()); err != nil {
		return nil, err
	}
	return p, nil
}

func pathCase(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *server) handleCaseForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathCase(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.casePage(r, id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "safehouse_request", p)
}

// handleRequest records a request for a place. The case page is where
// staff come from; the request's own page is where the messages of a
// refused form are shown.
func (s *server) handleRequest(w http.ResponseWriter, r *http.Request) {
	id, ok := pathCase(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	req := &escudo.SafeHouseRequest{CaseID: id, People: formInt(r, "people"), Urgency: escudo.SafeHouseUrgency(r.PostForm.Get("urgency")),
		Note: r.PostForm.Get("note")}
	for _, n := range r.PostForm["needs"] {
		req.Needs = append(req.Needs, escudo.SafeHouseNeed(n))
	}
	err := s.DB.RequestSafeHouse(r.Context(), req)
	if err == nil {
		s.Flash(r, "safehouse.done_request")
		back := "/cases/" + strconv.FormatInt(id, 10) + "#safe-house"
		if p := s.NewPage(r, "", nil); !p.Can("GET /cases/{id}") {
			back = "/cases/" + strconv.FormatInt(id, 10) + "/safe-house"
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	_, invalid := escudo.AsValidation(err)
	if !invalid && escudo.ErrorCode(err) != escudo.ECONFLICT {
		s.ErrorPage(w, r, err)
		return
	}
	p, perr := s.casePage(r, id)
	if perr != nil {
		s.ErrorPage(w, r, perr)
		return
	}
	status := http.StatusConflict
	if invalid {
		p.Form = r.PostForm
		p.SetErrors("safehouse", err)
		status = http.StatusBadRequest
	} else {
		p.Error = p.L.T(escudo.ErrorKey(err))
	}
	s.Render(w, r, status, "safehouse_request", p)
}

// NeedList is the needs a row names, in the catalogue's order, for the
// template.
func (q requestRow) NeedList() []string {
	var out []string
	for _, n := range escudo.SafeHouseNeeds {
		if slices.Contains(q.Needs, n) {
			out = append(out, string(n))
		}
	}
	return out
}

// DateInText is the stay's first day, in the display zone.
func (q requestRow) DateInText() string {
	if q.Assignment == nil {
		return ""
	}
	return q.Assignment.DateIn.In(web.DisplayZone).Format(time.DateOnly)
}

// DateOutText is the stay's planned last day, "" when open-ended.
func (q requestRow) DateOutText() string {
	if q.Assignment == nil || q.Assignment.DateOut == nil {
		return ""
	}
	return q.Assignment.DateOut.In(web.DisplayZone).Format(time.DateOnly)
}

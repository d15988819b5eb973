package http

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/alert"
	"escudo/internal/store"
)

// The console's script: live updates over server-sent events and a sound
// cue made with WebAudio (no audio file to download).
//
//go:embed console_static/console.js
var consoleJS []byte

// registerConsole mounts the operator console: the live list of open
// alerts, one-step acknowledge, dispatch and resolve, and the hotline form.
func (s *Server) registerConsole() {
	if s.web == nil {
		return
	}
	ops := func(h http.HandlerFunc) http.HandlerFunc {
		return s.requireUser(h, escudo.RoleDuty, escudo.RoleCoordinator, escudo.RoleFollowUp)
	}
	s.mux.HandleFunc("GET /console", ops(s.handleConsole))
	s.mux.HandleFunc("GET /console/stream", ops(s.handleConsoleStream))
	s.mux.HandleFunc("GET /console/console.js", s.handleConsoleJS)
	s.mux.HandleFunc("GET /console/alerts/{id}", ops(s.handleConsoleAlert))
	s.mux.HandleFunc("POST /console/alerts/{id}/acknowledge", ops(s.consoleAction(s.actAcknowledge)))
	s.mux.HandleFunc("POST /console/alerts/{id}/dispatch", ops(s.consoleAction(s.actDispatch)))
	s.mux.HandleFunc("POST /console/alerts/{id}/resolve", ops(s.consoleAction(s.actResolve)))
	s.mux.HandleFunc("POST /console/alerts", ops(s.handleConsoleHotline))
}

// consoleAlert is one alert as the console shows it.
type consoleAlert struct {
	*escudo.Alert
	Person   *store.AlertPerson
	Liaisons []store.Liaison
	Waiting  time.Duration // since receipt
	Events   []store.AlertEvent
}

// GeoURI opens the coordinates in the operator's own map application,
// without handing them to a third-party site.
func (c *consoleAlert) GeoURI() template.URL {
	if c.Location == nil {
		return ""
	}
	// Built from two numbers only, so the geo: scheme is safe to mark.
	return template.URL(fmt.Sprintf( // #nosec G203 -- two formatted floats, nothing from input text
		"geo:%.6f,%.6f", c.Location.Lat, c.Location.Lon))
}

// Coordinates writes the location for reading aloud over the radio.
func (c *consoleAlert) Coordinates() string {
	if c.Location == nil {
		return ""
	}
	s := fmt.Sprintf("%.5f, %.5f", c.Location.Lat, c.Location.Lon)
	if c.Location.AccuracyM > 0 {
		s += fmt.Sprintf(" (±%.0f m)", c.Location.AccuracyM)
	}
	return s
}

// consoleData is the console page's data.
type consoleData struct {
	Alerts   []*consoleAlert
	Outcomes []escudo.AlertOutcome
	Types    []escudo.AlertType
	Live     bool
}

// loadConsoleAlerts reads the open alerts with what the operator needs:
// the beneficiary's name, phone and address (one audited read for the whole
// list) and the liaisons of their entity.
func (s *Server) loadConsoleAlerts(r *http.Request, f escudo.AlertFilter) ([]*consoleAlert, error) {
	ctx := r.Context()
	as, err := s.db.FindAlerts(ctx, f)
	if err != nil {
		return nil, err
	}
	people := map[int64]*store.AlertPerson{}
	liaisons := map[string][]store.Liaison{}
	var ids []string
	out := make([]*consoleAlert, 0, len(as))
	now := s.db.Now()
	for _, a := range as {
		c := &consoleAlert{Alert: a, Waiting: now.Sub(a.ReceivedAt)}
		if p, ok := people[a.PersonID]; ok {
			c.Person = p
		} else {
			p, err := s.db.AlertPerson(ctx, a.PersonID)
			if err != nil {
				return nil, err
			}
			people[a.PersonID], c.Person = p, p
			ids = append(ids, strconv.FormatInt(a.PersonID, 10))
		}
		if l, ok := liaisons[a.Entity]; ok {
			c.Liaisons = l
		} else {
			l, err := s.db.EntityLiaisons(ctx, a.Entity)
			if err != nil {
				return nil, err
			}
			liaisons[a.Entity], c.Liaisons = l, l
		}
		out = append(out, c)
	}
	if len(ids) > 0 {
		if err := s.db.Audit(ctx, store.AuditEntry{Action: "person.read", ObjectType: "console", ObjectID: "alerts",
			Fields: "name,phone,address;people:" + strings.Join(ids, ",")}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Server) handleConsole(w http.ResponseWriter, r *http.Request) {
	as, err := s.loadConsoleAlerts(r, escudo.AlertFilter{Open: true, Limit: 200})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := &consoleData{Alerts: as, Outcomes: escudo.AlertOutcomes, Live: s.opts.Alerts != nil,
		Types: []escudo.AlertType{escudo.AlertCall, escudo.AlertPanic, escudo.AlertAlarm, escudo.AlertTest}}
	p := s.newPage(r, "console.title", d)
	if r.URL.Query().Get("fragment") == "1" {
		// The script swaps in just the list.
		s.renderFragment(w, r, "console", "console_list", p)
		return
	}
	s.popFlash(r, p)
	s.render(w, r, http.StatusOK, "console", p)
}

// renderFragment executes one named template of a page without the layout.
func (s *Server) renderFragment(w http.ResponseWriter, r *http.Request, pageName, tmpl string, p *page) {
	t, ok := s.web.tmpl.pages[pageName]
	if !ok {
		s.serverError(w, r, fmt.Errorf("http: no template %q", pageName))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, p); err != nil {
		s.serverError(w, r, fmt.Errorf("http: render %s: %w", tmpl, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) handleConsoleAlert(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r.PathValue("id"))
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if s.opts.Alerts != nil {
		s.opts.Alerts.AwaitStored(r.Context(), id) // paged before its commit ended
	}
	a, err := s.db.FindAlertByID(r.Context(), id)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	person, err := s.db.AlertPerson(r.Context(), a.PersonID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.db.Audit(r.Context(), store.AuditEntry{Action: "person.read", ObjectType: "alert", ObjectID: strconv.FormatInt(id, 10),
		Fields: "name,phone,address,location,note;person:" + strconv.FormatInt(a.PersonID, 10)}); err != nil {
		s.serverError(w, r, err)
		return
	}
	c := &consoleAlert{Alert: a, Person: person, Waiting: s.db.Now().Sub(a.ReceivedAt)}
	if c.Liaisons, err = s.db.EntityLiaisons(r.Context(), a.Entity); err != nil {
		s.serverError(w, r, err)
		return
	}
	if c.Events, err = s.db.AlertTimeline(r.Context(), id); err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.newPage(r, "console.alert_title", &consoleData{Alerts: []*consoleAlert{c}, Outcomes: escudo.AlertOutcomes})
	s.popFlash(r, p)
	s.render(w, r, http.StatusOK, "console_alert", p)
}

// consoleAction runs one alert action from a form and returns to where the
// operator was (the list, or the alert's page).
func (s *Server) consoleAction(act func(r *http.Request, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r.PathValue("id"))
		if !ok {
			s.renderError(w, r, http.StatusNotFound, "error.not_found")
			return
		}
		if s.opts.Alerts == nil {
			s.renderError(w, r, http.StatusServiceUnavailable, "error.unavailable")
			return
		}
		if err := r.ParseForm(); err != nil {
			s.renderError(w, r, http.StatusBadRequest, "error.bad_form")
			return
		}
		back := "/console"
		if r.PostForm.Get("back") == "alert" {
			back = "/console/alerts/" + strconv.FormatInt(id, 10)
		}
		if err := act(r, id); err != nil {
			if v, ok := escudo.AsValidation(err); ok && len(v) > 0 {
				s.flash(r, v[0].Key)
				http.Redirect(w, r, back, http.StatusSeeOther)
				return
			}
			if escudo.ErrorCode(err) == escudo.ECONFLICT {
				s.flash(r, escudo.ErrorKey(err))
				http.Redirect(w, r, back, http.StatusSeeOther)
				return
			}
			s.errorPage(w, r, err)
			return
		}
		s.flash(r, "console.done")
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
}

func (s *Server) actAcknowledge(r *http.Request, id int64) error {
	_, err := s.opts.Alerts.Acknowledge(r.Context(), id)
	return err
}

func (s *Server) actDispatch(r *http.Request, id int64) error {
	d := escudo.Dispatch{Agency: r.PostForm.Get("agency"), Unit: r.PostForm.Get("unit"), Note: r.PostForm.Get("note")}
	_, err := s.opts.Alerts.Dispatch(r.Context(), id, d)
	return err
}

func (s *Server) actResolve(r *http.Request, id int64) error {
	_, err := s.opts.Alerts.Resolve(r.Context(), id, escudo.AlertOutcome(r.PostForm.Get("outcome")), r.PostForm.Get("note"))
	return err
}

// handleConsoleHotline records a call taken by an operator as an alert,
// which then runs through the same pipeline as a device's.
func (s *Server) handleConsoleHotline(w http.ResponseWriter, r *http.Request) {
	if s.opts.Alerts == nil {
		s.renderError(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "error.bad_form")
		return
	}
	f := r.PostForm
	person, _ := strconv.ParseInt(strings.TrimSpace(f.Get("person_id")), 10, 64)
	var lat, lon *float64
	if v := strings.TrimSpace(f.Get("lat")); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err == nil {
			lat = &x
		} else {
			bad := 1000.0
			lat = &bad
		}
	}
	if v := strings.TrimSpace(f.Get("lon")); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err == nil {
			lon = &x
		} else {
			bad := 1000.0
			lon = &bad
		}
	}
	in, err := hotlineInput(person, f.Get("type"), f.Get("note"), lat, lon, 0)
	if err == nil {
		var a *escudo.Alert
		if a, err = s.opts.Alerts.Raise(r.Context(), in); err == nil {
			s.flash(r, "console.recorded")
			http.Redirect(w, r, "/console/alerts/"+strconv.FormatInt(a.ID, 10), http.StatusSeeOther)
			return
		}
	}
	if _, ok := escudo.AsValidation(err); ok || escudo.ErrorCode(err) == escudo.ENOTFOUND {
		s.flash(r, "console.hotline_invalid")
		http.Redirect(w, r, "/console#hotline", http.StatusSeeOther)
		return
	}
	s.errorPage(w, r, err)
}

// handleConsoleStream sends alert changes as server-sent events. Each event
// names the alert and what happened; the page reloads its list and sounds
// a cue for new and escalated alerts.
func (s *Server) handleConsoleStream(w http.ResponseWriter, r *http.Request) {
	if s.opts.Alerts == nil {
		http.Error(w, "alerts unavailable", http.StatusServiceUnavailable)
		return
	}
	rc := http.NewResponseController(w)
	// The stream outlives the server's write timeout.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	ch, cancel := s.opts.Alerts.Subscribe()
	defer cancel()
	fmt.Fprint(w, "retry: 3000\n: connected\n\n")
	if err := rc.Flush(); err != nil {
		return
	}
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case c, ok := <-ch:
			if !ok {
				return
			}
			writeConsoleEvent(w, c)
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func writeConsoleEvent(w http.ResponseWriter, c alert.Change) {
	fmt.Fprintf(w, "event: alert\ndata: {\"id\":%d,\"kind\":%q,\"tier\":%d,\"type\":%q,\"entity\":%q}\n\n", c.AlertID, c.Kind, c.Tier, string(c.Type), c.Entity)
}

func (s *Server) handleConsoleJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(consoleJS)
}

func init() {
	// Template helpers of the console's shared card (part_console.html).
	templateFuncs["cardArgs"] = func(p *page, a *consoleAlert, back string) []any { return []any{p, a, back} }
	templateFuncs["derefInt"] = func(n *int) int {
		if n == nil {
			return 0
		}
		return *n
	}
}

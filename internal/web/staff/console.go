package staff

import (
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/alert"
	"escudo/internal/store"
	"escudo/internal/web"
)

// The console's script: live updates over server-sent events and a sound
// cue made with WebAudio (no audio file to download).
//
//go:embed console_static/console.js
var consoleJS []byte

// registerConsole mounts the operator console: the live list of open
// alerts, one-step acknowledge, dispatch and resolve, and the hotline form.
func (s *server) registerConsole() {
	read := web.Access{Action: access.AlertRead, EntityList: true}
	respond := web.Access{Action: access.AlertRespond, Object: "alert"}
	s.Handle("GET /console", read, s.handleConsole)
	s.Handle("GET /console/stream", read, s.handleConsoleStream)
	s.Handle("GET /console/heartbeat", read, s.handleConsoleHeartbeat)
	s.Handle("GET /console/console.js", web.Access{Public: true}, s.handleConsoleJS)
	s.Handle("GET /console/alerts/{id}", web.Access{Action: access.AlertRead, Object: "alert"}, s.handleConsoleAlert)
	s.Handle("POST /console/alerts/{id}/acknowledge", respond, s.consoleAction("acknowledge", s.actAcknowledge))
	s.Handle("POST /console/alerts/{id}/dispatch", respond, s.consoleAction("dispatch", s.actDispatch))
	s.Handle("POST /console/alerts/{id}/resolve", respond, s.consoleAction("resolve", s.actResolve))
	s.Handle("GET /console/call", web.Access{Action: access.AlertRespond}, s.handleCallForm)
	s.Handle("POST /console/alerts", web.Access{Action: access.AlertRespond}, s.handleConsoleHotline)
}

// callTypes are the kinds of alert an operator records from a call.
var callTypes = []escudo.AlertType{escudo.AlertCall, escudo.AlertPanic, escudo.AlertAlarm, escudo.AlertTest}

// callData is the hotline call page: a form of its own, off the console's
// reloading list, so a half-typed note survives; Matches lists the people
// a name, phone or folio found when it was not one person.
type callData struct {
	Types   []escudo.AlertType
	Matches []callMatch
}

type callMatch struct {
	PersonID  int64
	Name      string
	Reference string
}

func (s *server) handleCallForm(w http.ResponseWriter, r *http.Request) {
	p := s.NewPage(r, "console.hotline", &callData{Types: callTypes})
	s.Render(w, r, http.StatusOK, "console_call", p)
}

// callPage shows the call form again with what the operator typed.
func (s *server) callPage(w http.ResponseWriter, r *http.Request, status int, errKey string, matches []callMatch) {
	p := s.NewPage(r, "console.hotline", &callData{Types: callTypes, Matches: matches})
	p.Form = r.PostForm
	if errKey != "" {
		p.Error = p.L.T(errKey)
	}
	s.Render(w, r, status, "console_call", p)
}

// findCaller resolves what the operator typed for the person calling: a
// person number, or a name, phone (however typed) or folio through the
// case search; several people are offered to choose from.
func (s *server) findCaller(r *http.Request) (int64, []callMatch, error) {
	if id, ok := web.PathID(strings.TrimSpace(r.PostForm.Get("person_id"))); ok {
		return id, nil, nil
	}
	who := strings.TrimSpace(r.PostForm.Get("who"))
	if who == "" {
		return 0, nil, nil
	}
	cases, _, err := s.DB.FindCases(r.Context(), escudo.CaseFilter{Query: who, Limit: 20})
	if err != nil {
		return 0, nil, err
	}
	seen := map[int64]bool{}
	var matches []callMatch
	for _, c := range cases {
		if seen[c.PersonID] {
			continue
		}
		seen[c.PersonID] = true
		m := callMatch{PersonID: c.PersonID, Reference: c.Reference}
		if c.Person != nil {
			m.Name = c.Person.Name
		}
		matches = append(matches, m)
	}
	if len(matches) == 1 {
		return matches[0].PersonID, nil, nil
	}
	return 0, matches, nil
}

// consoleAlert is one alert as the console shows it.
type consoleAlert struct {
	*escudo.Alert
	Person   *store.AlertPerson
	Liaisons []store.Liaison
	Waiting  time.Duration // since receipt
	Events   []store.AlertEvent
}

// Outcomes are the outcomes this alert may be closed with now.
func (c *consoleAlert) Outcomes() []escudo.AlertOutcome { return escudo.OutcomesFor(c.Alert) }

// Drill tells a test or drill alert, which the console draws unlike an
// emergency.
func (c *consoleAlert) Drill() bool {
	return c.Source == escudo.SourceDrill || c.Type == escudo.AlertTest
}

// Stamp writes a time to the second, as an operator reads it back on a call.
func (c *consoleAlert) Stamp(t time.Time) string {
	return t.In(web.DisplayZone).Format("2006-01-02 15:04:05")
}

// AckAfter is how long the alert waited for its acknowledgement.
func (c *consoleAlert) AckAfter() string {
	if c.AcknowledgedAt == nil {
		return ""
	}
	return shortDur(c.AcknowledgedAt.Sub(c.ReceivedAt))
}

// WaitingFor is how long the alert has waited, to the second.
func (c *consoleAlert) WaitingFor() string { return shortDur(c.Waiting) }

// WaitClass colours an unacknowledged alert's waiting time against the
// response targets: acknowledged within 15 s, and within 64 s at worst.
func (c *consoleAlert) WaitClass() string {
	switch {
	case c.AcknowledgedAt != nil || c.Status == escudo.AlertResolved:
		return ""
	case c.Waiting > 64*time.Second:
		return "wait-late"
	case c.Waiting > 15*time.Second:
		return "wait-warn"
	}
	return "wait-ok"
}

// shortDur writes a duration to the second: "42 s", "3 min 05 s",
// "2 h 07 min". The units read the same in Spanish and English; the
// console's script writes the same form as the counter grows.
func shortDur(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Truncate(time.Second)
	h, m, sec := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0:
		return fmt.Sprintf("%d h %02d min", h, m)
	case m > 0:
		return fmt.Sprintf("%d min %02d s", m, sec)
	}
	return fmt.Sprintf("%d s", sec)
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
func (s *server) loadConsoleAlerts(r *http.Request, f escudo.AlertFilter) ([]*consoleAlert, error) {
	ctx := r.Context()
	as, err := s.DB.FindAlerts(ctx, f)
	if err != nil {
		return nil, err
	}
	people := map[int64]*store.AlertPerson{}
	liaisons := map[string][]store.Liaison{}
	var ids []int64
	out := make([]*consoleAlert, 0, len(as))
	now := s.DB.Now()
	for _, a := range as {
		c := &consoleAlert{Alert: a, Waiting: now.Sub(a.ReceivedAt)}
		if p, ok := people[a.PersonID]; ok {
			c.Person = p
		} else {
			p, err := s.DB.AlertPerson(ctx, a.PersonID)
			if err != nil {
				return nil, err
			}
			p = s.shownPerson(r, p)
			people[a.PersonID], c.Person = p, p
			ids = append(ids, a.PersonID)
		}
		if l, ok := liaisons[a.Entity]; ok {
			c.Liaisons = l
		} else {
			l, err := s.DB.EntityLiaisons(ctx, a.Entity)
			if err != nil {
				return nil, err
			}
			liaisons[a.Entity], c.Liaisons = l, l
		}
		out = append(out, c)
	}
	// One entry per alert and per person shown, in one transaction: each
	// beneficiary's "who read my data" names this console read.
	objs := make([]store.AuditObject, 0, len(out)+len(ids))
	for _, c := range out {
		objs = append(objs, store.AuditObject{Type: "alert", ID: c.ID, Fields: "location"})
	}
	for _, id := range ids {
		objs = append(objs, store.AuditObject{Type: "person", ID: id, Fields: "name,phone,address"})
	}
	if err := s.DB.AuditReads(ctx, "alert.list", objs); err != nil {
		return nil, err
	}
	return out, nil
}

// shownPerson is the beneficiary of an alert as the console may show it to
// the request's user: identity and address only when the route's decision
// grants them, and the address only after a recent sign-in, as everywhere
// else (the page offers re-authentication where it was withheld).
func (s *server) shownPerson(r *http.Request, p *store.AlertPerson) *store.AlertPerson {
	d := web.DecisionFrom(r)
	out := *p
	if !d.Sees(access.Identity) {
		out.Name, out.Phone = "", ""
	}
	if !d.Sees(access.Location) || !s.RecentlyAuthenticated(r) {
		out.Address = ""
		out.Withheld = p.Address != ""
	}
	return &out
}

func (s *server) handleConsole(w http.ResponseWriter, r *http.Request) {
	f := escudo.AlertFilter{Open: true, Limit: 200}
	if entity, scoped := web.ListEntity(r); scoped {
		f.Entity = entity
	}
	as, err := s.loadConsoleAlerts(r, f)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	d := &consoleData{Alerts: as, Outcomes: escudo.AlertOutcomes, Live: s.Opts.Alerts != nil,
		Types: []escudo.AlertType{escudo.AlertCall, escudo.AlertPanic, escudo.AlertAlarm, escudo.AlertTest}}
	p := s.NewPage(r, "console.title", d)
	if r.URL.Query().Get("fragment") == "1" {
		// The script swaps in just the list.
		s.RenderFragment(w, r, "console", "console_list", p)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "console", p)
}

func (s *server) handleConsoleAlert(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r.PathValue("id"))
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if s.Opts.Alerts != nil {
		s.Opts.Alerts.AwaitStored(r.Context(), id) // paged before its commit ended
	}
	p, err := s.alertPage(r, id)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "console_alert", p)
}

// alertPage loads one alert's page: the card with its forms and the timeline.
func (s *server) alertPage(r *http.Request, id int64) (*web.Page, error) {
	ctx := r.Context()
	a, err := s.DB.FindAlertByID(ctx, id)
	if err != nil {
		return nil, err
	}
	person, err := s.DB.AlertPerson(ctx, a.PersonID)
	if err != nil {
		return nil, err
	}
	if err := s.DB.Audit(ctx, store.AuditEntry{Action: "person.read", ObjectType: "alert", ObjectID: strconv.FormatInt(id, 10),
		Fields: "name,phone,address,location,note;person:" + strconv.FormatInt(a.PersonID, 10)}); err != nil {
		return nil, err
	}
	c := &consoleAlert{Alert: a, Person: s.shownPerson(r, person), Waiting: s.DB.Now().Sub(a.ReceivedAt)}
	if c.Liaisons, err = s.DB.EntityLiaisons(ctx, a.Entity); err != nil {
		return nil, err
	}
	if c.Events, err = s.DB.AlertTimeline(ctx, id); err != nil {
		return nil, err
	}
	return s.NewPage(r, "console.alert_title", &consoleData{Alerts: []*consoleAlert{c}, Outcomes: escudo.AlertOutcomes}), nil
}

// consoleAction runs one alert action from a form and returns to where the
// operator was (the list, or the alert's page). A form of the alert's page
// refused for its input comes back on that page with what was typed.
func (s *server) consoleAction(form string, act func(r *http.Request, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := web.PathID(r.PathValue("id"))
		if !ok {
			s.RenderError(w, r, http.StatusNotFound, "error.not_found")
			return
		}
		if s.Opts.Alerts == nil {
			s.RenderError(w, r, http.StatusServiceUnavailable, "error.unavailable")
			return
		}
		if err := r.ParseForm(); err != nil {
			s.RenderError(w, r, http.StatusBadRequest, "error.bad_form")
			return
		}
		back := "/console"
		if r.PostForm.Get("back") == "alert" {
			back = "/console/alerts/" + strconv.FormatInt(id, 10)
		}
		if err := act(r, id); err != nil {
			if v, ok := escudo.AsValidation(err); ok && len(v) > 0 {
				if back != "/console" {
					p, perr := s.alertPage(r, id)
					if perr != nil {
						s.ErrorPage(w, r, perr)
						return
					}
					p.Form = r.PostForm
					p.SetErrors(form, err)
					s.Render(w, r, http.StatusBadRequest, "console_alert", p)
					return
				}
				s.Flash(r, v[0].Key)
				http.Redirect(w, r, back, http.StatusSeeOther)
				return
			}
			if escudo.ErrorCode(err) == escudo.ECONFLICT {
				s.Flash(r, escudo.ErrorKey(err))
				http.Redirect(w, r, back, http.StatusSeeOther)
				return
			}
			s.ErrorPage(w, r, err)
			return
		}
		s.Flash(r, "console.done")
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
}

func (s *server) actAcknowledge(r *http.Request, id int64) error {
	_, err := s.Opts.Alerts.Acknowledge(r.Context(), id)
	return err
}

func (s *server) actDispatch(r *http.Request, id int64) error {
	d := escudo.Dispatch{Agency: r.PostForm.Get("agency"), Unit: r.PostForm.Get("unit"), Note: r.PostForm.Get("note")}
	_, err := s.Opts.Alerts.Dispatch(r.Context(), id, d)
	return err
}

func (s *server) actResolve(r *http.Request, id int64) error {
	_, err := s.Opts.Alerts.Resolve(r.Context(), id, escudo.AlertOutcome(r.PostForm.Get("outcome")), r.PostForm.Get("note"))
	return err
}

// handleConsoleHotline records a call taken by an operator as an alert,
// which then runs through the same pipeline as a device's.
func (s *server) handleConsoleHotline(w http.ResponseWriter, r *http.Request) {
	if s.Opts.Alerts == nil {
		s.RenderError(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.RenderError(w, r, http.StatusBadRequest, "error.bad_form")
		return
	}
	f := r.PostForm
	person, matches, err := s.findCaller(r)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	if person == 0 {
		key := "console.who_not_found"
		if len(matches) > 1 {
			key = "console.who_several"
		}
		s.callPage(w, r, http.StatusBadRequest, key, matches)
		return
	}
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
	in, err := web.HotlineAlert(person, f.Get("type"), f.Get("note"), lat, lon, 0)
	if err == nil {
		var a *escudo.Alert
		if a, err = s.Opts.Alerts.Raise(r.Context(), in); err == nil {
			s.Flash(r, "console.recorded")
			http.Redirect(w, r, "/console/alerts/"+strconv.FormatInt(a.ID, 10), http.StatusSeeOther)
			return
		}
	}
	if _, ok := escudo.AsValidation(err); ok || escudo.ErrorCode(err) == escudo.ENOTFOUND {
		s.callPage(w, r, http.StatusBadRequest, "console.hotline_invalid", nil)
		return
	}
	s.ErrorPage(w, r, err)
}

// handleConsoleStream sends alert changes as server-sent events. Each event
// names the alert and what happened; the page reloads its list and sounds
// a cue for new and escalated alerts.
func (s *server) handleConsoleStream(w http.ResponseWriter, r *http.Request) {
	if s.Opts.Alerts == nil {
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
	entity, scoped := web.ListEntity(r)
	ch, cancel := s.Opts.Alerts.Subscribe()
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
			if scoped && c.Entity != entity {
				continue // another entity's alert: not this liaison's to see
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

// handleConsoleHeartbeat keeps an open console's session alive: the
// script calls it every minute, so an operator on duty is not signed out
// by the idle timeout while the console is open (the absolute session
// lifetime still applies). Its 401 tells the script the session ended.
func (s *server) handleConsoleHeartbeat(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *server) handleConsoleJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(consoleJS)
}

package http

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"escudo"
	"escudo/internal/heartbeat"
	"escudo/internal/store"
)

// registerSupervision mounts the heartbeat endpoint (authenticated per
// device), the supervision lists, drills and the response-time report.
func (s *Server) registerSupervision() {
	s.mux.HandleFunc("POST /api/v1/devices/{id}/heartbeat", s.handleDeviceHeartbeat)
	staff := s.alertStaff
	s.mux.HandleFunc("GET /api/v1/devices/silent", staff(s.apiDevicesSilent))
	s.mux.HandleFunc("GET /api/v1/devices/untested", staff(s.apiDevicesUntested))
	s.mux.HandleFunc("GET /api/v1/devices/{id}/supervision", staff(s.apiDeviceSupervision))
	s.mux.HandleFunc("GET /api/v1/alerts/response-times", staff(s.apiResponseTimes))
	s.mux.HandleFunc("POST /api/v1/drills", staff(s.apiDrillStart))
	s.mux.HandleFunc("GET /api/v1/drills", staff(s.apiDrillList))
	s.mux.HandleFunc("GET /api/v1/drills/{id}", staff(s.apiDrillShow))
}

// beatBuffers recycles heartbeat bodies: every device posts one every
// interval, so the endpoint reads into pooled memory.
var beatBuffers = sync.Pool{New: func() any { b := make([]byte, heartbeat.MaxBody+1); return &b }}

// errSupervisionOff answers when the server runs without a supervisor.
var errSupervisionOff = &escudo.Error{Code: "unavailable", Key: "error.supervision_unavailable"}

// handleDeviceHeartbeat records a heartbeat in memory (no database write:
// the supervisor persists in batches) and answers 204.
//
// The path is kept allocation-light, as every device posts one every
// interval: the body goes into a pooled buffer, the credential comes from
// the cache in device_auth.go (revalidated in the background), and
// heartbeat.Decode scans the body without reflection.
func (s *Server) handleDeviceHeartbeat(w http.ResponseWriter, r *http.Request) {
	sup := s.opts.Supervisor
	if sup == nil {
		w.Header().Set("Retry-After", "30")
		s.jsonError(w, r, http.StatusServiceUnavailable, errSupervisionOff.Code, errSupervisionOff.Key)
		return
	}
	bp := beatBuffers.Get().(*[]byte)
	defer beatBuffers.Put(bp)
	body, err := readSmall(r.Body, *bp)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	dev, err := s.authenticateDevice(r, body)
	if err != nil {
		if code := escudo.ErrorCode(err); code == escudo.EUNAUTHORIZED || code == escudo.EINVALID {
			s.auditDeviceRefusal(r, "heartbeat", r.PathValue("id"), err)
		}
		s.apiError(w, r, err)
		return
	}
	beat, err := heartbeat.Decode(body)
	if err != nil {
		err = escudo.Errorf(escudo.EINVALID, "error.heartbeat_malformed")
		s.auditDeviceRefusal(r, "heartbeat", r.PathValue("id"), err)
		s.apiError(w, r, err)
		return
	}
	now := s.db.Now()
	if err := sup.Record(dev.ID, now.UnixNano(), beat); errors.Is(err, heartbeat.ErrUnsupervised) {
		// Registered since the supervisor last read the registry.
		if err := sup.Supervise(heartbeat.Device{ID: dev.ID, Interval: dev.HeartbeatInterval, Registered: dev.CreatedAt}, now); err != nil {
			s.apiError(w, r, err)
			return
		}
		_ = sup.Record(dev.ID, now.UnixNano(), beat)
	}
	w.WriteHeader(http.StatusNoContent)
}

// readSmall reads a whole body into buf, refusing one longer than
// len(buf)-1 bytes.
func readSmall(body io.Reader, buf []byte) ([]byte, error) {
	n := 0
	for {
		m, err := body.Read(buf[n:])
		n += m
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, escudo.Errorf(escudo.EINVALID, "error.body_unreadable")
		}
		if n == len(buf) {
			return nil, &escudo.Error{Code: escudo.EINVALID, Key: "error.body_too_large", Args: map[string]any{"Max": len(buf) - 1}}
		}
	}
	return buf[:n], nil
}

// supervisionJSON is a device's supervision state.
type supervisionJSON struct {
	DeviceID        int64      `json:"device_id"`
	Supervised      bool       `json:"supervised"`
	IntervalSeconds float64    `json:"heartbeat_interval_seconds,omitempty"`
	LastSeen        *time.Time `json:"last_seen,omitempty"`
	Battery         *int       `json:"battery,omitempty"`
	Silent          bool       `json:"silent"`
	SilentSince     *time.Time `json:"silent_since,omitempty"`
}

func supervisionOf(st heartbeat.State) supervisionJSON {
	out := supervisionJSON{DeviceID: st.DeviceID, Supervised: st.Supervised, Silent: st.Silent}
	if st.Supervised {
		out.IntervalSeconds = st.Interval.Seconds()
		seen := st.LastSeen
		out.LastSeen = &seen
	}
	if st.Battery >= 0 {
		b := st.Battery
		out.Battery = &b
	}
	if st.Silent {
		since := st.SilentSince
		out.SilentSince = &since
	}
	return out
}

func (s *Server) apiDeviceSupervision(w http.ResponseWriter, r *http.Request) {
	if s.opts.Supervisor == nil {
		s.jsonError(w, r, http.StatusServiceUnavailable, errSupervisionOff.Code, errSupervisionOff.Key)
		return
	}
	id, ok := pathID(r.PathValue("id"))
	if !ok {
		s.apiError(w, r, escudo.Errorf(escudo.ENOTFOUND, "error.device_not_found"))
		return
	}
	if _, err := s.db.FindDeviceByID(r.Context(), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, supervisionOf(s.opts.Supervisor.State(id)))
}

// apiDevicesSilent lists the devices currently silent.
func (s *Server) apiDevicesSilent(w http.ResponseWriter, r *http.Request) {
	if s.opts.Supervisor == nil {
		s.jsonError(w, r, http.StatusServiceUnavailable, errSupervisionOff.Code, errSupervisionOff.Key)
		return
	}
	out := []supervisionJSON{}
	for _, sl := range s.opts.Supervisor.Silent() {
		out = append(out, supervisionOf(s.opts.Supervisor.State(sl.DeviceID)))
	}
	writeJSON(w, http.StatusOK, map[string]any{"misses": s.opts.Supervisor.Misses(), "devices": out})
}

// TestAlertMaxAge is how long a device may go without sending a test alert
// before it is flagged.
const TestAlertMaxAge = 30 * 24 * time.Hour

// apiDevicesUntested lists devices that have not sent a test alert in 30
// days (or since registration, never tested).
func (s *Server) apiDevicesUntested(w http.ResponseWriter, r *http.Request) {
	before := s.db.Now().Add(-TestAlertMaxAge)
	ds, err := s.db.UntestedDevices(r.Context(), before, 1000)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if ds == nil {
		ds = []store.UntestedDevice{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"max_age_days": int(TestAlertMaxAge.Hours() / 24), "devices": ds})
}

// apiResponseTimes reports time to acknowledge, dispatch and resolve per
// federal entity and agency against the targets. Query: from, to (RFC 3339
// or YYYY-MM-DD), entity, include_tests.
func (s *Server) apiResponseTimes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f store.ResponseFilter
	var v escudo.ValidationErrors
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := q.Get(p.name); s != "" {
			t, err := parseWhen(s)
			if err != nil {
				v.Add(p.name, "validation.date", nil)
			}
			*p.dst = t
		}
	}
	if e := q.Get("entity"); e != "" {
		if _, ok := escudo.LookupFederalEntity(e); !ok {
			v.Add("entity", "validation.choice", nil)
		}
		f.Entity = e
	}
	f.IncludeTests = q.Get("include_tests") == "true" || q.Get("include_tests") == "1"
	if err := v.Err(); err != nil {
		s.apiError(w, r, err)
		return
	}
	rep, err := s.db.ResponseTimes(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func parseWhen(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", s)
}

// drillRequest starts drills.
type drillRequest struct {
	Devices []int64 `json:"devices"`
}

func (s *Server) apiDrillStart(w http.ResponseWriter, r *http.Request) {
	if s.opts.Drills == nil {
		s.jsonError(w, r, http.StatusServiceUnavailable, "unavailable", "error.drills_unavailable")
		return
	}
	var req drillRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	ds, err := s.opts.Drills.Start(r.Context(), req.Devices)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"drills": ds})
}

func (s *Server) apiDrillList(w http.ResponseWriter, r *http.Request) {
	var device int64
	if v := r.URL.Query().Get("device_id"); v != "" {
		var ok bool
		if device, ok = pathID(v); !ok {
			s.apiError(w, r, escudo.ValidationErrors{escudo.FieldError("device_id", "validation.number", nil)})
			return
		}
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	ds, err := s.db.FindDrills(r.Context(), device, limit)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if ds == nil {
		ds = []*store.Drill{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"drills": ds})
}

func (s *Server) apiDrillShow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r.PathValue("id"))
	if !ok {
		s.apiError(w, r, escudo.Errorf(escudo.ENOTFOUND, "error.drill_not_found"))
		return
	}
	d, err := s.db.FindDrill(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

package api

import (
	"net/http"
	"time"

	"escudo"
	"escudo/internal/heartbeat"
	"escudo/internal/store"
	"escudo/internal/web"
)

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

func (s *server) apiDeviceSupervision(w http.ResponseWriter, r *http.Request) {
	if s.Opts.Supervisor == nil {
		s.JSONError(w, r, http.StatusServiceUnavailable, web.ErrSupervisionOff.Code, web.ErrSupervisionOff.Key)
		return
	}
	id, ok := web.PathID(r.PathValue("id"))
	if !ok {
		s.APIError(w, r, escudo.Errorf(escudo.ENOTFOUND, "error.device_not_found"))
		return
	}
	if _, err := s.DB.FindDeviceByID(r.Context(), id); err != nil {
		s.APIError(w, r, err)
		return
	}
	if err := s.DB.AuditReads(r.Context(), "device.read", []store.AuditObject{{Type: "device", ID: id, Fields: "supervision,location"}}); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, supervisionOf(s.Opts.Supervisor.State(id)))
}

// apiDevicesSilent lists the devices currently silent.
func (s *server) apiDevicesSilent(w http.ResponseWriter, r *http.Request) {
	if err := web.NewQuery(r.URL.Query()).Err(); err != nil {
		s.APIError(w, r, err)
		return
	}
	if s.Opts.Supervisor == nil {
		s.JSONError(w, r, http.StatusServiceUnavailable, web.ErrSupervisionOff.Code, web.ErrSupervisionOff.Key)
		return
	}
	out := []supervisionJSON{}
	var objs []store.AuditObject
	for _, sl := range s.Opts.Supervisor.Silent() {
		out = append(out, supervisionOf(s.Opts.Supervisor.State(sl.DeviceID)))
		objs = append(objs, store.AuditObject{Type: "device", ID: sl.DeviceID, Fields: "supervision,location"})
	}
	if err := s.DB.AuditReads(r.Context(), "device.list", objs); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"misses": s.Opts.Supervisor.Misses(), "devices": out})
}

// TestAlertMaxAge is how long a device may go without sending a test alert
// before it is flagged.
const TestAlertMaxAge = 30 * 24 * time.Hour

// apiDevicesUntested lists devices that have not sent a test alert in 30
// days (or since registration, never tested).
func (s *server) apiDevicesUntested(w http.ResponseWriter, r *http.Request) {
	if err := web.NewQuery(r.URL.Query()).Err(); err != nil {
		s.APIError(w, r, err)
		return
	}
	before := s.DB.Now().Add(-TestAlertMaxAge)
	ds, err := s.DB.UntestedDevices(r.Context(), before, 1000)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if ds == nil {
		ds = []store.UntestedDevice{}
	}
	objs := make([]store.AuditObject, len(ds))
	for i, d := range ds {
		objs[i] = store.AuditObject{Type: "device", ID: d.ID, Fields: "last_test_at"}
	}
	if err := s.DB.AuditReads(r.Context(), "device.list", objs); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"max_age_days": int(TestAlertMaxAge.Hours() / 24), "devices": ds})
}

// apiResponseTimes reports time to acknowledge, dispatch and resolve per
// federal entity and agency against the targets. Query: from, to (RFC 3339
// or YYYY-MM-DD), entity, include_tests.
func (s *server) apiResponseTimes(w http.ResponseWriter, r *http.Request) {
	q := web.NewQuery(r.URL.Query(), "from", "to", "entity", "include_tests")
	f := store.ResponseFilter{From: q.Time("from"), To: q.Time("to"), Entity: q.Entity("entity"), IncludeTests: q.Bool("include_tests")}
	if err := q.Err(); err != nil {
		s.APIError(w, r, err)
		return
	}
	rep, err := s.DB.ResponseTimes(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, rep)
}

// drillRequest starts drills.
type drillRequest struct {
	Devices []int64 `json:"devices"`
}

func (s *server) apiDrillStart(w http.ResponseWriter, r *http.Request) {
	if s.Opts.Drills == nil {
		s.JSONError(w, r, http.StatusServiceUnavailable, "unavailable", "error.drills_unavailable")
		return
	}
	var req drillRequest
	if err := web.DecodeBody(w, r, &req); err != nil {
		s.APIError(w, r, err)
		return
	}
	ds, err := s.Opts.Drills.Start(r.Context(), req.Devices)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusAccepted, map[string]any{"drills": ds})
}

func (s *server) apiDrillList(w http.ResponseWriter, r *http.Request) {
	q := web.NewQuery(r.URL.Query(), "device_id", "limit")
	device, limit := q.ID("device_id"), q.Int("limit", 200, 1, 1000)
	if err := q.Err(); err != nil {
		s.APIError(w, r, err)
		return
	}
	ds, err := s.DB.FindDrills(r.Context(), device, limit)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if ds == nil {
		ds = []*store.Drill{}
	}
	objs := make([]store.AuditObject, len(ds))
	for i, d := range ds {
		objs[i] = store.AuditObject{Type: "device", ID: d.DeviceID, Fields: "drill"}
	}
	if err := s.DB.AuditReads(r.Context(), "device.list", objs); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"drills": ds})
}

func (s *server) apiDrillShow(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r.PathValue("id"))
	if !ok {
		s.APIError(w, r, escudo.Errorf(escudo.ENOTFOUND, "error.drill_not_found"))
		return
	}
	d, err := s.DB.FindDrill(r.Context(), id)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, d)
}

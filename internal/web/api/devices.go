package api

import (
	"net/http"
	"strconv"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/web"
)

// deviceCreateRequest is the body of POST /api/v1/devices.
type deviceCreateRequest struct {
	PersonID          int64  `json:"person_id"`
	Kind              string `json:"kind"`
	Label             string `json:"label"`
	Auth              string `json:"auth"`
	Phone             string `json:"phone"`
	HeartbeatInterval string `json:"heartbeat_interval"` // "5m", "30s"
}

// deviceCreated shows the secret once.
type deviceCreated struct {
	Device *escudo.Device `json:"device"`
	Secret string         `json:"secret"`
}

func (s *server) apiDeviceCreate(w http.ResponseWriter, r *http.Request) {
	var in deviceCreateRequest
	if err := web.DecodeBody(w, r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	d := &escudo.Device{PersonID: in.PersonID, Kind: escudo.DeviceKind(in.Kind), Label: in.Label, Auth: escudo.DeviceAuth(in.Auth), Phone: in.Phone}
	if in.HeartbeatInterval != "" {
		iv, err := escudo.ParseDuration(in.HeartbeatInterval)
		if err != nil {
			s.APIError(w, r, escudo.ValidationErrors{escudo.FieldError("heartbeat_interval", "validation.duration", nil)})
			return
		}
		d.HeartbeatInterval = iv
	}
	secret, err := s.DB.CreateDevice(r.Context(), d)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	s.devices.Forget(d.ID)
	w.Header().Set("Location", "/api/v1/devices/"+strconv.FormatInt(d.ID, 10))
	web.WriteJSON(w, http.StatusCreated, deviceCreated{Device: d, Secret: secret})
}

func (s *server) apiDeviceShow(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r.PathValue("id"))
	if !ok {
		s.APINotFound(w, r)
		return
	}
	d, err := s.DB.FindDeviceByID(r.Context(), id)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if err := s.DB.AuditReads(r.Context(), "device.read", []store.AuditObject{{Type: "device", ID: d.ID, Fields: "kind,label,phone"}}); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, d)
}

func (s *server) apiDeviceList(w http.ResponseWriter, r *http.Request) {
	q := web.NewQuery(r.URL.Query(), "person_id")
	person := q.ID("person_id")
	if err := q.Err(); err != nil {
		s.APIError(w, r, err)
		return
	}
	f := escudo.DeviceFilter{PersonID: person}
	if entity, scoped := web.ListEntity(r); scoped {
		f.Entity = entity
	}
	ds, err := s.DB.FindDevicesWhere(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if ds == nil {
		ds = []*escudo.Device{}
	}
	objs := make([]store.AuditObject, len(ds))
	for i, d := range ds {
		objs[i] = store.AuditObject{Type: "device", ID: d.ID, Fields: "kind,label,phone"}
	}
	if err := s.DB.AuditReads(r.Context(), "device.list", objs); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"devices": ds})
}

func (s *server) apiDeviceDisable(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r.PathValue("id"))
	if !ok {
		s.APINotFound(w, r)
		return
	}
	if err := s.DB.SetDeviceDisabled(r.Context(), id, true); err != nil {
		s.APIError(w, r, err)
		return
	}
	s.devices.Forget(id)
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) alertsOr503(w http.ResponseWriter, r *http.Request) bool {
	if s.Opts.Alerts == nil {
		s.APIError(w, r, escudo.Errorf(escudo.EINTERNAL, "error.unavailable"))
		return false
	}
	return true
}

func (s *server) apiAlertList(w http.ResponseWriter, r *http.Request) {
	q := web.NewQuery(r.URL.Query(), "status", "entity", "limit")
	f := escudo.AlertFilter{Open: q.Choice("status", "open", "open", "all") == "open", Entity: q.Entity("entity"), Limit: q.Int("limit", 200, 1, 1000)}
	if err := q.Err(); err != nil {
		s.APIError(w, r, err)
		return
	}
	if entity, scoped := web.ListEntity(r); scoped {
		if f.Entity != "" && f.Entity != entity {
			web.WriteJSON(w, http.StatusOK, map[string]any{"alerts": []*escudo.Alert{}})
			return
		}
		f.Entity = entity
	}
	as, err := s.DB.FindAlerts(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if as == nil {
		as = []*escudo.Alert{}
	}
	objs := make([]store.AuditObject, len(as))
	for i, a := range as {
		objs[i] = store.AuditObject{Type: "alert", ID: a.ID, Fields: "type,status,location"}
	}
	if err := s.DB.AuditReads(r.Context(), "alert.list", objs); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"alerts": as})
}

// alertCreateRequest is a hotline call recorded by an operator.
type alertCreateRequest struct {
	PersonID  int64    `json:"person_id"`
	Type      string   `json:"type"`
	Note      string   `json:"note"`
	Lat       *float64 `json:"lat"`
	Lon       *float64 `json:"lon"`
	AccuracyM float64  `json:"accuracy_m"`
}

func (s *server) apiAlertCreate(w http.ResponseWriter, r *http.Request) {
	if !s.alertsOr503(w, r) {
		return
	}
	var in alertCreateRequest
	if err := web.DecodeBody(w, r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	ai, err := web.HotlineAlert(in.PersonID, in.Type, in.Note, in.Lat, in.Lon, in.AccuracyM)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	a, err := s.Opts.Alerts.Raise(r.Context(), ai)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/alerts/"+strconv.FormatInt(a.ID, 10))
	web.WriteJSON(w, http.StatusCreated, web.AlertAccepted{AlertID: a.ID, Status: a.Status, Duplicate: a.Duplicate})
}

func (s *server) apiAlertShow(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r.PathValue("id"))
	if !ok {
		s.APINotFound(w, r)
		return
	}
	if s.Opts.Alerts != nil {
		s.Opts.Alerts.AwaitStored(r.Context(), id) // paged before its commit ended
	}
	a, err := s.DB.FindAlertByID(r.Context(), id)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if err := s.DB.Audit(r.Context(), store.AuditEntry{Action: "alert.read", ObjectType: "alert", ObjectID: strconv.FormatInt(id, 10), Fields: "location,note"}); err != nil {
		s.APIError(w, r, err)
		return
	}
	if err := s.DB.AuditReads(r.Context(), "alert.read", []store.AuditObject{{Type: "alert", ID: a.ID, Fields: "type,status,location,note"}}); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, a)
}

func (s *server) apiAlertAcknowledge(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r.PathValue("id"))
	if !ok || !s.alertsOr503(w, r) {
		if !ok {
			s.APINotFound(w, r)
		}
		return
	}
	a, err := s.Opts.Alerts.Acknowledge(r.Context(), id)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, a)
}

type alertDispatchRequest struct {
	Agency string     `json:"agency"`
	Unit   string     `json:"unit"`
	At     *time.Time `json:"at"`
	Note   string     `json:"note"`
}

func (s *server) apiAlertDispatch(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r.PathValue("id"))
	if !ok || !s.alertsOr503(w, r) {
		if !ok {
			s.APINotFound(w, r)
		}
		return
	}
	var in alertDispatchRequest
	if err := web.DecodeBody(w, r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	d := escudo.Dispatch{Agency: in.Agency, Unit: in.Unit, Note: in.Note}
	if in.At != nil {
		d.At = *in.At
	}
	a, err := s.Opts.Alerts.Dispatch(r.Context(), id, d)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, a)
}

type alertResolveRequest struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

func (s *server) apiAlertResolve(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r.PathValue("id"))
	if !ok || !s.alertsOr503(w, r) {
		if !ok {
			s.APINotFound(w, r)
		}
		return
	}
	var in alertResolveRequest
	if err := web.DecodeBody(w, r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	a, err := s.Opts.Alerts.Resolve(r.Context(), id, escudo.AlertOutcome(in.Outcome), in.Note)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, a)
}

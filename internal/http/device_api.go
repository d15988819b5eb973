package http

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/store"
)

// Roles that handle alerts: duty operators, the coordination and follow-up.
var alertRoles = []escudo.Role{escudo.RoleDuty, escudo.RoleCoordinator, escudo.RoleFollowUp, escudo.RoleAdmin}

// registerDevices mounts the device API (authenticated per device), the SMS
// gateway webhook, the staff device registry and the alert-handling API.
func (s *Server) registerDevices() {
	s.devices = newDeviceAuth(s.db)
	s.mux.HandleFunc("POST /api/v1/devices/{id}/alerts", s.handleDeviceAlert)
	s.mux.HandleFunc("POST /api/v1/sms/inbound", s.handleSMSInbound)

	staff := s.alertStaff
	s.mux.HandleFunc("POST /api/v1/devices", staff(s.apiDeviceCreate))
	s.mux.HandleFunc("GET /api/v1/devices", staff(s.apiDeviceList))
	s.mux.HandleFunc("GET /api/v1/devices/{id}", staff(s.apiDeviceShow))
	s.mux.HandleFunc("POST /api/v1/devices/{id}/disable", staff(s.apiDeviceDisable))
	s.mux.HandleFunc("GET /api/v1/alerts", staff(s.apiAlertList))
	s.mux.HandleFunc("POST /api/v1/alerts", staff(s.apiAlertCreate))
	s.mux.HandleFunc("GET /api/v1/alerts/{id}", staff(s.apiAlertShow))
	s.mux.HandleFunc("POST /api/v1/alerts/{id}/acknowledge", staff(s.apiAlertAcknowledge))
	s.mux.HandleFunc("POST /api/v1/alerts/{id}/dispatch", staff(s.apiAlertDispatch))
	s.mux.HandleFunc("POST /api/v1/alerts/{id}/resolve", staff(s.apiAlertResolve))
	s.registerConsole()
}

// readDeviceBody reads at most escudo.MaxDeviceBody bytes. Devices are
// small clients: the content type is not insisted on.
func readDeviceBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &escudo.Error{Code: escudo.EINVALID, Key: "error.body_too_large", Args: map[string]any{"Max": limit}}
		}
		return nil, escudo.Errorf(escudo.EINVALID, "error.body_unreadable")
	}
	return b, nil
}

// auditDeviceRefusal records a refused device or gateway request with its
// reason (the error's key) and never its content.
func (s *Server) auditDeviceRefusal(r *http.Request, objectType, objectID string, err error) {
	ctx := context.WithoutCancel(r.Context())
	if aerr := s.db.Audit(ctx, store.AuditEntry{Action: objectType + ".refused", ObjectType: objectType, ObjectID: objectID,
		Fields: escudo.ErrorKey(err), Outcome: store.OutcomeDenied}); aerr != nil {
		s.log.Error("audit device refusal", "err", aerr)
	}
}

// deviceAlertAccepted is the answer to a device: sent only after the alert
// is durably committed.
type deviceAlertAccepted struct {
	AlertID   int64              `json:"alert_id"`
	Status    escudo.AlertStatus `json:"status"`
	Duplicate bool               `json:"duplicate,omitempty"`
	Flags     []string           `json:"flags,omitempty"`
}

// handleDeviceAlert answers POST /api/v1/devices/{id}/alerts.
func (s *Server) handleDeviceAlert(w http.ResponseWriter, r *http.Request) {
	received := s.db.Now()
	if s.opts.Alerts == nil {
		s.apiError(w, r, escudo.Errorf(escudo.EINTERNAL, "error.unavailable"))
		return
	}
	body, err := readDeviceBody(w, r, escudo.MaxDeviceBody)
	if err != nil {
		s.auditDeviceRefusal(r, "device", r.PathValue("id"), err)
		s.apiError(w, r, err)
		return
	}
	d, err := s.authenticateDevice(r, body)
	if err != nil {
		s.auditDeviceRefusal(r, "device", r.PathValue("id"), err)
		s.apiError(w, r, err)
		return
	}
	in, err := escudo.DecodeDeviceAlert(body, received)
	if err != nil {
		s.auditDeviceRefusal(r, "device", r.PathValue("id"), err)
		s.apiError(w, r, err)
		return
	}
	in.DeviceID, in.PersonID = d.ID, d.PersonID
	a, err := s.opts.Alerts.Submit(r.Context(), in, d.Entity)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, deviceAlertAccepted{AlertID: a.ID, Status: a.Status, Duplicate: a.Duplicate, Flags: in.Flags})
}

// handleSMSInbound answers the SMS gateway's webhook (docs/sms-webhook.md):
// a form with from, body and optionally id, signed like device requests
// with the gateway's secret over the raw form body.
func (s *Server) handleSMSInbound(w http.ResponseWriter, r *http.Request) {
	received := s.db.Now()
	if s.opts.Alerts == nil || len(s.opts.SMSGatewaySecret) == 0 {
		s.auditDeviceRefusal(r, "sms", "", escudo.Errorf(escudo.EUNAUTHORIZED, "error.sms_disabled"))
		s.apiError(w, r, escudo.Errorf(escudo.EUNAUTHORIZED, "error.sms_disabled"))
		return
	}
	body, err := readDeviceBody(w, r, 16<<10)
	if err != nil {
		s.auditDeviceRefusal(r, "sms", "", err)
		s.apiError(w, r, err)
		return
	}
	if _, _, err := escudo.VerifySignature(s.opts.SMSGatewaySecret, r.Header.Get(escudo.SignatureHeader), body, received); err != nil {
		s.auditDeviceRefusal(r, "sms", "", err)
		s.apiError(w, r, err)
		return
	}
	msg, err := decodeSMSForm(body)
	if err != nil {
		s.auditDeviceRefusal(r, "sms", "", err)
		s.apiError(w, r, err)
		return
	}
	d, err := s.db.FindDeviceByPhone(r.Context(), msg.From)
	if err != nil {
		if escudo.ErrorCode(err) != escudo.ENOTFOUND {
			s.apiError(w, r, err)
			return
		}
		// A person in danger may write from a number we do not know: the
		// duty operators still see it, and the gateway is not asked to retry.
		s.auditDeviceRefusal(r, "sms", "", escudo.Errorf(escudo.ENOTFOUND, "error.sms_unknown_sender"))
		if err := s.db.NotifyUnknownSMS(r.Context(), msg.From, msg.Body); err != nil {
			s.apiError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "unknown_sender"})
		return
	}
	in := escudo.AlertInput{DeviceID: d.ID, PersonID: d.PersonID, Type: msg.Alert.Type, Source: escudo.SourceSMS,
		ReceivedAt: received, Location: msg.Alert.Location, Flags: msg.Alert.Flags, Note: msg.Body, MessageID: msg.ID}
	a, err := s.opts.Alerts.Submit(r.Context(), in, d.Entity)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, deviceAlertAccepted{AlertID: a.ID, Status: a.Status, Duplicate: a.Duplicate, Flags: in.Flags})
}

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

func (s *Server) apiDeviceCreate(w http.ResponseWriter, r *http.Request) {
	var in deviceCreateRequest
	if err := decodeBody(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	d := &escudo.Device{PersonID: in.PersonID, Kind: escudo.DeviceKind(in.Kind), Label: in.Label, Auth: escudo.DeviceAuth(in.Auth), Phone: in.Phone}
	if in.HeartbeatInterval != "" {
		iv, err := escudo.ParseDuration(in.HeartbeatInterval)
		if err != nil {
			s.apiError(w, r, escudo.ValidationErrors{escudo.FieldError("heartbeat_interval", "validation.duration", nil)})
			return
		}
		d.HeartbeatInterval = iv
	}
	secret, err := s.db.CreateDevice(r.Context(), d)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.devices.forget(d.ID)
	w.Header().Set("Location", "/api/v1/devices/"+strconv.FormatInt(d.ID, 10))
	writeJSON(w, http.StatusCreated, deviceCreated{Device: d, Secret: secret})
}

func (s *Server) apiDeviceShow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r.PathValue("id"))
	if !ok {
		s.apiNotFound(w, r)
		return
	}
	d, err := s.db.FindDeviceByID(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) apiDeviceList(w http.ResponseWriter, r *http.Request) {
	var person int64
	if v := r.URL.Query().Get("person_id"); v != "" {
		var ok bool
		if person, ok = pathID(v); !ok {
			s.apiError(w, r, escudo.ValidationErrors{escudo.FieldError("person_id", "validation.number", nil)})
			return
		}
	}
	ds, err := s.db.FindDevices(r.Context(), person)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if ds == nil {
		ds = []*escudo.Device{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": ds})
}

func (s *Server) apiDeviceDisable(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r.PathValue("id"))
	if !ok {
		s.apiNotFound(w, r)
		return
	}
	if err := s.db.SetDeviceDisabled(r.Context(), id, true); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.devices.forget(id)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) alertsOr503(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.Alerts == nil {
		s.apiError(w, r, escudo.Errorf(escudo.EINTERNAL, "error.unavailable"))
		return false
	}
	return true
}

func (s *Server) apiAlertList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := escudo.AlertFilter{Open: q.Get("status") != "all", Entity: q.Get("federal_entity")}
	if v := q.Get("limit"); v != "" {
		f.Limit, _ = strconv.Atoi(v)
	}
	as, err := s.db.FindAlerts(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if as == nil {
		as = []*escudo.Alert{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": as})
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

func (s *Server) apiAlertCreate(w http.ResponseWriter, r *http.Request) {
	if !s.alertsOr503(w, r) {
		return
	}
	var in alertCreateRequest
	if err := decodeBody(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	ai, err := hotlineInput(in.PersonID, in.Type, in.Note, in.Lat, in.Lon, in.AccuracyM)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	a, err := s.opts.Alerts.Raise(r.Context(), ai)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/alerts/"+strconv.FormatInt(a.ID, 10))
	writeJSON(w, http.StatusCreated, deviceAlertAccepted{AlertID: a.ID, Status: a.Status, Duplicate: a.Duplicate})
}

// hotlineInput validates an operator's record of a call.
func hotlineInput(person int64, typ, note string, lat, lon *float64, acc float64) (escudo.AlertInput, error) {
	var v escudo.ValidationErrors
	in := escudo.AlertInput{PersonID: person, Type: escudo.AlertType(typ), Source: escudo.SourceHotline, Note: strings.TrimSpace(note)}
	if person <= 0 {
		v.Add("person_id", "validation.required", nil)
	}
	switch in.Type {
	case "":
		in.Type = escudo.AlertCall
	case escudo.AlertCall, escudo.AlertPanic, escudo.AlertAlarm, escudo.AlertTest:
	default:
		v.Add("type", "validation.choice", nil)
	}
	if len(in.Note) > escudo.MaxLongText {
		v.Add("note", "validation.too_long", map[string]any{"Max": escudo.MaxLongText})
	}
	if (lat == nil) != (lon == nil) {
		v.Add("lat", "validation.coordinates", nil)
	} else if lat != nil {
		if *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180 {
			v.Add("lat", "validation.coordinates", nil)
		} else {
			in.Location = &escudo.Location{Lat: *lat, Lon: *lon, AccuracyM: max(acc, 0)}
		}
	}
	return in, v.Err()
}

func (s *Server) apiAlertShow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r.PathValue("id"))
	if !ok {
		s.apiNotFound(w, r)
		return
	}
	if s.opts.Alerts != nil {
		s.opts.Alerts.AwaitStored(r.Context(), id) // paged before its commit ended
	}
	a, err := s.db.FindAlertByID(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.db.Audit(r.Context(), store.AuditEntry{Action: "alert.read", ObjectType: "alert", ObjectID: strconv.FormatInt(id, 10), Fields: "location,note"}); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) apiAlertAcknowledge(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r.PathValue("id"))
	if !ok || !s.alertsOr503(w, r) {
		if !ok {
			s.apiNotFound(w, r)
		}
		return
	}
	a, err := s.opts.Alerts.Acknowledge(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

type alertDispatchRequest struct {
	Agency string     `json:"agency"`
	Unit   string     `json:"unit"`
	At     *time.Time `json:"at"`
	Note   string     `json:"note"`
}

func (s *Server) apiAlertDispatch(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r.PathValue("id"))
	if !ok || !s.alertsOr503(w, r) {
		if !ok {
			s.apiNotFound(w, r)
		}
		return
	}
	var in alertDispatchRequest
	if err := decodeBody(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	d := escudo.Dispatch{Agency: in.Agency, Unit: in.Unit, Note: in.Note}
	if in.At != nil {
		d.At = *in.At
	}
	a, err := s.opts.Alerts.Dispatch(r.Context(), id, d)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

type alertResolveRequest struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

func (s *Server) apiAlertResolve(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r.PathValue("id"))
	if !ok || !s.alertsOr503(w, r) {
		if !ok {
			s.apiNotFound(w, r)
		}
		return
	}
	var in alertResolveRequest
	if err := decodeBody(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	a, err := s.opts.Alerts.Resolve(r.Context(), id, escudo.AlertOutcome(in.Outcome), in.Note)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// alertStaff admits signed-in staff whose role handles alerts and devices.
func (s *Server) alertStaff(h http.HandlerFunc) http.HandlerFunc {
	return s.apiStaff(func(w http.ResponseWriter, r *http.Request) {
		if !hasRole(escudo.UserFromContext(r.Context()), alertRoles) {
			s.apiError(w, r, escudo.Errorf(escudo.EFORBIDDEN, "error.forbidden"))
			return
		}
		h(w, r)
	})
}

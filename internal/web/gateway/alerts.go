package gateway

import (
	"errors"
	"io"
	"net/http"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/web"
)

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
// reason (the error's key) and never its content. The caller is not
// authenticated, so the refusal is counted per source, device and reason and
// written as one aggregated entry per interval: a flood costs bounded rows
// and never waits for the database on the alert path.
func (s *server) auditDeviceRefusal(r *http.Request, objectType, objectID string, err error) {
	s.DB.AuditRefusal(r.Context(), store.AuditEntry{Action: objectType + ".refused", ObjectType: objectType, ObjectID: objectID,
		Fields: escudo.ErrorKey(err), Outcome: store.OutcomeDenied})
}

// handleDeviceAlert answers POST /api/v1/devices/{id}/alerts.
func (s *server) handleDeviceAlert(w http.ResponseWriter, r *http.Request) {
	received := s.DB.Now()
	if s.Opts.Alerts == nil {
		s.APIError(w, r, escudo.Errorf(escudo.EINTERNAL, "error.unavailable"))
		return
	}
	body, err := readDeviceBody(w, r, escudo.MaxDeviceBody)
	if err != nil {
		s.auditDeviceRefusal(r, "device", r.PathValue("id"), err)
		s.APIError(w, r, err)
		return
	}
	d, sig, err := s.authenticateSigned(r, body)
	if err == nil && sig != nil {
		// The node's own memory caught replays to it; this catches one
		// sent to another node, or to this one after a restart.
		err = s.DB.RememberSignature(r.Context(), d.ID, sig.at, sig.mac)
	}
	if err != nil {
		s.auditDeviceRefusal(r, "device", r.PathValue("id"), err)
		s.APIError(w, r, err)
		return
	}
	in, err := escudo.DecodeDeviceAlert(body, received)
	if err != nil {
		s.auditDeviceRefusal(r, "device", r.PathValue("id"), err)
		s.APIError(w, r, err)
		return
	}
	in.DeviceID, in.PersonID = d.ID, d.PersonID
	a, err := s.Opts.Alerts.Submit(r.Context(), in, d.Entity)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusAccepted, web.AlertAccepted{AlertID: a.ID, Status: a.Status, Duplicate: a.Duplicate, Flags: in.Flags})
}

// handleSMSInbound answers the SMS gateway's webhook (docs/sms-webhook.md):
// a form with from, body and optionally id, signed like device requests
// with the gateway's secret over the raw form body.
func (s *server) handleSMSInbound(w http.ResponseWriter, r *http.Request) {
	received := s.DB.Now()
	if s.Opts.Alerts == nil || len(s.Opts.SMSGatewaySecret) == 0 {
		s.auditDeviceRefusal(r, "sms", "", escudo.Errorf(escudo.EUNAUTHORIZED, "error.sms_disabled"))
		s.APIError(w, r, escudo.Errorf(escudo.EUNAUTHORIZED, "error.sms_disabled"))
		return
	}
	body, err := readDeviceBody(w, r, 16<<10)
	if err != nil {
		s.auditDeviceRefusal(r, "sms", "", err)
		s.APIError(w, r, err)
		return
	}
	at, mac, err := escudo.VerifySignature(s.Opts.SMSGatewaySecret, r.Header.Get(escudo.SignatureHeader), body, received)
	if err == nil {
		// The gateway's signatures are remembered across nodes like a
		// device's (device id 0): a captured message cannot be sent again.
		err = s.DB.RememberSignature(r.Context(), 0, at, mac)
	}
	if err != nil {
		s.auditDeviceRefusal(r, "sms", "", err)
		s.APIError(w, r, err)
		return
	}
	msg, err := decodeSMSForm(body)
	if err != nil {
		s.auditDeviceRefusal(r, "sms", "", err)
		s.APIError(w, r, err)
		return
	}
	d, err := s.DB.FindDeviceByPhone(r.Context(), msg.From)
	if err != nil {
		if escudo.ErrorCode(err) != escudo.ENOTFOUND {
			s.APIError(w, r, err)
			return
		}
		// A person in danger may write from a number we do not know: the
		// duty operators still see it, and the gateway is not asked to retry.
		s.auditDeviceRefusal(r, "sms", "", escudo.Errorf(escudo.ENOTFOUND, "error.sms_unknown_sender"))
		if err := s.DB.NotifyUnknownSMS(r.Context(), msg.From, msg.Body); err != nil {
			s.APIError(w, r, err)
			return
		}
		web.WriteJSON(w, http.StatusOK, map[string]string{"status": "unknown_sender"})
		return
	}
	in := escudo.AlertInput{DeviceID: d.ID, PersonID: d.PersonID, Type: msg.Alert.Type, Source: escudo.SourceSMS,
		ReceivedAt: received, Location: msg.Alert.Location, Flags: msg.Alert.Flags, Note: msg.Body, MessageID: msg.ID}
	a, err := s.Opts.Alerts.Submit(r.Context(), in, d.Entity)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusAccepted, web.AlertAccepted{AlertID: a.ID, Status: a.Status, Duplicate: a.Duplicate, Flags: in.Flags})
}

package gateway

import (
	"errors"
	"io"
	"net/http"
	"sync"

	"escudo"
	"escudo/internal/heartbeat"
	"escudo/internal/web"
)

// interval, so the endpoint reads into pooled memory.
var beatBuffers = sync.Pool{New: func() any { b := make([]byte, heartbeat.MaxBody+1); return &b }}

// handleDeviceHeartbeat records a heartbeat in memory (no database write:
// the supervisor persists in batches) and answers 204.
//
// The path is kept allocation-light, as every device posts one every
// interval: the body goes into a pooled buffer, the credential comes from
// the cache in credentials.go (revalidated in the background), and
// heartbeat.Decode scans the body without reflection.
func (s *server) handleDeviceHeartbeat(w http.ResponseWriter, r *http.Request) {
	sup := s.Opts.Supervisor
	if sup == nil {
		w.Header().Set("Retry-After", "30")
		s.JSONError(w, r, http.StatusServiceUnavailable, web.ErrSupervisionOff.Code, web.ErrSupervisionOff.Key)
		return
	}
	bp := beatBuffers.Get().(*[]byte)
	defer beatBuffers.Put(bp)
	body, err := readSmall(r.Body, *bp)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	dev, err := s.authenticateDevice(r, body)
	if err != nil {
		if code := escudo.ErrorCode(err); code == escudo.EUNAUTHORIZED || code == escudo.EINVALID {
			s.auditDeviceRefusal(r, "heartbeat", r.PathValue("id"), err)
		}
		s.APIError(w, r, err)
		return
	}
	beat, err := heartbeat.Decode(body)
	if err != nil {
		err = escudo.Errorf(escudo.EINVALID, "error.heartbeat_malformed")
		s.auditDeviceRefusal(r, "heartbeat", r.PathValue("id"), err)
		s.APIError(w, r, err)
		return
	}
	now := s.DB.Now()
	if err := sup.Record(dev.ID, now.UnixNano(), beat); errors.Is(err, heartbeat.ErrUnsupervised) {
		// Registered since the supervisor last read the registry.
		if err := sup.Supervise(heartbeat.Device{ID: dev.ID, Interval: dev.HeartbeatInterval, Registered: dev.CreatedAt}, now); err != nil {
			s.APIError(w, r, err)
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

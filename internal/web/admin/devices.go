package admin

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/web"
)

// deviceRow is one device as the list shows it: the person by the folio of
// their case, never an internal number, and its supervision.
type deviceRow struct {
	*store.DeviceRow
	Silent bool
}

type devicesData struct {
	Devices []*deviceRow
	Silent  int
	Kinds   []escudo.DeviceKind
	Auths   []escudo.DeviceAuth
	// Created is the device just registered, with its secret, shown on
	// this one answer only.
	Created *createdDevice
}

// createdDevice is a device just registered, its folio and its secret.
type createdDevice struct {
	*escudo.Device
	Reference, Secret string
}

// maxDevicesShown bounds the list; the API pages through more.
const maxDevicesShown = 500

// handleDevices lists the panic devices with their last heartbeat, silent
// ones first, and the form that registers one.
func (s *server) handleDevices(w http.ResponseWriter, r *http.Request) {
	s.renderDevices(w, r, http.StatusOK, s.NewPage(r, "devices.title", nil), nil)
}

func (s *server) renderDevices(w http.ResponseWriter, r *http.Request, status int, p *web.Page, created *createdDevice) {
	ds, err := s.DB.DeviceList(r.Context(), maxDevicesShown)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	d := &devicesData{Kinds: escudo.DeviceKinds, Auths: []escudo.DeviceAuth{escudo.AuthToken, escudo.AuthHMAC}, Created: created}
	var silent, others []*deviceRow
	for _, dev := range ds {
		row := &deviceRow{DeviceRow: dev, Silent: dev.SilentSince != nil}
		// The supervisor in memory knows of heartbeats not yet written.
		if sup := s.Opts.Supervisor; sup != nil {
			if st := sup.State(dev.ID); st.Supervised {
				row.LastSeen, row.Silent, row.Battery = st.LastSeen, st.Silent, st.Battery
			}
		}
		// Three intervals and a margin without a heartbeat is silent, as
		// the supervisor counts it, even before its next check says so.
		if !row.LastSeen.IsZero() && p.Now.Sub(row.LastSeen) > 3*dev.HeartbeatInterval+5*time.Second {
			row.Silent = true
		}
		if row.Silent && !dev.Disabled {
			silent = append(silent, row)
		} else {
			others = append(others, row)
		}
	}
	d.Silent = len(silent)
	d.Devices = append(silent, others...)
	p.Data = d
	s.PopFlash(r, p)
	s.Render(w, r, status, "devices", p)
}

// handleDeviceCreate registers a device for the person whose case carries
// the folio typed; its secret is shown on the answer and never again.
func (s *server) handleDeviceCreate(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	d := &escudo.Device{Kind: escudo.DeviceKind(f.Get("kind")), Auth: escudo.DeviceAuth(f.Get("auth")),
		Label: strings.TrimSpace(f.Get("label")), Phone: strings.TrimSpace(f.Get("phone"))}
	var verrs escudo.ValidationErrors
	minutes, err := strconv.Atoi(strings.TrimSpace(f.Get("heartbeat_interval")))
	if err != nil || minutes <= 0 {
		verrs.Add("heartbeat_interval", "validation.number", nil)
	} else {
		d.HeartbeatInterval = time.Duration(minutes) * time.Minute
	}
	personID, _, err := s.DB.PersonByReference(r.Context(), f.Get("reference"))
	if v, ok := escudo.AsValidation(err); ok {
		verrs = append(verrs, v...)
	} else if err != nil {
		s.ServerError(w, r, err)
		return
	}
	d.PersonID = personID
	if len(verrs) == 0 {
		if err := d.Validate(); err != nil {
			v, _ := escudo.AsValidation(err)
			verrs = append(verrs, v...)
		}
	}
	var secret string
	if len(verrs) == 0 {
		secret, err = s.DB.CreateDevice(r.Context(), d)
		if v, ok := escudo.AsValidation(err); ok {
			verrs = append(verrs, v...)
		} else if err != nil {
			s.ServerError(w, r, err)
			return
		}
	}
	p := s.NewPage(r, "devices.title", nil)
	if len(verrs) > 0 {
		p.Form = f
		p.SetErrors("", verrs.Err())
		s.renderDevices(w, r, http.StatusBadRequest, p, nil)
		return
	}
	p.Flash = p.L.T("devices.done_create")
	s.renderDevices(w, r, http.StatusCreated, p, &createdDevice{Device: d, Reference: store.NormalizeReference(f.Get("reference")), Secret: secret})
}

// deviceState disables or enables a device: a disabled device's alerts and
// heartbeats are refused, so a lost or stolen button cannot raise alarms.
func (s *server) deviceState(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := web.PathID(r.PathValue("id"))
		if !ok {
			s.RenderError(w, r, http.StatusNotFound, "error.device_not_found")
			return
		}
		if err := s.DB.SetDeviceDisabled(r.Context(), id, disabled); err != nil {
			s.ErrorPage(w, r, err)
			return
		}
		key := "devices.done_enable"
		if disabled {
			key = "devices.done_disable"
		}
		s.Flash(r, key)
		http.Redirect(w, r, "/devices", http.StatusSeeOther)
	}
}

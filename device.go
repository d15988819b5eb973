package escudo

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// DeviceKind is the kind of equipment bound to a beneficiary.
type DeviceKind string

const (
	DevicePanicButton    DeviceKind = "panic_button"
	DeviceSatellitePhone DeviceKind = "satellite_phone"
	DeviceAlarmPanel     DeviceKind = "alarm_panel"
	DeviceCamera         DeviceKind = "camera"
	DevicePhone          DeviceKind = "phone" // the beneficiary's phone (any HTTP client)
)

// DeviceKinds lists every kind.
var DeviceKinds = []DeviceKind{DevicePanicButton, DeviceSatellitePhone, DeviceAlarmPanel, DeviceCamera, DevicePhone}

// DeviceAuth is how a device proves who it is.
type DeviceAuth string

const (
	// AuthToken: "Authorization: Bearer <secret>" over TLS.
	AuthToken DeviceAuth = "token"
	// AuthHMAC: header X-Escudo-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>.
	AuthHMAC DeviceAuth = "hmac"
)

// SignatureHeader carries the HMAC signature of device requests and of the
// webhooks escudo sends.
const SignatureHeader = "X-Escudo-Signature"

// SignatureTolerance is how far a signed timestamp may be from the server's
// clock before the request is refused as stale.
const SignatureTolerance = 5 * time.Minute

// Device is a supervised panic button, satellite phone, alarm panel, camera
// or phone bound to a beneficiary. Its secret is shown once at creation and
// stored only as a MAC (tokens) or sealed (HMAC keys).
type Device struct {
	ID                int64         `json:"id"`
	Kind              DeviceKind    `json:"kind"`
	PersonID          int64         `json:"person_id"`
	Label             string        `json:"label,omitempty"`
	Auth              DeviceAuth    `json:"auth"`
	Phone             string        `json:"phone,omitempty"` // sensitive: SIM number, for SMS alerts
	HeartbeatInterval time.Duration `json:"heartbeat_interval"`
	Disabled          bool          `json:"disabled"`
	LastTestAt        *time.Time    `json:"last_test_at,omitempty"`
	LastAlertAt       *time.Time    `json:"last_alert_at,omitempty"`
	CreatedAt         time.Time     `json:"created_at"`
	// Entity is the beneficiary's federal entity, filled on reads for routing.
	Entity string `json:"federal_entity,omitempty"`
}

// Heartbeat interval bounds.
const (
	MinHeartbeatInterval     = 5 * time.Second
	MaxHeartbeatInterval     = 24 * time.Hour
	DefaultHeartbeatInterval = 5 * time.Minute
)

// ValidDeviceKind reports whether k is a known kind.
func ValidDeviceKind(k DeviceKind) bool {
	for _, x := range DeviceKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Validate checks a device before it is registered.
func (d *Device) Validate() error {
	var v ValidationErrors
	if !ValidDeviceKind(d.Kind) {
		v.Add("kind", "validation.choice", nil)
	}
	if d.PersonID <= 0 {
		v.Add("person_id", "validation.required", nil)
	}
	switch d.Auth {
	case "":
		d.Auth = AuthToken
	case AuthToken, AuthHMAC:
	default:
		v.Add("auth", "validation.choice", nil)
	}
	if d.HeartbeatInterval == 0 {
		d.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if d.HeartbeatInterval < MinHeartbeatInterval || d.HeartbeatInterval > MaxHeartbeatInterval {
		v.Add("heartbeat_interval", "validation.range", map[string]any{"Min": MinHeartbeatInterval.String(), "Max": MaxHeartbeatInterval.String()})
	}
	d.Label = strings.TrimSpace(d.Label)
	checkText(&v, "label", d.Label, MaxShortText)
	if d.Phone != "" && !validPhone(d.Phone) {
		v.Add("phone", "validation.phone", nil)
	}
	return v.Err()
}

// PhoneKey is the form of a phone number used to match an SMS sender to a
// device: digits only, the last ten (Mexican national numbers), so
// "+52 951 123 4567" and "9511234567" match.
func PhoneKey(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	if len(b) > 10 {
		b = b[len(b)-10:]
	}
	return string(b)
}

// Sign returns the X-Escudo-Signature value for body at time t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(signatureMAC(secret, ts, body))
}

func signatureMAC(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// ParseSignature splits a signature header into its timestamp and MAC.
func ParseSignature(h string) (t time.Time, mac []byte, err error) {
	bad := Errorf(EUNAUTHORIZED, "error.device_signature")
	if len(h) > 512 {
		return time.Time{}, nil, bad
	}
	var ts string
	for _, part := range strings.Split(h, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return time.Time{}, nil, bad
		}
		switch k {
		case "t":
			ts = val
		case "v1":
			if mac, err = hex.DecodeString(val); err != nil || len(mac) != sha256.Size {
				return time.Time{}, nil, bad
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || mac == nil || sec <= 0 || sec > 1<<40 {
		return time.Time{}, nil, bad
	}
	return time.Unix(sec, 0).UTC(), mac, nil
}

// VerifySignature checks a signature header against body at now: the MAC
// must match and the timestamp must be within SignatureTolerance. Replays are
// the caller's concern (it remembers the signatures it accepted).
func VerifySignature(secret []byte, header string, body []byte, now time.Time) (time.Time, []byte, error) {
	t, mac, err := ParseSignature(header)
	if err != nil {
		return t, nil, err
	}
	want := signatureMAC(secret, strconv.FormatInt(t.Unix(), 10), body)
	if !hmac.Equal(mac, want) {
		return t, nil, Errorf(EUNAUTHORIZED, "error.device_signature")
	}
	if d := now.Sub(t); d > SignatureTolerance || d < -SignatureTolerance {
		return t, nil, Errorf(EUNAUTHORIZED, "error.device_stale")
	}
	return t, mac, nil
}

// DeviceService manages the device registry.
type DeviceService interface {
	// CreateDevice registers d and returns its secret, shown only once.
	CreateDevice(ctx context.Context, d *Device) (secret string, err error)
	FindDeviceByID(ctx context.Context, id int64) (*Device, error)
	FindDevices(ctx context.Context, personID int64) ([]*Device, error)
	SetDeviceDisabled(ctx context.Context, id int64, disabled bool) error
}

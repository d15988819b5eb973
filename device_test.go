package escudo_test

import (
	"testing"
	"time"

	"escudo"
)

// A device is registered only with a known kind, a beneficiary, a known
// way to authenticate, a heartbeat interval within bounds (ends included)
// and, when given, a phone number; the authentication and the interval
// have defaults.
func TestDeviceValidate(t *testing.T) {
	ok := func() *escudo.Device { return &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: 1} }
	d := ok()
	d.Label = "  botón de la cocina "
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if d.Auth != escudo.AuthToken || d.HeartbeatInterval != escudo.DefaultHeartbeatInterval || d.Label != "botón de la cocina" {
		t.Fatalf("defaults: %+v", d)
	}
	tests := []struct {
		name  string
		edit  func(*escudo.Device)
		field string // "" when valid
	}{
		{"signed requests", func(d *escudo.Device) { d.Auth = escudo.AuthHMAC }, ""},
		{"unknown authentication", func(d *escudo.Device) { d.Auth = "password" }, "auth"},
		{"unknown kind", func(d *escudo.Device) { d.Kind = "drone" }, "kind"},
		{"no beneficiary", func(d *escudo.Device) { d.PersonID = 0 }, "person_id"},
		{"shortest interval", func(d *escudo.Device) { d.HeartbeatInterval = escudo.MinHeartbeatInterval }, ""},
		{"below the shortest", func(d *escudo.Device) { d.HeartbeatInterval = escudo.MinHeartbeatInterval - time.Millisecond }, "heartbeat_interval"},
		{"longest interval", func(d *escudo.Device) { d.HeartbeatInterval = escudo.MaxHeartbeatInterval }, ""},
		{"above the longest", func(d *escudo.Device) { d.HeartbeatInterval = escudo.MaxHeartbeatInterval + time.Millisecond }, "heartbeat_interval"},
		{"phone", func(d *escudo.Device) { d.Phone = "+52 951 123 4567" }, ""},
		{"not a phone", func(d *escudo.Device) { d.Phone = "llámame" }, "phone"},
	}
	for _, tt := range tests {
		d := ok()
		tt.edit(d)
		err := d.Validate()
		v, _ := escudo.AsValidation(err)
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		case tt.field != "" && (len(v) != 1 || v[0].Field != tt.field):
			t.Errorf("%s: %v, want one error on %s", tt.name, err, tt.field)
		}
	}
}

// An SMS sender matches its device by the last ten digits, whatever the
// formatting and country code.
func TestPhoneKey(t *testing.T) {
	for in, want := range map[string]string{
		"+52 951 123 4567": "9511234567",
		"9511234567":       "9511234567",
		"(951) 123-4567":   "9511234567",
		"044 951 123 4567": "9511234567",
		"123":              "123",
		"":                 "",
	} {
		if got := escudo.PhoneKey(in); got != want {
			t.Errorf("PhoneKey(%q) = %q, want %q", in, got, want)
		}
	}
}

package escudo

import (
	"math"
	"strings"
	"testing"
)

func TestParseCoordinates(t *testing.T) {
	for _, tt := range []struct {
		in       string
		lat, lon float64
		ok       bool
	}{
		{"17.0654,-96.7237", 17.0654, -96.7237, true},
		{" 17.0654, -96.7237 ", 17.0654, -96.7237, true},
		{"-90,180", -90, 180, true},
		{"90.0001,0", 0, 0, false},
		{"0,-180.5", 0, 0, false},
		{"17.0654", 0, 0, false},
		{"NaN,0", 0, 0, false},
		{"1e400,0", 0, 0, false},
		{"17,0654;-96", 0, 0, false},
		{"", 0, 0, false},
		{strings.Repeat("1", 70) + ",1", 0, 0, false},
	} {
		lat, lon, err := ParseCoordinates(tt.in)
		if (err == nil) != tt.ok || tt.ok && (lat != tt.lat || lon != tt.lon) {
			t.Errorf("ParseCoordinates(%q) = %v, %v, %v", tt.in, lat, lon, err)
		}
	}
}

// Whatever is typed, ParseCoordinates either refuses it or returns a point
// on the globe that FormatCoordinates writes back in a form it reads again.
func FuzzParseCoordinates(f *testing.F) {
	for _, s := range []string{"17.0654,-96.7237", "-90,180", "1e3,2", "0x1p-2,3", "Inf,0", ",", "1,,2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lat, lon, err := ParseCoordinates(s)
		if err != nil {
			return
		}
		if math.IsNaN(lat) || math.IsNaN(lon) || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
			t.Fatalf("%q parsed to %v,%v", s, lat, lon)
		}
		again, lon2, err := ParseCoordinates(FormatCoordinates(lat, lon))
		if err != nil || math.Abs(again-lat) > 1e-6 || math.Abs(lon2-lon) > 1e-6 {
			t.Fatalf("%q → %s does not read back: %v", s, FormatCoordinates(lat, lon), err)
		}
	})
}

func TestSafeHouseRequestValidate(t *testing.T) {
	r := &SafeHouseRequest{CaseID: 1, People: 2, Urgency: UrgencyDays, Needs: []SafeHouseNeed{NeedChildren, NeedChildren}}
	v, _ := AsValidation(r.Validate())
	if len(v) != 1 || v[0].Field != "needs" {
		t.Fatalf("a need named twice: %v", v)
	}
	r.Needs = []SafeHouseNeed{NeedChildren, NeedPets}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	h := &SafeHouse{Name: "Casa", Address: "Calle 1", Capacity: MaxSafeHouseCapacity + 1}
	if v, _ := AsValidation(h.Validate()); len(v) != 1 || v[0].Field != "capacity" {
		t.Fatalf("capacity over the bound: %v", v)
	}
}

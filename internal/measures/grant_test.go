package measures_test

import (
	"testing"

	"escudo"
	"escudo/internal/measures"
)

func TestDefaultCatalogueDetails(t *testing.T) {
	c := measures.Default()
	if c.Version != 2 {
		t.Errorf("version %d", c.Version)
	}
	for _, id := range []string{"evacuation", "temporary_relocation", "escort", "building_protection", "panic_button", "mobile_phone", "radio",
		"satellite_phone", "cameras", "locks", "lighting", "alarm", "body_armour", "metal_detector", "armoured_vehicle", "police_rounds",
		"self_protection_training", "manuals", "observers", "psychosocial_support", "safe_house"} {
		if m, ok := c.Find(id); !ok || m.Retired {
			t.Errorf("%s missing or retired", id)
		}
	}
	v, _ := c.Find("armoured_vehicle")
	if d, ok := v.Detail("plate"); !ok || !d.Sealed || d.Format != measures.FormatPlate || d.Label.In("en") != "Plate" {
		t.Errorf("vehicle plate: %+v", d)
	}
	p, _ := c.Find("satellite_phone")
	if d, ok := p.Detail("number"); !ok || !d.Sealed || d.Format != measures.FormatPhone {
		t.Errorf("satellite number: %+v", d)
	}
	e, _ := c.Find("escort")
	if d, ok := e.Detail("officers"); !ok || d.Sealed || d.Format != measures.FormatCount {
		t.Errorf("escort officers: %+v", d)
	}
	// Old ids stay for old records.
	for _, id := range []string{"phone_radio_satellite", "home_security"} {
		if m, ok := c.Find(id); !ok || !m.Retired {
			t.Errorf("%s: %+v", id, m)
		}
	}
}

func TestCheckDetail(t *testing.T) {
	for _, c := range []struct {
		f    measures.Format
		in   string
		ok   bool
		norm string
	}{
		{measures.FormatPlate, "abc-123-d", true, "ABC-123-D"},
		{measures.FormatPlate, "ABC 12 34", true, "ABC-12-34"},
		{measures.FormatPlate, "ABC_123", false, ""},
		{measures.FormatPlate, "ABCDE-1", false, ""},
		{measures.FormatPhone, "+52 (951) 555-0101", true, "+529515550101"},
		{measures.FormatPhone, "951 555 01", false, ""},
		{measures.FormatPhone, "+52 951 abc 0101", false, ""},
		{measures.FormatCount, "3", true, "3"},
		{measures.FormatCount, "03", false, ""},
		{measures.FormatCount, "0", false, ""},
		{measures.FormatCount, "1000", false, ""},
		{measures.FormatCount, "-1", false, ""},
		{measures.FormatText, "Sede del centro, Saltillo", true, "Sede del centro, Saltillo"},
		{measures.FormatText, "dos\nlíneas", false, ""},
	} {
		n := measures.NormalizeDetail(c.f, c.in)
		_, ok := measures.CheckDetail(c.f, n)
		if ok != c.ok || (ok && n != c.norm) {
			t.Errorf("%s %q: %q %v, want %q %v", c.f, c.in, n, ok, c.norm, c.ok)
		}
	}
}

func TestCheckGrant(t *testing.T) {
	c := measures.Default()
	g := escudo.MeasureGrant{CaseID: 1, Measure: "escort", AgencyID: 2, Source: escudo.SourceUrgent, Reason: "Amenaza.",
		Details: map[string]string{"officers": " 2 ", "shift": ""}}
	if err := c.CheckGrant(&g); err != nil {
		t.Fatal(err)
	}
	if g.Details["officers"] != "2" {
		t.Errorf("not normalized: %v", g.Details)
	}
	if _, ok := g.Details["shift"]; ok {
		t.Error("an empty optional detail kept")
	}
	bad := escudo.MeasureGrant{Measure: "cameras", Source: escudo.SourceUrgent, ResolutionID: 4, Details: map[string]string{"units": "x"}}
	err := c.CheckGrant(&bad)
	v, _ := escudo.AsValidation(err)
	got := map[string]string{}
	for _, e := range v {
		got[e.Field] = e.Key
	}
	for f, k := range map[string]string{"case_id": "validation.required", "agency_id": "measures.agency_missing", "resolution_id": "measures.urgent_resolution",
		"measure": "measures.not_urgent", "reason": "measures.reason_missing", "details.premises": "measures.detail_missing", "details.units": "measures.detail_count"} {
		if got[f] != k {
			t.Errorf("%s: %q, want %q (all: %v)", f, got[f], k, got)
		}
	}
}

func FuzzCheckDetail(f *testing.F) {
	for _, s := range []string{"ABC-123-D", "+52 951 555 0101", "3", "texto", "\x00", "9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fm := range measures.Formats {
			n := measures.NormalizeDetail(fm, s)
			if _, ok := measures.CheckDetail(fm, n); ok {
				if len(n) > measures.MaxDetailLen {
					t.Fatalf("%s accepted %d bytes", fm, len(n))
				}
				if measures.NormalizeDetail(fm, n) != n {
					t.Fatalf("%s: normalizing %q is not stable", fm, n)
				}
			}
		}
	})
}

package prevention_test

import (
	"testing"
	"time"

	"escudo"
	"escudo/internal/prevention"
)

func TestIncidentValidate(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	good := func() prevention.Incident {
		return prevention.Incident{Kind: prevention.IncidentThreat, Aggressor: prevention.AggressorMunicipal, OccurredAt: now.Add(-time.Hour),
			TimePrecision: prevention.TimeDay, Entity: "COA", Municipality: " Saltillo ", Description: "Amenaza por teléfono"}
	}
	for _, tc := range []struct {
		name  string
		edit  func(*prevention.Incident)
		field string
		key   string
	}{
		{"valid", func(*prevention.Incident) {}, "", ""},
		{"future", func(in *prevention.Incident) { in.OccurredAt = now.Add(time.Hour) }, "occurred_at", "incident.future"},
		{"no date", func(in *prevention.Incident) { in.OccurredAt = time.Time{} }, "occurred_at", "validation.required"},
		{"unknown aggressor", func(in *prevention.Incident) { in.Aggressor = "martians" }, "aggressor_type", "incident.aggressor_unknown"},
		{"unknown kind", func(in *prevention.Incident) { in.Kind = "gossip" }, "incident_kind", "incident.kind_unknown"},
		{"unknown time precision", func(in *prevention.Incident) { in.TimePrecision = "year" }, "time_precision", "incident.time_precision_unknown"},
		{"unknown place precision", func(in *prevention.Incident) { in.PlacePrecision = "planet" }, "place_precision", "incident.place_precision_unknown"},
		{"exact without place", func(in *prevention.Incident) { in.PlacePrecision = prevention.PlaceExact }, "place", "incident.place_needed"},
		{"municipality claimed, none given", func(in *prevention.Incident) { in.Municipality = ""; in.PlacePrecision = prevention.PlaceMunicipality }, "municipality", "incident.municipality_needed"},
		{"unknown entity", func(in *prevention.Incident) { in.Entity = "XX" }, "federal_entity", "incident.entity"},
		{"no description", func(in *prevention.Incident) { in.Description = "  " }, "description", "validation.required"},
		{"bidi in description", func(in *prevention.Incident) { in.Description = "a\u202eb" }, "description", "validation.characters"},
		{"bad alert", func(in *prevention.Incident) { in.AlertIDs = []int64{-1} }, "alert_ids", "incident.alert_unknown"},
	} {
		in := good()
		tc.edit(&in)
		in.Normalize()
		err := in.Validate(now)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		v, ok := escudo.AsValidation(err)
		if !ok {
			t.Errorf("%s: %v, want field errors", tc.name, err)
			continue
		}
		found := false
		for _, e := range v {
			if e.Field == tc.field && e.Key == tc.key {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: %v, want %s on %s", tc.name, v, tc.key, tc.field)
		}
	}
}

func TestIncidentNormalize(t *testing.T) {
	in := prevention.Incident{Kind: prevention.IncidentRaid, Municipality: "  San   Cristóbal "}
	in.Normalize()
	if !in.Serious || in.PlacePrecision != prevention.PlaceMunicipality || in.Municipality != "San Cristóbal" {
		t.Errorf("%+v", in)
	}
	for _, k := range prevention.IncidentKinds {
		want := k == prevention.IncidentPhysical || k == prevention.IncidentRaid || k == prevention.IncidentKilling || k == prevention.IncidentDisappearance || k == prevention.IncidentInfoTheft
		if k.Serious() != want {
			t.Errorf("%s serious = %v", k, k.Serious())
		}
	}
}

func TestInvestigationValidate(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	i := prevention.Investigation{Status: prevention.InvComplaint, OpenedAt: now}
	v, ok := escudo.AsValidation(i.Validate(now))
	if !ok || len(v) != 2 || v[0].Key != "investigation.authority_needed" || v[1].Key != "investigation.file_needed" {
		t.Errorf("%v", v)
	}
	i = prevention.Investigation{Authority: "FEADLE", FileNumber: "FED/FEADLE/0001/2026", Status: "lost", OpenedAt: now}
	if v, _ := escudo.AsValidation(i.Validate(now)); len(v) != 1 || v[0].Key != "investigation.status_unknown" {
		t.Errorf("%v", v)
	}
	u := prevention.InvestigationUpdate{Status: prevention.InvCharges, At: now.AddDate(0, 0, 2)}
	if v, _ := escudo.AsValidation(u.Validate(now)); len(v) != 1 || v[0].Key != "incident.future" {
		t.Errorf("%v", v)
	}
}

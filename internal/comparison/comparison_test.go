package comparison

import (
	"reflect"
	"testing"
	"time"

	"escudo"
)

func TestProtection(t *testing.T) {
	ended := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := func(m string, s escudo.MeasureStatus) escudo.GrantedMeasure {
		return escudo.GrantedMeasure{Measure: m, Status: s}
	}
	iachr := escudo.Assessment{ID: 7, Body: escudo.BodyIACHR, Reference: "MC-1-26", Level: escudo.RiskExtraordinary, CatalogueMeasures: []string{"escort", "building_protection"}}
	for _, c := range []struct {
		name     string
		level    escudo.RiskLevel
		granted  []escudo.GrantedMeasure
		others   []escudo.Assessment
		measures []string
		want     []Finding
	}{
		{name: "nothing to compare", level: escudo.RiskOrdinary, granted: []escudo.GrantedMeasure{g("escort", escudo.MeasureInForce)}, measures: []string{"escort"}},
		{name: "higher level and a measure only the IACHR granted", level: escudo.RiskOrdinary,
			granted: []escudo.GrantedMeasure{g("building_protection", escudo.MeasureInForce), g("evacuation", escudo.MeasureNotified)}, others: []escudo.Assessment{iachr},
			measures: []string{"building_protection", "evacuation"},
			want:     []Finding{{FindingLevelHigher, 7, ""}, {FindingOtherOnly, 7, "escort"}, {FindingMechanismOnly, 7, "evacuation"}}},
		{name: "same level and measures agree", level: escudo.RiskExtraordinary,
			granted: []escudo.GrantedMeasure{g("escort", escudo.MeasureInForce), g("building_protection", escudo.MeasureImplementing)}, others: []escudo.Assessment{iachr},
			measures: []string{"building_protection", "escort"}},
		{name: "a withdrawn measure is not granted", level: escudo.RiskExtraordinary,
			granted: []escudo.GrantedMeasure{g("escort", escudo.MeasureWithdrawn), g("building_protection", escudo.MeasureInForce), g("building_protection", escudo.MeasureEnded)}, others: []escudo.Assessment{iachr},
			measures: []string{"building_protection"}, want: []Finding{{FindingOtherOnly, 7, "escort"}}},
		{name: "lower level elsewhere", level: escudo.RiskExtreme, others: []escudo.Assessment{{ID: 3, Body: escudo.BodyCNDH, Level: escudo.RiskOrdinary}},
			want: []Finding{{FindingLevelLower, 3, ""}}},
		{name: "no evaluation yet", others: []escudo.Assessment{{ID: 3, Body: escudo.BodyCNDH, Level: escudo.RiskOrdinary}},
			want: []Finding{{FindingNoOwnLevel, 3, ""}}},
		{name: "an ended assessment is history", level: escudo.RiskOrdinary, others: []escudo.Assessment{{ID: 4, Body: escudo.BodyIACHR, Level: escudo.RiskExtreme, EndedAt: &ended, CatalogueMeasures: []string{"escort"}}}},
		{name: "words only: compared by level", level: escudo.RiskOrdinary, granted: []escudo.GrantedMeasure{g("escort", escudo.MeasureInForce)},
			others: []escudo.Assessment{{ID: 5, Body: escudo.BodyStateCommission, Level: escudo.RiskOrdinary, Measures: "Rondines"}}, measures: []string{"escort"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Protection(c.level, c.granted, c.others)
			if !reflect.DeepEqual(got.Findings, c.want) {
				t.Errorf("findings %+v, want %+v", got.Findings, c.want)
			}
			if !reflect.DeepEqual(got.Measures, c.measures) {
				t.Errorf("measures %v, want %v", got.Measures, c.measures)
			}
		})
	}
}

package escudo

import (
	"reflect"
	"testing"
	"time"
)

func TestCompareProtection(t *testing.T) {
	ended := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := func(m string, s MeasureStatus) GrantedMeasure { return GrantedMeasure{Measure: m, Status: s} }
	iachr := Assessment{ID: 7, Body: BodyIACHR, Reference: "MC-1-26", Level: RiskExtraordinary, CatalogueMeasures: []string{"escort", "building_protection"}}
	for _, c := range []struct {
		name     string
		level    RiskLevel
		granted  []GrantedMeasure
		others   []Assessment
		measures []string
		want     []Finding
	}{
		{name: "nothing to compare", level: RiskOrdinary, granted: []GrantedMeasure{g("escort", MeasureInForce)}, measures: []string{"escort"}},
		{name: "higher level and a measure only the IACHR granted", level: RiskOrdinary,
			granted: []GrantedMeasure{g("building_protection", MeasureInForce), g("evacuation", MeasureNotified)}, others: []Assessment{iachr},
			measures: []string{"building_protection", "evacuation"},
			want:     []Finding{{FindingLevelHigher, 7, ""}, {FindingOtherOnly, 7, "escort"}, {FindingMechanismOnly, 7, "evacuation"}}},
		{name: "same level and measures agree", level: RiskExtraordinary,
			granted: []GrantedMeasure{g("escort", MeasureInForce), g("building_protection", MeasureImplementing)}, others: []Assessment{iachr},
			measures: []string{"building_protection", "escort"}},
		{name: "a withdrawn measure is not granted", level: RiskExtraordinary,
			granted: []GrantedMeasure{g("escort", MeasureWithdrawn), g("building_protection", MeasureInForce), g("building_protection", MeasureEnded)}, others: []Assessment{iachr},
			measures: []string{"building_protection"}, want: []Finding{{FindingOtherOnly, 7, "escort"}}},
		{name: "lower level elsewhere", level: RiskExtreme, others: []Assessment{{ID: 3, Body: BodyCNDH, Level: RiskOrdinary}},
			want: []Finding{{FindingLevelLower, 3, ""}}},
		{name: "no evaluation yet", others: []Assessment{{ID: 3, Body: BodyCNDH, Level: RiskOrdinary}},
			want: []Finding{{FindingNoOwnLevel, 3, ""}}},
		{name: "an ended assessment is history", level: RiskOrdinary, others: []Assessment{{ID: 4, Body: BodyIACHR, Level: RiskExtreme, EndedAt: &ended, CatalogueMeasures: []string{"escort"}}}},
		{name: "words only: compared by level", level: RiskOrdinary, granted: []GrantedMeasure{g("escort", MeasureInForce)},
			others: []Assessment{{ID: 5, Body: BodyStateCommission, Level: RiskOrdinary, Measures: "Rondines"}}, measures: []string{"escort"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := CompareProtection(c.level, c.granted, c.others)
			if !reflect.DeepEqual(got.Findings, c.want) {
				t.Errorf("findings %+v, want %+v", got.Findings, c.want)
			}
			if !reflect.DeepEqual(got.Measures, c.measures) {
				t.Errorf("measures %v, want %v", got.Measures, c.measures)
			}
		})
	}
}

func TestAgreementValidate(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		name  string
		a     Agreement
		field string // "" valid
	}{
		{"in force", Agreement{Entity: "OAX", Status: AgreementInForce, SignedOn: day(2019, 3, 12), ValidUntil: day(2027, 3, 12)}, ""},
		{"in force without end", Agreement{Entity: "OAX", Status: AgreementInForce, SignedOn: day(2019, 3, 12)}, ""},
		{"negotiation", Agreement{Entity: "GRO", Status: AgreementNegotiation, Notes: "Mesa de trabajo"}, ""},
		{"unknown entity", Agreement{Entity: "XX", Status: AgreementNone}, "federal_entity"},
		{"unknown status", Agreement{Entity: "OAX", Status: "valid"}, "status"},
		{"in force unsigned", Agreement{Entity: "OAX", Status: AgreementInForce}, "signed_on"},
		{"none but signed", Agreement{Entity: "OAX", Status: AgreementNone, SignedOn: day(2019, 1, 1)}, "signed_on"},
		{"signed in the future", Agreement{Entity: "OAX", Status: AgreementInForce, SignedOn: day(2026, 7, 1)}, "signed_on"},
		{"ends before signed", Agreement{Entity: "OAX", Status: AgreementExpired, SignedOn: day(2019, 3, 12), ValidUntil: day(2018, 1, 1)}, "valid_until"},
		{"in force but ended", Agreement{Entity: "OAX", Status: AgreementInForce, SignedOn: day(2019, 3, 12), ValidUntil: day(2025, 1, 1)}, "valid_until"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.a.Validate(now)
			v, _ := AsValidation(err)
			if c.field == "" && err != nil || c.field != "" && (len(v) == 0 || v[0].Field != c.field) {
				t.Errorf("Validate = %v, want a refusal of %q", err, c.field)
			}
		})
	}
	a := Agreement{Status: AgreementInForce, SignedOn: day(2019, 3, 12), ValidUntil: day(2026, 1, 1)}
	if a.StatusAt(now) != AgreementExpired {
		t.Errorf("an agreement past its end reads %s", a.StatusAt(now))
	}
}

func TestAgencyKind(t *testing.T) {
	for _, c := range []struct {
		a     Agency
		kind  AgencyKind
		field string
	}{
		{Agency{Code: "gn", Name: "Guardia Nacional", Level: AgencyFederal, Police: true}, AgencyKindPolice, ""},
		{Agency{Code: "gob-oax", Name: "Gobierno de Oaxaca", Level: AgencyState, Entity: "OAX"}, AgencyKindGovernment, ""},
		{Agency{Code: "x", Name: "Empresa", Level: AgencyContractor}, AgencyKindContractor, "code"},
		{Agency{Code: "cidh", Name: "CIDH", Level: AgencyFederal, Kind: AgencyKindInternational, Contact: Contact{Email: "cidh@example.org", Phone: "55-0000-0001"}}, AgencyKindInternational, ""},
		{Agency{Code: "cidh", Name: "CIDH", Level: AgencyFederal, Kind: "ngo"}, "ngo", "kind"},
		{Agency{Code: "emp", Name: "Empresa", Level: AgencyFederal, Kind: AgencyKindContractor}, AgencyKindContractor, "kind"},
		{Agency{Code: "gob", Name: "Gobierno", Level: AgencyFederal, Kind: AgencyKindGovernment}, AgencyKindGovernment, "kind"},
		{Agency{Code: "fge", Name: "Fiscalía", Level: AgencyState, Entity: "OAX", Kind: AgencyKindProsecutor, Contact: Contact{Email: "oficialia"}}, AgencyKindProsecutor, "email"},
		{Agency{Code: "fge", Name: "Fiscalía", Level: AgencyState, Entity: "OAX", Kind: AgencyKindProsecutor, Contact: Contact{Phone: "llamar"}}, AgencyKindProsecutor, "phone"},
	} {
		err := c.a.Validate()
		v, _ := AsValidation(err)
		if c.a.Kind != c.kind || c.field == "" && err != nil || c.field != "" && (len(v) == 0 || v[0].Field != c.field) {
			t.Errorf("%s: kind %s, Validate = %v; want %s and %q", c.a.Name, c.a.Kind, err, c.kind, c.field)
		}
	}
	if a := (Agency{Code: "ssp-oax", Name: "SSP", Level: AgencyState, Entity: "OAX", Kind: AgencyKindPolice}); a.Validate() != nil || !a.Police {
		t.Errorf("a police kind is a police agency: %+v", a)
	}
}

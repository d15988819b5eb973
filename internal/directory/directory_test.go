package directory

import (
	"testing"
	"time"

	"escudo"
)

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
			v, _ := escudo.AsValidation(err)
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

func TestEntryKind(t *testing.T) {
	for _, c := range []struct {
		e     Entry
		kind  Kind
		field string
	}{
		{Entry{Agency: escudo.Agency{Code: "gn", Name: "Guardia Nacional", Level: escudo.AgencyFederal, Police: true}}, KindPolice, ""},
		{Entry{Agency: escudo.Agency{Code: "gob-oax", Name: "Gobierno de Oaxaca", Level: escudo.AgencyState, Entity: "OAX"}}, KindGovernment, ""},
		{Entry{Agency: escudo.Agency{Code: "x", Name: "Empresa", Level: escudo.AgencyContractor}}, KindContractor, "code"},
		{Entry{Agency: escudo.Agency{Code: "cidh", Name: "CIDH", Level: escudo.AgencyFederal}, Kind: KindInternational, Contact: Contact{Email: "cidh@example.org", Phone: "55-0000-0001"}}, KindInternational, ""},
		{Entry{Agency: escudo.Agency{Code: "cidh", Name: "CIDH", Level: escudo.AgencyFederal}, Kind: "ngo"}, "ngo", "kind"},
		{Entry{Agency: escudo.Agency{Code: "emp", Name: "Empresa", Level: escudo.AgencyFederal}, Kind: KindContractor}, KindContractor, "kind"},
		{Entry{Agency: escudo.Agency{Code: "gob", Name: "Gobierno", Level: escudo.AgencyFederal}, Kind: KindGovernment}, KindGovernment, "kind"},
		{Entry{Agency: escudo.Agency{Code: "fge", Name: "Fiscalía", Level: escudo.AgencyState, Entity: "OAX"}, Kind: KindProsecutor, Contact: Contact{Email: "oficialia"}}, KindProsecutor, "email"},
		{Entry{Agency: escudo.Agency{Code: "fge", Name: "Fiscalía", Level: escudo.AgencyState, Entity: "OAX"}, Kind: KindProsecutor, Contact: Contact{Phone: "llamar"}}, KindProsecutor, "phone"},
	} {
		err := c.e.Validate()
		v, _ := escudo.AsValidation(err)
		if c.e.Kind != c.kind || c.field == "" && err != nil || c.field != "" && (len(v) == 0 || v[0].Field != c.field) {
			t.Errorf("%s: kind %s, Validate = %v; want %s and %q", c.e.Name, c.e.Kind, err, c.kind, c.field)
		}
	}
	if e := (Entry{Agency: escudo.Agency{Code: "ssp-oax", Name: "SSP", Level: escudo.AgencyState, Entity: "OAX"}, Kind: KindPolice}); e.Validate() != nil || !e.Police {
		t.Errorf("a police kind is a police agency: %+v", e)
	}
	// A stored kind the agency no longer agrees with gives way.
	if k := KindOf(escudo.Agency{Level: escudo.AgencyFederal}, KindPolice); k != KindFederal {
		t.Errorf("a police kind without the police flag reads %s", k)
	}
	if k := KindOf(escudo.Agency{Level: escudo.AgencyState, Entity: "OAX"}, KindProsecutor); k != KindProsecutor {
		t.Errorf("a prosecutor reads %s", k)
	}
}

package letters

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"

	"escudo"
	"escudo/internal/measures"
)

// The letter key of the tests, from a fixed seed.
var testKey = ed25519.NewKeyFromSeed(func() []byte { s := sha256.Sum256([]byte("escudo letters test key")); return s[:] }())

var (
	federalPolice = escudo.Agency{ID: 1, Code: "GN", Name: "Guardia Nacional", Level: escudo.AgencyFederal, Police: true}
	statePolice   = escudo.Agency{ID: 2, Code: "SSP-OAX", Name: "Secretaría de Seguridad Pública de Oaxaca", Level: escudo.AgencyState, Entity: "Oaxaca", Police: true}
	contractor    = escudo.Agency{ID: 3, Code: "TECNOSEG", Name: "Tecnoseguridad del Sur", Level: escudo.AgencyContractor}
)

// input is a resolution of the Board on the case of a Mixe defender: a
// discreet police round, a panic button, a safe house, a withdrawn escort
// and an urgent measure ratified, with named votes.
func input(t testing.TB) Input {
	t.Helper()
	at := time.Date(2026, 7, 3, 17, 30, 0, 0, time.UTC)
	r := &escudo.Resolution{
		ID: 41, Identifier: "JG-2026-07-003", SessionID: 7, SessionDate: time.Date(2026, 7, 3, 16, 0, 0, 0, time.UTC),
		CaseID: 12, CaseReference: "MPP-2026-0412", EvaluationID: 9, Level: escudo.RiskExtraordinary,
		Measures: []escudo.ResolutionMeasure{
			{Action: escudo.ActionGrant, Grant: escudo.MeasureGrant{CaseID: 12, Measure: "building_protection", AgencyID: 2, LiaisonID: 501,
				Discreet: true, Deadline: at.Add(10 * 24 * time.Hour), Source: escudo.SourceBoard}, Reason: "Rondines discretos de noche en el domicilio."},
			{Action: escudo.ActionGrant, Grant: escudo.MeasureGrant{CaseID: 12, Measure: "panic_button", AgencyID: 3, LiaisonID: 502,
				Details: map[string]string{"imei": "356938035643809"}, Source: escudo.SourceBoard}, Reason: "Alerta inmediata a la guardia."},
			{Action: escudo.ActionGrant, Grant: escudo.MeasureGrant{CaseID: 12, Measure: "safe_house", AgencyID: 3,
				Details: map[string]string{"address": "Calle Reforma 118, Tlacolula"}, Source: escudo.SourceBoard}, Reason: "Si la amenaza se repite."},
			{Action: escudo.ActionWithdraw, GrantedID: 90, Reason: "La escolta de la corporación señalada la expone."},
			{Action: escudo.ActionRatify, GrantedID: 91, Reason: "Sigue siendo necesaria."},
		},
		Reasons:     "El Comandante Ruiz de la policía municipal amenazó a Xóchitl Ꞌéꞌe Tɨʉ en su domicilio.\nEl contexto comunitario agrava el riesgo.",
		ThreatBrief: "Amenazas de muerte por mensajes y vigilancia de vehículos sin placas frente al domicilio.",
		Votes: []escudo.Vote{
			{Seat: "interior", MemberID: 1, MemberName: "Laura Méndez", Choice: escudo.VoteFor},
			{Seat: "council_1", MemberID: 2, MemberName: "Pedro Martínez", Alternate: true, Choice: escudo.VoteFor},
			{Seat: "security", MemberID: 3, MemberName: "Jorge Díaz", Choice: escudo.VoteAbstain},
		},
		Adopted: true, RecordedBy: 3, RecordedAt: at,
	}
	return Input{
		Resolution: r, Beneficiary: "Xóchitl Ꞌéꞌe Tɨʉ Mʉʼ", Catalogue: measures.Default(),
		Agencies: map[int64]escudo.Agency{1: federalPolice, 2: statePolice, 3: contractor},
		Granted: map[int64]escudo.GrantedMeasure{
			90: {ID: 90, CaseID: 12, Measure: "escort", Agency: federalPolice, Status: escudo.MeasureInForce, Deadline: at.Add(-20 * 24 * time.Hour)},
			91: {ID: 91, CaseID: 12, Measure: "evacuation", Agency: statePolice, Status: escudo.MeasureInForce, Source: escudo.SourceUrgent, Deadline: at.Add(-30 * 24 * time.Hour)},
		},
		Liaisons:     map[int64]string{501: "Comisaria Ana Ruiz", 502: "Ing. Tomás Lee"},
		Seats:        map[string]string{"interior": "Secretaría de Gobernación", "council_1": "Consejo Consultivo 1", "security": "Seguridad Pública"},
		Installation: "Mecanismo de Protección para Personas Defensoras de Derechos Humanos y Periodistas",
		DutyPhone:    "800 000 1234", VerifyURL: "https://escudo.example.org/verificar", KeyID: "l1a2b3c4d5e6",
		AppealDays: 30,
	}
}

// letters builds the resolution's letters.
func letters(t testing.TB, in Input) []*Document {
	t.Helper()
	docs, err := FromResolution(in)
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func render(t testing.TB, d *Document) []byte {
	t.Helper()
	sig, err := Sign(d, testKey)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RenderPDF(d, sig)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

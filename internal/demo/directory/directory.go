// Package directory seeds the demo's directory (docs/directory.md): the
// reference bodies (internal/directory) with fictional contact details
// (example.org addresses, 55-0000 numbers), a few municipal contacts,
// an agreement for each of the 32 federal entities with a mix of
// statuses, and an Inter-American precautionary measure on a demo case
// that sees more risk than the Mechanism and an escort it did not grant,
// so the comparison of /cases/{id}/protection has a conflict to show.
package directory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"escudo"
	ref "escudo/internal/directory"
	"escudo/internal/store"
)

// IACHRNumber is the demo's precautionary measure's number (fictional).
const IACHRNumber = "MC-418-26"

// municipal are the demo's municipal contacts, in the places of its cases.
var municipal = []ref.Entry{
	{Agency: escudo.Agency{Code: "mun-tlaxiaco", Name: "Presidencia Municipal de Heroica Ciudad de Tlaxiaco", Level: escudo.AgencyMunicipal, Entity: "OAX"}, Kind: ref.KindMunicipal},
	{Agency: escudo.Agency{Code: "mun-jamiltepec", Name: "Presidencia Municipal de Santiago Jamiltepec", Level: escudo.AgencyMunicipal, Entity: "OAX"}, Kind: ref.KindMunicipal},
	{Agency: escudo.Agency{Code: "mun-saltillo", Name: "Presidencia Municipal de Saltillo", Level: escudo.AgencyMunicipal, Entity: "COA"}, Kind: ref.KindMunicipal},
	{Agency: escudo.Agency{Code: "mun-chilpancingo", Name: "Presidencia Municipal de Chilpancingo de los Bravo", Level: escudo.AgencyMunicipal, Entity: "GRO"}, Kind: ref.KindMunicipal},
}

// contactPeople are fictional names for the contacts.
var contactPeople = []string{"Lic. Ana Ruiz Cortés", "Mtro. Julio Sánchez Ibarra", "Lic. Carmen Vega Solís", "Ing. Tomás Mora Lugo", "Lic. Elena Paz Rivas"}

// Seed fills the demo's directory and records the precautionary measure
// on caseID as analyst. now is the demo's present.
func Seed(ctx context.Context, db *store.DB, now time.Time, admin, analyst *escudo.User, caseID int64) error {
	if _, err := db.SeedDirectory(ctx, append(ref.Reference(), municipal...)); err != nil {
		return fmt.Errorf("demo: directory: %w", err)
	}
	list, err := db.AgencyList(ctx)
	if err != nil {
		return err
	}
	actx := escudo.NewContextWithUser(ctx, admin)
	for i, a := range list {
		if a.Level == escudo.AgencyContractor {
			continue
		}
		e := ref.Entry{Agency: a.Agency, Kind: a.Kind, Contact: ref.Contact{
			Email:   "oficialia@" + a.Code + ".example.org",
			Phone:   fmt.Sprintf("55-0000-%04d", 1000+i),
			Address: "Domicilio de demostración " + fmt.Sprint(100+i) + ", " + place(a.Entity),
			Person:  contactPeople[i%len(contactPeople)] + " (ficticio)",
		}}
		if a.Kind == ref.KindPolice {
			e.Contact.Notes = "Las instrucciones llevan informe policial; confirmar recepción por teléfono."
		}
		if err := db.UpdateDirectoryEntry(actx, e); err != nil {
			return fmt.Errorf("demo: directory contact %s: %w", a.Code, err)
		}
	}
	day := func(years, months int) time.Time {
		d := now.AddDate(years, months, 0).In(mexico)
		return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, mexico)
	}
	for i, e := range escudo.FederalEntities {
		doc := "Periódico Oficial del Estado, convenio de demostración " + fmt.Sprint(i+1)
		var a ref.Agreement
		switch i % 5 {
		case 0, 1:
			a = ref.Agreement{Status: ref.AgreementInForce, SignedOn: day(-3, -i), ValidUntil: day(2, i), Document: doc}
		case 2:
			a = ref.Agreement{Status: ref.AgreementExpired, SignedOn: day(-8, -i), ValidUntil: day(-1, -i), Document: doc,
				Notes: "Se pidió su renovación al gobierno estatal."}
		case 3:
			a = ref.Agreement{Status: ref.AgreementNegotiation, Notes: "Mesa de trabajo con la Secretaría General de Gobierno."}
		default:
			a = ref.Agreement{Status: ref.AgreementNone}
		}
		if e.Code == "OAX" {
			// Oaxaca's history: negotiated, then signed.
			if _, err := db.RecordAgreement(actx, &ref.Agreement{Entity: "OAX", Status: ref.AgreementNegotiation, Notes: "Primera mesa de trabajo."}); err != nil {
				return fmt.Errorf("demo: agreement OAX: %w", err)
			}
			a = ref.Agreement{Status: ref.AgreementInForce, SignedOn: day(-2, 0), ValidUntil: day(4, 0), Document: doc}
		}
		a.Entity = e.Code
		if _, err := db.RecordAgreement(actx, &a); err != nil {
			return fmt.Errorf("demo: agreement %s: %w", e.Code, err)
		}
	}
	return precautionary(ctx, db, now, analyst, caseID)
}

var mexico = func() *time.Location {
	l, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		return time.FixedZone("CST", -6*3600)
	}
	return l
}()

func place(entity string) string {
	if e, ok := escudo.LookupFederalEntity(entity); ok {
		return e.Name
	}
	return "Ciudad de México"
}

// precautionary records the IACHR's measure on the case one level above
// the Mechanism's latest evaluation, with an escort the Mechanism did not
// grant beside the premises' protection it did.
func precautionary(ctx context.Context, db *store.DB, now time.Time, analyst *escudo.User, caseID int64) error {
	actx := escudo.NewContextWithUser(ctx, analyst)
	evals, err := db.CaseEvaluations(actx, caseID)
	if err != nil {
		return err
	}
	level := escudo.RiskExtraordinary
	for _, e := range evals {
		if e.State == escudo.StateSubmitted {
			if r := e.Level.Rank(); r >= 0 && r+1 < len(escudo.RiskLevels) {
				level = escudo.RiskLevels[r+1]
			}
			break
		}
	}
	_, err = db.RecordAssessment(actx, &escudo.Assessment{CaseID: caseID, Body: escudo.BodyIACHR, Reference: IACHRNumber, Level: level,
		DecidedAt: now.Add(-10 * 24 * time.Hour), CatalogueMeasures: []string{"building_protection", "escort"},
		Measures: strings.Join([]string{"Adoptar las medidas necesarias para proteger la vida e integridad de la periodista y su familia.",
			"Concertar las medidas con las personas beneficiarias."}, " "),
		Document: "Resolución de medidas cautelares de la CIDH (número de demostración)."})
	if err != nil {
		return fmt.Errorf("demo: precautionary measure: %w", err)
	}
	return nil
}

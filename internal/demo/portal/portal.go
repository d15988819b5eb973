// Package portal seeds the beneficiary portal's demo (issue 16): the
// account `beneficiaria` belongs to the journalist of the Oaxaca coast
// whose vehicle and satellite phone never arrived. In the portal she chose
// to be called by phone in safe hours and never by SMS, said the lights
// are not useful to her because she cannot pay their electricity, let the
// external reviewer read her file for two months, and reported a van
// watching her house. The account `colectivo` is a representative of the
// Saltillo migrant shelter, a collective, who asked for the shelter to be
// heard by the Governing Board.
package portal

import (
	"context"
	"fmt"
	"time"

	"escudo"
	"escudo/internal/prevention"
	"escudo/internal/store"
)

// Accounts of the portal's demo.
const (
	Beneficiary    = "beneficiaria"
	Representative = "colectivo"
)

// Cases are the demo cases the accounts belong to.
type Cases struct {
	Journalist int64 // an individual with measures, letters and an incident
	Shelter    int64 // a collective
}

// Seed creates the two accounts with password and what they did in the
// portal; the accounts join users.
func Seed(ctx context.Context, db *store.DB, setClock func(time.Time), users map[string]*escudo.User, c Cases, password string, now time.Time) error {
	account := func(username, display string, caseID int64) (*escudo.User, error) {
		ref, err := db.CaseRef(ctx, caseID)
		if err != nil {
			return nil, err
		}
		u := &escudo.User{Username: username, DisplayName: display, Role: escudo.RoleBeneficiary, PersonID: ref.PersonID, Locale: "es-MX"}
		if err := db.CreateUser(ctx, u, password); err != nil {
			return nil, fmt.Errorf("demo: portal account %s: %w", username, err)
		}
		users[username] = u
		return u, nil
	}
	// Account names and display names are not sealed: they name no one.
	ben, err := account(Beneficiary, "Persona beneficiaria (demo)", c.Journalist)
	if err != nil {
		return err
	}
	rep, err := account(Representative, "Representante de un colectivo (demo)", c.Shelter)
	if err != nil {
		return err
	}
	as := escudo.NewContextWithUser(ctx, ben)
	defer setClock(now)

	setClock(now.Add(-6 * 24 * time.Hour))
	if err := db.SetContactPrefs(as, ben.PersonID, escudo.ContactPrefs{Channel: escudo.ContactPhone, SafeFrom: "08:00", SafeUntil: "21:00", NeverSMS: true}); err != nil {
		return fmt.Errorf("demo: portal contact: %w", err)
	}
	measures, err := db.CaseMeasures(ctx, c.Journalist)
	if err != nil {
		return err
	}
	for _, m := range measures {
		if m.Measure == "lighting" && m.Status == escudo.MeasureInForce {
			if err := db.RateMeasure(as, m.ID, escudo.RatingNotUseful, "La luz de las lámparas cuesta 850 pesos al mes y no puedo pagarla; las apago casi todas las noches."); err != nil {
				return fmt.Errorf("demo: portal rating: %w", err)
			}
		}
	}
	setClock(now.Add(-5 * 24 * time.Hour))
	if rev := users["revisor"]; rev != nil {
		if err := db.GrantConsent(as, &escudo.Consent{PersonID: ben.PersonID, GranteeUser: rev.ID, Scope: []string{"risk", "identity"},
			Purpose: "Peritaje independiente de mi evaluación de riesgo.", Expires: now.Add(55 * 24 * time.Hour)}); err != nil {
			return fmt.Errorf("demo: portal consent: %w", err)
		}
	}
	setClock(now.Add(-3 * 24 * time.Hour))
	if _, err := db.RecordIncident(as, &prevention.Incident{CaseID: c.Journalist, Kind: prevention.IncidentSurveillance, Aggressor: prevention.AggressorUnknown,
		OccurredAt: now.Add(-4 * 24 * time.Hour), TimePrecision: prevention.TimeDay, Entity: "OAX", Municipality: "Santiago Pinotepa Nacional",
		Description: "Una camioneta gris sin placas se estacionó frente a mi casa dos noches seguidas; se fue cuando encendí la luz."}); err != nil {
		return fmt.Errorf("demo: portal incident: %w", err)
	}
	// After her report the follow-up officer reviews a measure in force:
	// her notices say so in plain words (the officer tells her by phone).
	setClock(now.Add(-50 * time.Hour))
	reviewed := false
	for _, m := range measures {
		if m.Status == escudo.MeasureInForce && m.Measure != "lighting" && !reviewed {
			if err := db.MoveMeasure(escudo.NewContextWithUser(ctx, users["seguimiento"]), m.ID, escudo.MeasureUnderReview, "Revisar tras la vigilancia que reportó frente a su casa."); err != nil {
				return fmt.Errorf("demo: portal review: %w", err)
			}
			reviewed = true
		}
	}
	if !reviewed {
		return fmt.Errorf("demo: portal review: no measure in force besides the lighting among %d", len(measures))
	}
	setClock(now.Add(-2 * 24 * time.Hour))
	if err := db.RequestHearing(escudo.NewContextWithUser(ctx, rep), c.Shelter, "Queremos explicar a la Junta por qué la Casa necesita vigilancia aunque esté en la ciudad."); err != nil {
		return fmt.Errorf("demo: portal hearing: %w", err)
	}
	return nil
}

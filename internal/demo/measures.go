package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"escudo"
	"escudo/internal/store"
)

// The implementing agencies of the demo: the federal ones, a contractor
// and each state's public security secretariat as cases need them.
var demoAgencies = []escudo.Agency{
	{Code: "gn", Name: "Guardia Nacional", Level: escudo.AgencyFederal, Police: true},
	{Code: "sspc", Name: "Secretaría de Seguridad y Protección Ciudadana", Level: escudo.AgencyFederal, Police: true},
	{Code: "segob-mecanismo", Name: "Mecanismo de Protección (Secretaría de Gobernación)", Level: escudo.AgencyFederal},
	{Code: "proteccion-integral", Name: "Protección Integral, S.A. de C.V. (empresa contratista)", Level: escudo.AgencyContractor},
}

// agencies creates the demo's agencies once and finds a state's
// secretariat, creating it the first time.
type agencies struct {
	db     *store.DB
	byCode map[string]int64
}

func newAgencies(ctx context.Context, db *store.DB) (*agencies, error) {
	a := &agencies{db: db, byCode: map[string]int64{}}
	list, err := db.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	for _, x := range list {
		a.byCode[x.Code] = x.ID
	}
	for _, x := range demoAgencies {
		if _, ok := a.byCode[x.Code]; ok {
			continue
		}
		id, err := db.AddAgency(ctx, x)
		if err != nil {
			return nil, fmt.Errorf("demo: agency %s: %w", x.Code, err)
		}
		a.byCode[x.Code] = id
	}
	return a, nil
}

// state returns the public security secretariat of a federal entity.
func (a *agencies) state(ctx context.Context, entity string) (int64, error) {
	code := "ssp-" + strings.ToLower(entity)
	if id, ok := a.byCode[code]; ok {
		return id, nil
	}
	// Another part of the demo may have added it since.
	list, err := a.db.Agencies(ctx)
	if err != nil {
		return 0, err
	}
	for _, x := range list {
		a.byCode[x.Code] = x.ID
	}
	if id, ok := a.byCode[code]; ok {
		return id, nil
	}
	e, ok := escudo.LookupFederalEntity(entity)
	if !ok {
		return a.byCode["sspc"], nil
	}
	id, err := a.db.AddAgency(ctx, escudo.Agency{Code: code, Name: "Secretaría de Seguridad Pública de " + e.Name, Level: escudo.AgencyState, Entity: entity, Police: true})
	if err != nil {
		return 0, fmt.Errorf("demo: agency %s: %w", code, err)
	}
	a.byCode[code] = id
	return id, nil
}

// issueUrgent issues the urgent measures of an extraordinary case, as the
// duty desk does within the 3-hour clock: protection of the premises by
// the state's police and, for an individual, an escort.
func issueUrgent(ctx context.Context, db *store.DB, ag *agencies, caseID int64, p *escudo.Person, note string) error {
	police, err := ag.state(ctx, p.Entity)
	if err != nil {
		return err
	}
	grants := []escudo.MeasureGrant{{CaseID: caseID, Measure: "building_protection", AgencyID: police, Source: escudo.SourceUrgent, Reason: note,
		Details: map[string]string{"premises": "Domicilio de la persona beneficiaria", "rounds_per_day": "4"}}}
	if p.Kind == escudo.KindIndividual {
		grants = append(grants, escudo.MeasureGrant{CaseID: caseID, Measure: "escort", AgencyID: ag.byCode["gn"], Source: escudo.SourceUrgent, Reason: note,
			Details: map[string]string{"officers": "2"}})
	}
	return db.WithTx(ctx, true, func(tx *store.Tx) error {
		for _, g := range grants {
			if _, err := tx.GrantMeasure(ctx, escudo.UserIDFromContext(ctx), g); err != nil {
				return err
			}
		}
		return nil
	})
}

// implement moves a case's measures of the source, still on their way,
// to awaiting the beneficiary's confirmation (the milestone of their
// implementation records itself). It reports whether there were any.
func implement(ctx context.Context, db *store.DB, caseID int64, src escudo.MeasureSource) (bool, error) {
	list, err := db.CaseMeasures(ctx, caseID)
	if err != nil {
		return false, err
	}
	any := false
	for _, m := range list {
		if m.Source != src || m.Status.Final() {
			continue
		}
		any = true
		for _, to := range pathTo(m.Status, escudo.MeasureAwaiting) {
			if err := db.MoveMeasure(ctx, m.ID, to, ""); err != nil {
				return any, fmt.Errorf("demo: measure %d to %s: %w", m.ID, to, err)
			}
		}
	}
	return any, nil
}

// pathTo lists the statuses from one to another along the main line of
// the lifecycle.
func pathTo(from, to escudo.MeasureStatus) []escudo.MeasureStatus {
	line := []escudo.MeasureStatus{escudo.MeasureGranted, escudo.MeasureNotified, escudo.MeasureImplementing, escudo.MeasureAwaiting, escudo.MeasureInForce}
	var out []escudo.MeasureStatus
	on := false
	for _, s := range line {
		if on {
			out = append(out, s)
		}
		if s == to && on {
			break
		}
		on = on || s == from
	}
	return out
}

// seedMeasureCases adds two extraordinary cases whose urgent measures show
// every part of a measure's life: one filed this morning, its measures
// issued by reception an hour ago and awaiting the Board's ratification;
// one of three weeks ago whose evacuation is in force and rated, whose
// protection of premises the beneficiary rejected by phone (the rounds
// never came) and is overdue again, whose relocation carries a monthly rent
// she cannot pay (flagged), and whose escort she renounced.
func seedMeasureCases(ctx context.Context, db *store.DB, clock *Clock, users map[string]*escudo.User, ag *agencies, now time.Time) ([]Request, []escudo.Receipt, error) {
	as := func(name string) context.Context { return escudo.NewContextWithUser(ctx, users[name]) }
	at := func(d time.Duration) { clock.Set(now.Add(-d)) }
	defer clock.Set(now)
	fail := func(what string, err error) ([]Request, []escudo.Receipt, error) {
		return nil, nil, fmt.Errorf("demo: measures, %s: %w", what, err)
	}
	grant := func(actor string, gs ...escudo.MeasureGrant) ([]int64, error) {
		var ids []int64
		err := db.WithTx(as(actor), true, func(tx *store.Tx) error {
			for _, g := range gs {
				id, err := tx.GrantMeasure(as(actor), users[actor].ID, g)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
		return ids, err
	}
	move := func(actor string, id int64, to ...escudo.MeasureStatus) error {
		for _, s := range to {
			if err := db.MoveMeasure(as(actor), id, s, ""); err != nil {
				return err
			}
		}
		return nil
	}

	// This morning's case: issued, awaiting ratification.
	at(150 * time.Minute)
	rc1, err := db.FileRequest(as("recepcion"), &escudo.Case{Channel: escudo.ChannelHotline, ImminentDanger: true,
		Narrative: "Dos camionetas sin placas vigilan la radio comunitaria desde anoche; amenazaron al locutor por teléfono."},
		&escudo.Person{Kind: escudo.KindCollective, Profile: escudo.ProfileJournalist, Name: "Radio Comunitaria Ñuu Savi (demostración)",
			Entity: "OAX", Municipality: "Tlaxiaco", Organization: "Radio Comunitaria Ñuu Savi", Phone: "+52 953 555 0160"})
	if err != nil {
		return fail("radio request", err)
	}
	if ref, err := db.CaseRef(ctx, rc1.CaseID); err != nil {
		return nil, nil, err
	} else if err := closeRequestAlert(ctx, db, users["guardia"], ref.PersonID); err != nil {
		return fail("radio alert", err)
	}
	at(140 * time.Minute)
	if err := db.AssignCase(as("recepcion"), rc1.CaseID, users["guardia"].ID, ""); err != nil {
		return fail("radio assignment", err)
	}
	police, err := ag.state(ctx, "OAX")
	if err != nil {
		return nil, nil, err
	}
	at(70 * time.Minute)
	ids1, err := grant("recepcion",
		escudo.MeasureGrant{CaseID: rc1.CaseID, Measure: "building_protection", AgencyID: police, Source: escudo.SourceUrgent, Reason: "Vigilancia armada frente a la cabina.",
			Details: map[string]string{"premises": "Cabina de la radio comunitaria", "rounds_per_day": "6"}, Discreet: true},
		escudo.MeasureGrant{CaseID: rc1.CaseID, Measure: "evacuation", AgencyID: ag.byCode["gn"], Source: escudo.SourceUrgent, Reason: "El locutor y su familia, fuera del pueblo esta noche.",
			Details: map[string]string{"destination": "Oaxaca de Juárez, domicilio reservado", "people": "4"}})
	if err != nil {
		return fail("radio urgent measures", err)
	}
	at(40 * time.Minute)
	if err := move("recepcion", ids1[0], escudo.MeasureNotified); err != nil {
		return fail("radio notice", err)
	}

	// Three weeks ago: the whole life.
	at(21 * 24 * time.Hour)
	rc2, err := db.FileRequest(as("recepcion"), &escudo.Case{Channel: escudo.ChannelHotline, ImminentDanger: true,
		Narrative: "Balearon la casa de la defensora del río después de la asamblea contra la presa."},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Defensora del Río Verde (demostración)",
			Entity: "OAX", Municipality: "Santiago Jamiltepec", Phone: "+52 954 555 0188", Contact: escudo.ContactPrefs{Channel: escudo.ContactPhone, NeverSMS: true}})
	if err != nil {
		return fail("river request", err)
	}
	if ref, err := db.CaseRef(ctx, rc2.CaseID); err != nil {
		return nil, nil, err
	} else if err := closeRequestAlert(ctx, db, users["guardia"], ref.PersonID); err != nil {
		return fail("river alert", err)
	}
	if err := db.AssignCase(as("recepcion"), rc2.CaseID, users["seguimiento"].ID, ""); err != nil {
		return fail("river assignment", err)
	}
	at(21*24*time.Hour - 90*time.Minute)
	ids2, err := grant("guardia",
		escudo.MeasureGrant{CaseID: rc2.CaseID, Measure: "evacuation", AgencyID: ag.byCode["gn"], Source: escudo.SourceUrgent, Reason: "Sacarla esa misma noche.",
			Details: map[string]string{"destination": "Pinotepa Nacional, domicilio reservado", "people": "3"}},
		escudo.MeasureGrant{CaseID: rc2.CaseID, Measure: "building_protection", AgencyID: police, Source: escudo.SourceUrgent, Reason: "La casa sigue sola y marcada.",
			Details: map[string]string{"premises": "Domicilio de la defensora", "rounds_per_day": "4"}},
		escudo.MeasureGrant{CaseID: rc2.CaseID, Measure: "temporary_relocation", AgencyID: ag.byCode["segob-mecanismo"], Source: escudo.SourceUrgent, Reason: "Dos meses fuera de la región.",
			Details: map[string]string{"destination": "Ciudad reservada", "people": "3"}},
		escudo.MeasureGrant{CaseID: rc2.CaseID, Measure: "escort", AgencyID: ag.byCode["gn"], Source: escudo.SourceUrgent, Reason: "Traslados a las asambleas.",
			Details: map[string]string{"officers": "2"}})
	if err != nil {
		return fail("river urgent measures", err)
	}
	evac, premises, relocation, escort := ids2[0], ids2[1], ids2[2], ids2[3]
	at(21*24*time.Hour - 5*time.Hour)
	if err := move("coordinacion", evac, escudo.MeasureNotified, escudo.MeasureImplementing, escudo.MeasureAwaiting); err != nil {
		return fail("evacuation", err)
	}
	if err := db.ConfirmMeasure(as("seguimiento"), evac, true, escudo.ChannelByPhone, "Llegamos bien; estamos con familiares."); err != nil {
		return fail("evacuation confirmed", err)
	}
	at(20 * 24 * time.Hour)
	if err := move("coordinacion", premises, escudo.MeasureNotified, escudo.MeasureImplementing); err != nil {
		return fail("premises", err)
	}
	if err := move("coordinacion", relocation, escudo.MeasureNotified, escudo.MeasureImplementing, escudo.MeasureAwaiting); err != nil {
		return fail("relocation", err)
	}
	at(19 * 24 * time.Hour)
	if err := move("coordinacion", premises, escudo.MeasureAwaiting); err != nil {
		return fail("premises implemented", err)
	}
	if err := db.ConfirmMeasure(as("seguimiento"), relocation, true, escudo.ChannelByVisit, "La vivienda es segura."); err != nil {
		return fail("relocation confirmed", err)
	}
	if _, err := db.AddMeasureCost(as("seguimiento"), relocation, escudo.MeasureCost{Description: "Renta de la vivienda temporal", Centavos: 650000,
		Period: escudo.PeriodMonthly, Payer: escudo.PayerBeneficiary, CannotPay: true}); err != nil {
		return fail("relocation rent", err)
	}
	if _, err := db.AddMeasureCost(as("seguimiento"), relocation, escudo.MeasureCost{Description: "Traslado de la familia", Centavos: 420000,
		Period: escudo.PeriodOnce, Payer: escudo.PayerMechanism}); err != nil {
		return fail("relocation travel", err)
	}
	at(12 * 24 * time.Hour)
	if err := db.ConfirmMeasure(as("seguimiento"), premises, false, escudo.ChannelByPhone, "Los rondines nunca pasaron por la casa; un vecino lo confirma."); err != nil {
		return fail("premises rejected", err)
	}
	if err := move("seguimiento", escort, escudo.MeasureNotified, escudo.MeasureImplementing, escudo.MeasureAwaiting); err != nil {
		return fail("escort", err)
	}
	if err := db.ConfirmMeasure(as("seguimiento"), escort, true, escudo.ChannelByPhone, ""); err != nil {
		return fail("escort confirmed", err)
	}
	at(6 * 24 * time.Hour)
	if err := db.RateMeasure(as("seguimiento"), escort, escudo.RatingCounterproductive, "Los escoltas uniformados en la asamblea hicieron que la comunidad desconfiara de ella."); err != nil {
		return fail("escort rated", err)
	}
	if err := db.MoveMeasure(as("seguimiento"), escort, escudo.MeasureUnderReview, "Revisar si la escolta puede ser discreta o cambiarse por acompañamiento de observadores."); err != nil {
		return fail("escort review", err)
	}
	if err := db.RateMeasure(as("seguimiento"), evac, escudo.RatingUseful, ""); err != nil {
		return fail("evacuation rated", err)
	}
	// The rejected premises measure is overdue again: the sweep tells the tiers.
	if _, err := db.SweepMeasures(ctx, 0); err != nil {
		return fail("sweep", err)
	}
	clock.Set(now)
	if _, err := db.SweepMeasures(ctx, 0); err != nil {
		return fail("sweep", err)
	}
	var reqs []Request
	for _, r := range []*escudo.Receipt{rc1, rc2} {
		c, err := db.FindCaseByID(ctx, r.CaseID)
		if err != nil {
			return nil, nil, err
		}
		reqs = append(reqs, Request{Case: *c, Person: *c.Person, Stage: c.Stage})
	}
	return reqs, []escudo.Receipt{*rc1, *rc2}, nil
}

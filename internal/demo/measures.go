package demo

import (
	"context"
	"fmt"
	"strings"

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

// Package prevention seeds the demo's incidents and investigations (issue
// 15; docs/prevention.md): threats and surveillance across states for the
// generated cases, a raid on the Saltillo migrant shelter, digital attacks
// against the Juan Gerardi Center, a journalist's harassment on the Oaxaca
// coast; investigations, some stalled past the threshold and one with
// charges filed; and a cluster in Saltillo in the last week that raises an
// early warning.
package prevention

import (
	"context"
	"fmt"
	"time"

	"escudo"
	rules "escudo/internal/prevention"
	"escudo/internal/store"
)

// Cases names the demo cases the incidents happen to.
type Cases struct {
	Shelter, Gerardi, Montana, Journalist int64
	Others                                []int64 // generated cases, for the history across states
}

const day = 24 * time.Hour

// capitals is the municipality the generated cases' incidents are placed
// in: the entity's capital (the demo does not know their towns).
var capitals = map[string]string{"OAX": "Oaxaca de Juárez", "GRO": "Chilpancingo de los Bravo", "CHS": "Tuxtla Gutiérrez", "VER": "Xalapa",
	"MIC": "Morelia", "CDMX": "Cuauhtémoc", "CHH": "Chihuahua", "TAM": "Ciudad Victoria", "JAL": "Guadalajara", "SIN": "Culiacán",
	"MEX": "Toluca", "PUE": "Puebla", "COA": "Torreón", "SON": "Hermosillo", "GTO": "Guanajuato", "BC": "Tijuana", "MOR": "Cuernavaca"}

type plan struct {
	caseID       int64
	ago          time.Duration
	kind         rules.IncidentKind
	aggressor    rules.AggressorType
	entity, town string
	what         string
	inv          *invPlan
}

type invPlan struct {
	authority, file string
	opened, last    time.Duration // ago
	status          rules.InvestigationStatus
}

// Seed records the incidents as the follow-up officer, with the clock set
// near each one, then runs the investigations' and warnings' sweeps at now.
func Seed(ctx context.Context, db *store.DB, setClock func(time.Time), users map[string]*escudo.User, c Cases, now time.Time) error {
	defer setClock(now)
	as := escudo.NewContextWithUser(ctx, users["seguimiento"])
	coord := escudo.NewContextWithUser(ctx, users["coordinacion"])
	plans := []plan{
		{c.Shelter, 200 * day, rules.IncidentThreat, rules.AggressorOrganised, "COA", "Saltillo", "Llamadas a la casa del migrante exigiendo que dejen de recibir a personas de paso; amenazan con quemar el albergue.",
			&invPlan{"Fiscalía General del Estado de Coahuila", "CI/SAL/1187/2026", 195 * day, 180 * day, rules.InvOpen}},
		{c.Shelter, 40 * day, rules.IncidentRaid, rules.AggressorMunicipal, "COA", "Saltillo", "Policías municipales entraron sin orden al albergue de madrugada, revisaron los registros de personas alojadas y se llevaron dos teléfonos.",
			&invPlan{"Fiscalía General del Estado de Coahuila", "CI/SAL/2290/2026", 38 * day, 12 * day, rules.InvOpen}},
		{c.Gerardi, 120 * day, rules.IncidentDigital, rules.AggressorUnknown, "COA", "Torreón", "Intento de tomar el control de la cuenta de correo institucional de la directora mediante un mensaje falso de verificación.",
			&invPlan{"Fiscalía Especializada en Materia de Derechos Humanos (FGR)", "FED/FEMDH/COA/0331/2026", 115 * day, 110 * day, rules.InvComplaint}},
		{c.Gerardi, 75 * day, rules.IncidentDigital, rules.AggressorUnknown, "COA", "Torreón", "Se detectó un programa espía en el teléfono de una documentalista del equipo de desapariciones.", nil},
		{c.Gerardi, 30 * day, rules.IncidentInfoTheft, rules.AggressorUnknown, "COA", "Torreón", "Robo de la computadora con la base de datos de familias buscadoras durante la noche; no se llevaron nada más.",
			&invPlan{"Fiscalía General del Estado de Coahuila", "CI/TRC/0712/2026", 29 * day, 29 * day, rules.InvComplaint}},
		{c.Journalist, 90 * day, rules.IncidentStigmatisation, rules.AggressorMunicipal, "OAX", "Santiago Pinotepa Nacional", "El presidente municipal la llamó «enemiga del pueblo» en una transmisión en vivo tras su reportaje sobre despojo de tierras.", nil},
		{c.Journalist, 60 * day, rules.IncidentSurveillance, rules.AggressorPrivate, "OAX", "Santiago Pinotepa Nacional", "Una camioneta sin placas la siguió en la carretera costera durante tres días.",
			&invPlan{"Fiscalía Especial para la Atención de Delitos cometidos contra la Libertad de Expresión (FEADLE)", "FED/FEADLE/OAX/0098/2026", 58 * day, 9 * day, rules.InvCharges}},
		{c.Journalist, 20 * day, rules.IncidentHarassment, rules.AggressorMunicipal, "OAX", "Santiago Pinotepa Nacional", "Policías municipales le impidieron cubrir una asamblea y borraron las fotos de su cámara.", nil},
		{c.Montana, 300 * day, rules.IncidentThreat, rules.AggressorOrganised, "GRO", "Tlapa de Comonfort", "Un grupo armado dejó un mensaje en la radio comunitaria: si siguen denunciando la tala, «van a desaparecer».",
			&invPlan{"Fiscalía General del Estado de Guerrero", "CI/TLA/0402/2025", 298 * day, 260 * day, rules.InvArchived}},
		{c.Montana, 100 * day, rules.IncidentPhysical, rules.AggressorOrganised, "GRO", "Tlapa de Comonfort", "Golpearon a una defensora comunitaria al volver de una reunión en la cabecera municipal.",
			&invPlan{"Fiscalía General del Estado de Guerrero", "CI/TLA/1130/2026", 99 * day, 99 * day, rules.InvOpen}},
	}
	// The cluster: five incidents in Saltillo last week (Monday to
	// Saturday of the week before now's), against the shelter and the
	// Gerardi Center's team visiting it.
	lastWeek := rules.WeekStart(now).AddDate(0, 0, -7)
	for i, w := range []struct {
		who  int64
		kind rules.IncidentKind
		what string
	}{
		{c.Shelter, rules.IncidentSurveillance, "Dos hombres en motocicleta fotografiaron la entrada del albergue durante la tarde."},
		{c.Shelter, rules.IncidentThreat, "Mensaje en la puerta: «ya sabemos quiénes son»."},
		{c.Gerardi, rules.IncidentSurveillance, "Un vehículo siguió al equipo del Centro desde el albergue hasta el hotel."},
		{c.Shelter, rules.IncidentHarassment, "Patrullas estacionadas frente al albergue toda la noche, con las luces encendidas, sin explicación."},
		{c.Shelter, rules.IncidentThreat, "Llamada al teléfono del coordinador: «el próximo allanamiento no será de la policía»."},
	} {
		plans = append(plans, plan{w.who, now.Sub(lastWeek.Add(time.Duration(i+1)*day + 3*time.Hour)), w.kind, rules.AggressorUnknown, "COA", "Saltillo", w.what, nil})
	}
	// Threats and surveillance across states for the generated cases,
	// spread over two years.
	kinds := []rules.IncidentKind{rules.IncidentThreat, rules.IncidentSurveillance, rules.IncidentHarassment, rules.IncidentJudicial, rules.IncidentThreat, rules.IncidentDigital}
	aggressors := []rules.AggressorType{rules.AggressorMunicipal, rules.AggressorOrganised, rules.AggressorState, rules.AggressorPrivate, rules.AggressorUnknown, rules.AggressorFederal, rules.AggressorParty}
	for i, id := range c.Others {
		ref, err := db.CaseRef(ctx, id)
		if err != nil {
			return err
		}
		town, ok := capitals[ref.Entity]
		if !ok || ref.Entity == "COA" {
			continue // Coahuila's history stays quiet: the cluster stands out
		}
		p := plan{id, time.Duration(20+(i*37)%700) * day, kinds[i%len(kinds)], aggressors[i%len(aggressors)], ref.Entity, town,
			"Amenaza recibida por la persona beneficiaria (demostración).", nil}
		if i%3 == 0 {
			p.inv = &invPlan{"Fiscalía General del Estado", fmt.Sprintf("CI/FGE/%04d/2026", 100+i), p.ago - day, p.ago - 2*day, rules.InvComplaint}
			if p.ago > 200*day {
				p.inv.last = p.ago - 10*day
			}
		}
		plans = append(plans, p)
	}
	for _, p := range plans {
		if p.caseID == 0 {
			continue
		}
		at := now.Add(-p.ago)
		setClock(at.Add(2 * time.Hour))
		in := &rules.Incident{CaseID: p.caseID, Kind: p.kind, Aggressor: p.aggressor, OccurredAt: at, TimePrecision: rules.TimeDay,
			Entity: p.entity, Municipality: p.town, PlacePrecision: rules.PlaceMunicipality, Description: p.what}
		id, err := db.RecordIncident(as, in)
		if err != nil {
			return fmt.Errorf("demo: incident: %w", err)
		}
		if p.inv == nil {
			continue
		}
		opened := now.Add(-p.inv.opened)
		setClock(opened.Add(time.Hour))
		first := rules.InvComplaint
		if p.inv.status == rules.InvComplaint {
			first = p.inv.status
		}
		vid, err := db.AddInvestigation(as, &rules.Investigation{IncidentID: id, Authority: p.inv.authority, FileNumber: p.inv.file, Status: first, OpenedAt: opened})
		if err != nil {
			return fmt.Errorf("demo: investigation: %w", err)
		}
		if p.inv.last < p.inv.opened {
			last := now.Add(-p.inv.last)
			setClock(last.Add(time.Hour))
			if err := db.UpdateInvestigation(as, &rules.InvestigationUpdate{InvestigationID: vid, Status: p.inv.status, At: last,
				Note: "Avance registrado por la unidad de seguimiento (demostración)."}); err != nil {
				return fmt.Errorf("demo: investigation update: %w", err)
			}
		}
	}
	setClock(now)
	if _, err := db.SweepInvestigations(coord, 1000); err != nil {
		return fmt.Errorf("demo: investigations sweep: %w", err)
	}
	if _, err := db.SweepWarnings(coord, 1000); err != nil {
		return fmt.Errorf("demo: warnings sweep: %w", err)
	}
	return nil
}

package demo

import (
	"context"
	"fmt"
	"time"

	"escudo"
	"escudo/internal/board"
	"escudo/internal/store"
)

// boardSeats names who holds each seat of the default Governing Board:
// member, then alternate ("" when the seat has none).
var boardSeats = []struct{ seat, member, alternate string }{
	{"segob", "junta", ""},
	{"sspc", "junta2", "junta3"},
	{"sre", "junta4", ""},
	{"fgr", "junta5", "junta6"},
	{"cndh", "junta7", ""},
	{"council_1", "consejo", "consejo5"},
	{"council_2", "consejo2", ""},
	{"council_3", "consejo3", ""},
	{"council_4", "consejo4", ""},
}

// seatBoard gives the demo Board's seats their members and alternates.
func seatBoard(ctx context.Context, db *store.DB, users map[string]*escudo.User) error {
	for _, s := range boardSeats {
		for i, name := range []string{s.member, s.alternate} {
			if name == "" {
				continue
			}
			u := users[name]
			if u == nil {
				return fmt.Errorf("demo: board seat %s: unknown user %q", s.seat, name)
			}
			if err := db.SetSeatHolder(ctx, s.seat, u.ID, i == 1); err != nil {
				return fmt.Errorf("demo: board seat %s: %w", s.seat, err)
			}
		}
	}
	return nil
}

// SeedBoard records the Governing Board's life in the demo:
//
//   - a past ordinary session with quorum, where the Juan Gerardi Center
//     is declared at extraordinary risk (named votes, one abstention) and
//     a second collective is decided; its minutes, amended by a Council
//     member who attended, are final;
//   - a past session without quorum (the five government seats, no
//     Council seat) where the Saltillo shelter's case was refused: its
//     director asked to be heard and was not there; the refusal's reasons
//     are on its agenda, and its draft minutes carry an amendment;
//   - an upcoming session whose agenda is published and locked, with the
//     shelter's case again (hearing requested) and a case waiting at the
//     Board.
//
// shelter is the Saltillo shelter's case (SeedAssessmentsAndAppeals).
// The clock moves back and ends at now.
func SeedBoard(ctx context.Context, db *store.DB, clock *Clock, users map[string]*escudo.User, shelter int64, now time.Time) ([]Request, []escudo.Receipt, error) {
	as := func(name string) context.Context { return escudo.NewContextWithUser(ctx, users[name]) }
	at := func(days float64) { clock.Set(now.Add(-time.Duration(days * float64(24*time.Hour)))) }
	defer clock.Set(now)
	coord := as("coordinacion")

	// Two collectives evaluated at extraordinary risk and sent to the Board.
	at(55)
	type newCase struct {
		name, org, entity, town, phone, narrative string
	}
	var receipts []escudo.Receipt
	for _, c := range []newCase{
		{"Centro de Derechos Humanos Juan Gerardi (demostración)", "Centro de Derechos Humanos Juan Gerardi", "COA", "Torreón", "+52 871 555 0142",
			"Amenazas de muerte al equipo que documenta desapariciones en la Laguna; vigilancia de la oficina."},
		{"Red de Defensoras Comunitarias de la Montaña (demostración)", "Red de Defensoras Comunitarias de la Montaña", "GRO", "Tlapa de Comonfort", "+52 757 555 0163",
			"Hostigamiento de un grupo armado a las defensoras comunitarias tras denunciar la tala ilegal."},
	} {
		rc, err := db.FileRequest(as("recepcion"), &escudo.Case{Channel: escudo.ChannelHotline, Narrative: c.narrative},
			&escudo.Person{Kind: escudo.KindCollective, Profile: escudo.ProfileDefender, Name: c.name, Entity: c.entity, Municipality: c.town, Organization: c.org, Phone: c.phone})
		if err != nil {
			return nil, nil, fmt.Errorf("demo: board case: %w", err)
		}
		if err := db.DecideAdmission(as("recepcion"), rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
			return nil, nil, fmt.Errorf("demo: board case admission: %w", err)
		}
		id, err := db.StartEvaluation(as("analista"), rc.CaseID, escudo.EvaluationFull, escudo.ReasonInitial)
		if err != nil {
			return nil, nil, fmt.Errorf("demo: board case evaluation: %w", err)
		}
		if _, err := db.SubmitEvaluation(as("analista"), id, demoDraft(c.narrative)); err != nil {
			return nil, nil, fmt.Errorf("demo: board case evaluation: %w", err)
		}
		receipts = append(receipts, *rc)
	}
	gerardi, montana := receipts[0].CaseID, receipts[1].CaseID
	// A journalist in Oaxaca, as in the report: granted a vehicle and a
	// satellite phone that never arrive, and cameras and lights whose
	// electricity she cannot pay.
	const jNarrative = "Amenazas de muerte y seguimiento en carretera a una periodista de la Costa tras publicar sobre despojo de tierras."
	jr, err := db.FileRequest(as("recepcion"), &escudo.Case{Channel: escudo.ChannelHotline, Narrative: jNarrative},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Periodista de la Costa de Oaxaca (demostración)", Entity: "OAX",
			Municipality: "Santiago Pinotepa Nacional", Phone: "+52 954 555 0177"})
	if err != nil {
		return nil, nil, fmt.Errorf("demo: journalist case: %w", err)
	}
	if err := db.DecideAdmission(as("recepcion"), jr.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
		return nil, nil, fmt.Errorf("demo: journalist admission: %w", err)
	}
	jev, err := db.StartEvaluation(as("analista"), jr.CaseID, escudo.EvaluationFull, escudo.ReasonInitial)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: journalist evaluation: %w", err)
	}
	if _, err := db.SubmitEvaluation(as("analista"), jev, demoDraft(jNarrative)); err != nil {
		return nil, nil, fmt.Errorf("demo: journalist evaluation: %w", err)
	}
	receipts = append(receipts, *jr)
	journalist := jr.CaseID

	// The past session with quorum.
	at(42)
	past, err := db.CreateSession(coord, now.Add(-30*24*time.Hour), "Sala de juntas de la Secretaría de Gobernación, Ciudad de México", escudo.SessionOrdinary)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: board session: %w", err)
	}
	itemG, err := db.AddAgendaItem(coord, past, gerardi, false)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: agenda: %w", err)
	}
	itemM, err := db.AddAgendaItem(coord, past, montana, true)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: agenda: %w", err)
	}
	itemJ, err := db.AddAgendaItem(coord, past, journalist, false)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: agenda: %w", err)
	}
	if err := db.PublishAgenda(coord, past); err != nil {
		return nil, nil, fmt.Errorf("demo: publish: %w", err)
	}
	at(30)
	full := board.Presence{"segob": escudo.AttendMember, "sspc": escudo.AttendAlternate, "sre": escudo.AttendMember, "fgr": escudo.AttendMember,
		"cndh": escudo.AttendMember, "council_1": escudo.AttendMember, "council_2": escudo.AttendMember, "council_3": escudo.AttendAbsent, "council_4": escudo.AttendMember}
	if err := db.RecordAttendance(coord, past, full); err != nil {
		return nil, nil, fmt.Errorf("demo: attendance: %w", err)
	}
	if _, err := db.CheckQuorum(coord, past); err != nil {
		return nil, nil, fmt.Errorf("demo: quorum: %w", err)
	}
	// The defenders' representative came to be heard.
	if err := db.SetHearing(coord, past, itemM, false, true); err != nil {
		return nil, nil, fmt.Errorf("demo: hearing: %w", err)
	}
	votes := func(abstain string) []escudo.Vote {
		var out []escudo.Vote
		for _, s := range db.Board().Seats {
			a := full[s.ID]
			if a == escudo.AttendAbsent {
				continue
			}
			v := escudo.Vote{Seat: s.ID, Alternate: a == escudo.AttendAlternate, Choice: escudo.VoteFor}
			if s.ID == abstain {
				v.Choice = escudo.VoteAbstain
			}
			out = append(out, v)
		}
		return out
	}
	agencies, err := boardAgencies(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	gerardiMeasures := []escudo.ResolutionMeasure{
		{Action: escudo.ActionGrant, Reason: "Amenazas de muerte al equipo en la oficina y en la calle.",
			Grant: escudo.MeasureGrant{Measure: "panic_button", AgencyID: agencies["mecanismo"]}},
		{Action: escudo.ActionGrant, Reason: "Vehículos sin placas frente a la oficina a la hora de salida.", Grant: escudo.MeasureGrant{Measure: "police_rounds", AgencyID: agencies["ssp-coa"],
			Discreet: true, Details: map[string]string{"rounds_per_day": "2", "area": "Alrededores de la oficina, centro de Torreón"}}},
		{Action: escudo.ActionGrant, Reason: "El equipo vive con miedo constante desde las amenazas.",
			Grant: escudo.MeasureGrant{Measure: "psychosocial_support", AgencyID: agencies["mecanismo"]}},
	}
	if _, err := db.RecordResolution(coord, past, itemG, escudo.Resolution{Level: escudo.RiskExtraordinary, Votes: votes("fgr"), Measures: gerardiMeasures,
		Reasons:     "Amenazas de muerte reiteradas y vigilancia de la oficina; la Comisión Interamericana otorgó medidas cautelares. La Junta adopta el nivel extraordinario de la evaluación.",
		ThreatBrief: "Amenazas de muerte por teléfono y en persona; vehículos sin placas frente a la oficina en horario de salida."}); err != nil {
		return nil, nil, fmt.Errorf("demo: Gerardi resolution: %w", err)
	}
	if _, err := db.RecordResolution(coord, past, itemM, escudo.Resolution{Level: escudo.RiskExtraordinary, Votes: votes(""),
		Reasons:     "Hostigamiento armado tras la denuncia de tala ilegal; se escuchó a la representante de la red.",
		ThreatBrief: "Hombres armados recorren la comunidad; las defensoras piden que no haya patrullaje visible."}); err != nil {
		return nil, nil, fmt.Errorf("demo: Montaña resolution: %w", err)
	}
	mec := agencies["mecanismo"]
	due := now.Add(-10 * 24 * time.Hour) // twenty days after the session: overdue by now
	jres, err := db.RecordResolution(coord, past, itemJ, escudo.Resolution{Level: escudo.RiskExtraordinary, Votes: votes(""),
		Reasons:     "Seguimiento en carretera y amenazas de muerte tras sus publicaciones; vive en una zona sin señal de telefonía móvil.",
		ThreatBrief: "Vehículos la siguen en la carretera costera; amenazas de muerte por mensajes.",
		Measures: []escudo.ResolutionMeasure{
			{Action: escudo.ActionGrant, Reason: "La siguen en la carretera entre su casa y la redacción.", Grant: escudo.MeasureGrant{Measure: "armoured_vehicle", AgencyID: mec, Deadline: due,
				Details: map[string]string{"plate": "TKP-123-A", "driver": "Conductor asignado por el Mecanismo"}}},
			{Action: escudo.ActionGrant, Reason: "Sin señal de telefonía móvil en su comunidad.", Grant: escudo.MeasureGrant{Measure: "satellite_phone", AgencyID: mec, Deadline: due,
				Details: map[string]string{"number": "+881 631 555 0177"}}},
			{Action: escudo.ActionGrant, Reason: "Vigilancia de su domicilio por la noche.", Grant: escudo.MeasureGrant{Measure: "cameras", AgencyID: mec,
				Details: map[string]string{"premises": "Domicilio de la periodista", "units": "4"}}},
			{Action: escudo.ActionGrant, Reason: "El acceso a su casa está a oscuras.", Grant: escudo.MeasureGrant{Measure: "lighting", AgencyID: mec,
				Details: map[string]string{"premises": "Domicilio de la periodista"}}},
		}})
	if err != nil {
		return nil, nil, fmt.Errorf("demo: journalist resolution: %w", err)
	}
	if err := db.SaveMinutes(coord, past, "Sesión ordinaria con quórum (8 de 9 lugares, 3 del Consejo Consultivo). Se resolvieron tres casos: Centro Juan Gerardi (extraordinario), Red de Defensoras Comunitarias de la Montaña (extraordinario), con audiencia de su representante, y una periodista de la Costa de Oaxaca (extraordinario)."); err != nil {
		return nil, nil, fmt.Errorf("demo: minutes: %w", err)
	}
	at(28)
	if err := db.AmendMinutes(as("consejo"), past, "Que conste que el Consejo pidió revisar en 30 días si las medidas del Centro Juan Gerardi se implementaron."); err != nil {
		return nil, nil, fmt.Errorf("demo: amendment: %w", err)
	}
	at(25)
	if err := db.FinaliseMinutes(coord, past); err != nil {
		return nil, nil, fmt.Errorf("demo: final minutes: %w", err)
	}
	if err := db.CloseSession(coord, past); err != nil {
		return nil, nil, fmt.Errorf("demo: close: %w", err)
	}
	// The journalist's measures: the vehicle and the phone told to the
	// Mechanism's area and no further (overdue now); the cameras and lights
	// installed and confirmed, with an electricity bill she cannot pay.
	jm := map[string]int64{}
	for _, m := range jres.Measures {
		jm[m.Grant.Measure] = m.GrantedID
	}
	for _, step := range []struct {
		measure string
		to      []escudo.MeasureStatus
	}{
		{"armoured_vehicle", []escudo.MeasureStatus{escudo.MeasureNotified}},
		{"satellite_phone", []escudo.MeasureStatus{escudo.MeasureNotified}},
		{"cameras", []escudo.MeasureStatus{escudo.MeasureNotified, escudo.MeasureImplementing, escudo.MeasureAwaiting}},
		{"lighting", []escudo.MeasureStatus{escudo.MeasureNotified, escudo.MeasureImplementing, escudo.MeasureAwaiting}},
	} {
		for _, to := range step.to {
			if err := db.MoveMeasure(as("seguimiento"), jm[step.measure], to, ""); err != nil {
				return nil, nil, fmt.Errorf("demo: journalist %s: %w", step.measure, err)
			}
		}
	}
	at(18)
	for _, m := range []string{"cameras", "lighting"} {
		if err := db.ConfirmMeasure(as("seguimiento"), jm[m], true, escudo.ChannelByPhone, "Instaladas y funcionando."); err != nil {
			return nil, nil, fmt.Errorf("demo: journalist %s confirmed: %w", m, err)
		}
	}
	if _, err := db.AddMeasureCost(as("seguimiento"), jm["lighting"], escudo.MeasureCost{Description: "Electricidad de las lámparas y las cámaras", Centavos: 85000,
		Period: escudo.PeriodMonthly, Payer: escudo.PayerBeneficiary, CannotPay: true}); err != nil {
		return nil, nil, fmt.Errorf("demo: journalist electricity: %w", err)
	}

	// The session without quorum: Saltillo's case refused.
	at(20)
	bare, err := db.CreateSession(coord, now.Add(-15*24*time.Hour), "Sala de juntas de la Secretaría de Gobernación, Ciudad de México", escudo.SessionOrdinary)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: board session: %w", err)
	}
	itemS, err := db.AddAgendaItem(coord, bare, shelter, true)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: agenda: %w", err)
	}
	if err := db.PublishAgenda(coord, bare); err != nil {
		return nil, nil, fmt.Errorf("demo: publish: %w", err)
	}
	at(15)
	gov := board.Presence{"segob": escudo.AttendMember, "sspc": escudo.AttendMember, "sre": escudo.AttendMember, "fgr": escudo.AttendAlternate, "cndh": escudo.AttendMember}
	if err := db.RecordAttendance(coord, bare, gov); err != nil {
		return nil, nil, fmt.Errorf("demo: attendance: %w", err)
	}
	if _, err := db.CheckQuorum(coord, bare); err != nil {
		return nil, nil, fmt.Errorf("demo: quorum: %w", err)
	}
	refusal := db.MayDecide(coord, bare, itemS)
	if refusal == nil {
		return nil, nil, fmt.Errorf("demo: the Saltillo decision should be refused")
	}
	if err := db.NoteRefusal(coord, bare, itemS, refusal); err != nil {
		return nil, nil, fmt.Errorf("demo: refusal: %w", err)
	}
	if err := db.SaveMinutes(coord, bare, "No hubo quórum: asistieron los cinco lugares de gobierno y ningún lugar del Consejo Consultivo. El caso de la Casa del Migrante de Saltillo no se puso a decisión: su director pidió ser escuchado y no estaba presente."); err != nil {
		return nil, nil, fmt.Errorf("demo: minutes: %w", err)
	}
	at(14)
	if err := db.AmendMinutes(as("junta"), bare, "Agregar que la Secretaría de Gobernación pidió convocar de nuevo con aviso al Consejo Consultivo."); err != nil {
		return nil, nil, fmt.Errorf("demo: amendment: %w", err)
	}
	if err := db.CloseSession(coord, bare); err != nil {
		return nil, nil, fmt.Errorf("demo: close: %w", err)
	}

	// The upcoming session, agenda published and locked.
	at(1)
	next, err := db.CreateSession(coord, now.Add(5*24*time.Hour), "Sala de juntas de la Secretaría de Gobernación, Ciudad de México", escudo.SessionOrdinary)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: board session: %w", err)
	}
	if _, err := db.AddAgendaItem(coord, next, shelter, true); err != nil {
		return nil, nil, fmt.Errorf("demo: agenda: %w", err)
	}
	waiting, _, err := db.FindCases(ctx, escudo.CaseFilter{Stage: escudo.StageBoard, Limit: 3})
	if err != nil {
		return nil, nil, err
	}
	for _, c := range waiting {
		if c.ID != shelter {
			if _, err := db.AddAgendaItem(coord, next, c.ID, false); err != nil {
				return nil, nil, fmt.Errorf("demo: agenda: %w", err)
			}
		}
	}
	if err := db.PublishAgenda(coord, next); err != nil {
		return nil, nil, fmt.Errorf("demo: publish: %w", err)
	}
	var reqs []Request
	for _, r := range receipts {
		c, err := db.FindCaseByID(ctx, r.CaseID)
		if err != nil {
			return nil, nil, err
		}
		reqs = append(reqs, Request{Case: *c, Person: *c.Person, Stage: c.Stage})
	}
	return reqs, receipts, nil
}

// boardAgencies returns the demo's implementing agencies by code, adding
// those missing.
func boardAgencies(ctx context.Context, db *store.DB) (map[string]int64, error) {
	want := []escudo.Agency{
		{Code: "mecanismo", Name: "Coordinación Ejecutiva Nacional del Mecanismo", Level: escudo.AgencyFederal},
		{Code: "ssp-coa", Name: "Secretaría de Seguridad Pública de Coahuila", Level: escudo.AgencyState, Entity: "COA", Police: true},
	}
	have, err := db.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, a := range have {
		out[a.Code] = a.ID
	}
	for _, a := range want {
		if out[a.Code] != 0 {
			continue
		}
		id, err := db.AddAgency(ctx, a)
		if err != nil {
			return nil, fmt.Errorf("demo: agency %s: %w", a.Code, err)
		}
		out[a.Code] = id
	}
	return out, nil
}

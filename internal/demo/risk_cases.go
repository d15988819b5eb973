package demo

import (
	"context"
	"fmt"
	"time"

	"escudo"
	"escudo/internal/store"
)

// Other bodies' assessments, appeals and re-evaluation (issue 13, items
// 6–8) in the demo: the Saltillo migrant shelter, with the IACHR's
// precautionary measure (extraordinary), an appeal that went to the
// Consultative Council and a re-evaluation a serious incident asked for;
// and a journalists' network evaluated five days ago, whose evaluation can
// still be appealed.
// The integrator calls SeedAssessmentsAndAppeals from Seed, after the
// console (the clock moves back and ends at now).

// demoDraft answers every factor and required question of the default
// instrument: extraordinario.
func demoDraft(narrative string) escudo.EvaluationDraft {
	return escudo.EvaluationDraft{
		Factors: map[string]int64{
			"threat_type": 2, "threat_source": 3, "threat_frequency": 2, "threat_recency": 3, "threat_reach": 2,
			"place": 2, "isolation": 1, "exposure": 3, "dependants": 2, "gender": 2, "ethnic_identity": 0,
			"health": 0, "digital_exposure": 1, "displacement": 0,
			"networks": 1, "accompaniment": 1, "legal_support": 1, "security_practices": 2,
		},
		Context: map[string]string{
			"narrative": narrative, "gender": "woman", "ethnic_identity": "none",
			"disability": "no", "migration_status": "national", "sogi": "not_stated", "rurality": "urban",
		},
		Proposals: []escudo.MeasureProposal{
			{Measure: "panic_button", Reason: "Hombres armados vigilan la entrada del albergue."},
			{Measure: "psychosocial_support", Reason: "El equipo vive con miedo constante."},
		},
	}
}

// SeedAssessmentsAndAppeals records the shelter's case with its IACHR
// precautionary measure, two evaluations, an appeal now before the
// Council and a serious incident awaiting re-evaluation, and the
// journalists' network. It returns both cases as requests (with the stage
// they stand in) and their receipts, for the seed's result.
func SeedAssessmentsAndAppeals(ctx context.Context, db *store.DB, clock *Clock, users map[string]*escudo.User, now time.Time) ([]Request, []escudo.Receipt, error) {
	_, reqs, receipts, err := seedRiskCases(ctx, db, clock, users, now)
	return reqs, receipts, err
}

func seedRiskCases(ctx context.Context, db *store.DB, clock *Clock, users map[string]*escudo.User, now time.Time) (int64, []Request, []escudo.Receipt, error) {
	as := func(name string) context.Context { return escudo.NewContextWithUser(ctx, users[name]) }
	at := func(days float64) { clock.Set(now.Add(-time.Duration(days * float64(24*time.Hour)))) }
	defer clock.Set(now)
	at(40)
	rc, err := db.FileRequest(as("recepcion"), &escudo.Case{Channel: escudo.ChannelHotline,
		Narrative: "Hombres armados vigilan la entrada del albergue de migrantes desde marzo y amenazaron a la coordinadora."},
		&escudo.Person{Kind: escudo.KindCollective, Profile: escudo.ProfileDefender, Name: "Casa del Migrante de Saltillo (demostración)",
			Entity: "COA", Municipality: "Saltillo", Organization: "Casa del Migrante de Saltillo", Phone: "+52 844 555 0131"})
	if err != nil {
		return 0, nil, nil, fmt.Errorf("demo: shelter request: %w", err)
	}
	id := rc.CaseID
	at(39)
	if err := db.DecideAdmission(as("coordinacion"), id, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
		return 0, nil, nil, fmt.Errorf("demo: shelter admission: %w", err)
	}
	at(38)
	if _, err := db.RecordAssessment(as("analista"), &escudo.Assessment{CaseID: id, Body: escudo.BodyIACHR, Reference: "MC-312-09",
		Level: escudo.RiskExtraordinary, DecidedAt: now.Add(-400 * 24 * time.Hour),
		Measures: "Adoptar las medidas necesarias para proteger la vida e integridad del personal y las personas migrantes del albergue.",
		Document: "Resolución de medidas cautelares de la CIDH (número de demostración)."}); err != nil {
		return 0, nil, nil, fmt.Errorf("demo: IACHR measure: %w", err)
	}
	evaluate := func(reason escudo.EvaluationReason, narrative string) error {
		e, err := db.StartEvaluation(as("analista"), id, escudo.EvaluationFull, reason)
		if err != nil {
			return err
		}
		_, err = db.SubmitEvaluation(as("analista"), e, demoDraft(narrative))
		return err
	}
	at(35)
	if err := evaluate(escudo.ReasonInitial, "Vigilancia armada en la entrada; amenazas a la coordinadora."); err != nil {
		return 0, nil, nil, fmt.Errorf("demo: shelter evaluation: %w", err)
	}
	at(20)
	appeal, err := db.FileAppeal(as("seguimiento"), id, "El albergue considera que el nivel no refleja las amenazas recientes contra las personas migrantes.")
	if err != nil {
		return 0, nil, nil, fmt.Errorf("demo: appeal: %w", err)
	}
	at(12)
	if err := evaluate(escudo.ReasonAppeal, "Nueva evaluación por la inconformidad: la vigilancia continúa."); err != nil {
		return 0, nil, nil, fmt.Errorf("demo: appeal evaluation: %w", err)
	}
	at(10)
	if err := db.AppealAnswer(as("seguimiento"), appeal, false); err != nil {
		return 0, nil, nil, fmt.Errorf("demo: appeal answer: %w", err)
	}
	// A second case, evaluated five days ago, that can still be appealed.
	at(9)
	rc2, err := db.FileRequest(as("recepcion"), &escudo.Case{Channel: escudo.ChannelHotline,
		Narrative: "Seguimiento y mensajes intimidatorios tras publicar sobre desapariciones en Saltillo."},
		&escudo.Person{Kind: escudo.KindCollective, Profile: escudo.ProfileJournalist, Name: "Red de Periodistas de Coahuila (demostración)",
			Entity: "COA", Municipality: "Saltillo", Organization: "Red de Periodistas de Coahuila", Phone: "+52 844 555 0177"})
	if err != nil {
		return 0, nil, nil, fmt.Errorf("demo: second request: %w", err)
	}
	at(8)
	if err := db.DecideAdmission(as("coordinacion"), rc2.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
		return 0, nil, nil, fmt.Errorf("demo: second admission: %w", err)
	}
	at(5)
	e2, err := db.StartEvaluation(as("analista"), rc2.CaseID, escudo.EvaluationFull, escudo.ReasonInitial)
	if err == nil {
		_, err = db.SubmitEvaluation(as("analista"), e2, demoDraft("Mensajes intimidatorios y seguimiento a la salida de la redacción."))
	}
	if err != nil {
		return 0, nil, nil, fmt.Errorf("demo: second evaluation: %w", err)
	}
	at(2)
	if err := db.RequestReevaluation(as("seguimiento"), id, "Dispararon contra la fachada del albergue durante la noche; nadie resultó herido."); err != nil {
		return 0, nil, nil, fmt.Errorf("demo: incident: %w", err)
	}
	var reqs []Request
	for _, r := range []*escudo.Receipt{rc, rc2} {
		c, err := db.FindCaseByID(ctx, r.CaseID)
		if err != nil {
			return 0, nil, nil, err
		}
		reqs = append(reqs, Request{Case: *c, Person: *c.Person, Stage: c.Stage})
	}
	return id, reqs, []escudo.Receipt{*rc, *rc2}, nil
}

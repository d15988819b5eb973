package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"escudo"
	"escudo/internal/risk"
	"escudo/internal/store"
)

// Risk evaluations in the demo: every "evaluated" and "reevaluated" step of
// a generated history is a real evaluation, answered from the case (more
// threat where danger is imminent, the person's gender and identity in the
// context), proposing measures with reasons; extraordinary cases get the
// immediate-action evaluation before their urgent measures. Answers come
// from a generator seeded by the case, so the demo is the same every time.

// evaluateCase makes and submits one evaluation of kind on the case as the
// signed-in actor of actx.
func evaluateCase(actx context.Context, db *store.DB, caseID int64, kind escudo.EvaluationKind, reason escudo.EvaluationReason, p *escudo.Person, c *escudo.Case, seed uint64) error {
	id, err := db.StartEvaluation(actx, caseID, kind, reason)
	if err != nil {
		return fmt.Errorf("demo: start evaluation of case %d: %w", caseID, err)
	}
	d := demoAnswers(db.Instrument(), p, c, seed)
	if _, err = db.SubmitEvaluation(actx, id, d); escudo.ErrorKey(err) == "risk.justification_required" {
		d.Justification = pickFrom(seed, justifications)
		_, err = db.SubmitEvaluation(actx, id, d)
	}
	if err != nil {
		return fmt.Errorf("demo: submit evaluation of case %d: %w", caseID, err)
	}
	return nil
}

func pickFrom(seed uint64, list []string) string { return list[seed%uint64(len(list))] }

var justifications = []string{
	"Los responsables de las amenazas fueron detenidos en octubre y no hubo hechos nuevos desde entonces; la persona cuenta ahora con acompañamiento de una red nacional.",
	"La persona se trasladó a otra ciudad con su familia y dejó de cubrir la zona donde ocurrieron las agresiones; se mantiene el botón de asistencia.",
}

// demoAnswers answers every factor and context question of inst for the
// case.
func demoAnswers(inst *risk.Instrument, p *escudo.Person, c *escudo.Case, seed uint64) escudo.EvaluationDraft {
	r := rand.New(rand.NewPCG(seed, 0x5eed)) // #nosec G404 -- fictional answers must be reproducible from their seed
	d := escudo.EvaluationDraft{Factors: map[string]int64{}, Context: map[string]string{}, Notes: map[string]string{}}
	for _, g := range inst.Groups {
		for _, f := range g.Factors {
			i := r.IntN(len(f.Scale))
			switch {
			case g.ID == risk.Threats && c.ImminentDanger:
				i = len(f.Scale) - 1 - r.IntN(2) // recent, frequent, direct
			case g.ID == risk.Capacities && c.ImminentDanger:
				i = r.IntN(2)
			}
			d.Factors[f.ID] = f.Scale[i].Value
		}
	}
	d.Notes["threat_type"] = "Consta en la denuncia ante la fiscalía y en capturas de los mensajes."
	gender := "not_stated"
	switch strings.ToLower(p.Gender) {
	case "mujer":
		gender = "woman"
	case "hombre":
		gender = "man"
	case "no binaria", "no binario":
		gender = "non_binary"
	}
	ethnic := "none"
	if p.Ethnicity != "" {
		ethnic = "indigenous"
		if strings.Contains(strings.ToLower(p.Ethnicity), "afro") {
			ethnic = "afro_mexican"
		}
	}
	narrative := c.Narrative
	if narrative == "" {
		narrative = "La persona describió las agresiones en la entrevista; el relato completo está en el expediente."
	}
	d.Context = map[string]string{
		"narrative": narrative, "gender": gender, "ethnic_identity": ethnic,
		"disability": []string{"no", "no", "no", "yes"}[r.IntN(4)], "migration_status": []string{"national", "national", "national", "irregular"}[r.IntN(4)],
		"sogi": []string{"not_lgbtiq", "not_stated", "lgbtiq"}[r.IntN(3)], "rurality": []string{"urban", "semi_urban", "rural"}[r.IntN(3)],
	}
	d.Proposals = []escudo.MeasureProposal{{Measure: "panic_button", Reason: "Para pedir ayuda de inmediato si las amenazas se repiten."}}
	if c.ImminentDanger {
		d.Proposals = append(d.Proposals, escudo.MeasureProposal{Measure: "building_protection", Reason: "Hubo vigilancia armada frente al domicilio."})
	}
	if r.IntN(2) == 0 {
		d.Proposals = append(d.Proposals, escudo.MeasureProposal{Measure: "psychosocial_support", Reason: "La persona y su familia viven con miedo desde las amenazas."})
	}
	return d
}

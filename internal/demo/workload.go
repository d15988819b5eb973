package demo

import (
	"context"
	"fmt"
	"time"

	"escudo"
	"escudo/internal/store"
)

// WorkloadCases is how many older cases seedWorkload adds.
const WorkloadCases = 50

// seedWorkload files older cases whose history makes the workload page
// (docs/workload.md) tell a story: during the last three months the
// coordination worked down a backlog of evaluations and of cases waiting
// for the Board, so those two stages clear at the current pace, while the
// cases they resolved pile up in implementation and follow-up, which do
// not. Half the cases were received 22 to 29 weeks ago and evaluated in the
// last eleven weeks; the other half were received 34 to 39 weeks ago,
// evaluated five weeks later and resolved in the last eleven weeks.
// Measures are in place about ten days after each resolution.
func seedWorkload(ctx context.Context, db *store.DB, users map[string]*escudo.User, seed uint64, now time.Time) ([]Request, []escudo.Receipt, error) {
	week := 7 * day
	reqs := Generate(seed^0x770ad, WorkloadCases, now)
	analysts := []string{"analista", "analista2", "analista3"}
	followups := []string{"seguimiento", "seguimiento2"}
	for i := range reqs {
		r := &reqs[i]
		var received, evaluated, resolved time.Time
		if i < WorkloadCases/2 {
			received = now.Add(-time.Duration(22+i%8) * week)
			evaluated = now.Add(-time.Duration(1+i%11)*week - time.Duration(i%5)*day)
			resolved = evaluated.Add(time.Duration(3+i%4) * day)
		} else {
			received = now.Add(-time.Duration(34+i%6) * week)
			evaluated = received.Add(5 * week)
			resolved = now.Add(-time.Duration(1+i%11)*week - time.Duration(i%3)*day)
		}
		r.Case.ReceivedAt, r.Case.ImminentDanger, r.Case.Procedure = received, false, escudo.ProcedureOrdinary
		admit := &escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}
		analyst := analysts[i%len(analysts)]
		r.Steps = []Step{
			{At: received.Add(day), Actor: "recepcion", Admission: admit},
			{At: received.Add(day + time.Hour), Actor: "coordinacion", AssignTo: analyst},
			{At: evaluated, Actor: analyst, Milestone: escudo.MilestoneEvaluated},
			{At: evaluated.Add(time.Hour), Actor: analyst, Milestone: escudo.MilestoneSentToBoard},
		}
		r.Stage = escudo.StageBoard
		if resolved.Before(now.Add(-day)) {
			follow := followups[i%len(followups)]
			r.Steps = append(r.Steps,
				Step{At: resolved, Actor: "coordinacion", Milestone: escudo.MilestoneResolved},
				Step{At: resolved.Add(time.Hour), Actor: "coordinacion", AssignTo: follow, Note: "Pasa a seguimiento tras la resolución de la Junta: medidas por implementar."})
			r.Stage = escudo.StageImplementation
			if in := resolved.Add(time.Duration(8+i%5) * day); in.Before(now.Add(-day)) {
				r.Steps = append(r.Steps, Step{At: in, Actor: follow, Milestone: escudo.MilestoneMeasuresImplemented})
				r.Stage = escudo.StageFollowUp
			}
		}
	}
	bulk, err := Bulk(reqs, users)
	if err != nil {
		return nil, nil, err
	}
	receipts, err := db.FileRequests(ctx, bulk, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: workload cases: %w", err)
	}
	return reqs, receipts, nil
}

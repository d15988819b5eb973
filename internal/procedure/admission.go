package procedure

import "escudo"

// Admission is what an admission decision does to a case.
type Admission struct {
	Procedure escudo.Procedure // the case's procedure afterwards
	// ProcedureChanged: the decision changed the procedure, so the clocks are
	// re-planned (ProcedureClocks) before Milestone is recorded.
	ProcedureChanged bool
	Stage            escudo.Stage     // the case's stage afterwards
	Milestone        escudo.Milestone // recorded at the decision; empty when none (information requested)
	CancelClocks     bool             // the case closes: its running clocks are cancelled after Milestone
}

// Admit decides an admission decision on a case. Only a case in reception
// may be decided, once: admission opens the risk evaluation, refusal closes
// the case, and a request for information leaves it in reception. The
// decision may also move the case to the other procedure.
func Admit(s State, d escudo.AdmissionDecision) (Admission, error) {
	if err := d.Validate(); err != nil {
		return Admission{}, err
	}
	if s.Stage != escudo.StageReception {
		return Admission{}, escudo.Errorf(escudo.ECONFLICT, "error.admission_decided")
	}
	a := Admission{Procedure: s.Procedure, Stage: s.Stage}
	if d.Procedure != "" && d.Procedure != s.Procedure {
		a.Procedure, a.ProcedureChanged = d.Procedure, true
	}
	switch d.Admission {
	case escudo.AdmissionAdmitted:
		a.Stage, a.Milestone = escudo.StageEvaluation, escudo.MilestoneAdmitted
	case escudo.AdmissionNotAdmitted:
		a.Stage, a.Milestone, a.CancelClocks = escudo.StageClosed, escudo.MilestoneClosed, true
	}
	return a, nil
}

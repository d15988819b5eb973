package escudo

import (
	"strings"
	"time"
)

// Why a case is in the re-evaluation queue.
const (
	ReevalScheduled = "scheduled" // the periodic re-evaluation clock is due soon or breached
	ReevalIncident  = "incident"  // staff recorded a serious new incident
	ReevalAlert     = "alert"     // an alert of the beneficiary was resolved as a real emergency
)

// TriggeredReevaluationLimit is the time a triggered re-evaluation (a
// serious incident or a real emergency) should take: that of the full
// evaluation.
const TriggeredReevaluationLimit = 10 * 24 * time.Hour

// EventReevaluationRequested: a new evaluation was asked for; Detail is the
// cause (incident or alert).
const EventReevaluationRequested = "reevaluation_requested"

// ReevaluationItem is one line of the re-evaluation queue: a case, why it
// must be evaluated again, and by when (Clock: the scheduled clock, or one
// from the request and TriggeredReevaluationLimit).
type ReevaluationItem struct {
	CaseID      int64      `json:"case_id"`
	Reference   string     `json:"reference"`
	Cause       string     `json:"cause"`
	RequestedAt time.Time  `json:"requested_at"`
	Clock       ClockState `json:"clock"`
}

// CheckIncident checks the description of a serious incident staff record.
func CheckIncident(note string) error {
	var v ValidationErrors
	if strings.TrimSpace(note) == "" {
		v.Add("note", "validation.required", nil)
	} else {
		checkPersonalText(&v, "note", note, MaxLongText, true)
	}
	return v.Err()
}

// ReevalAppeal: an appeal asked for the new evaluation.
const ReevalAppeal = "appeal"

// EventAppeal: a step of an appeal; Detail is the state it reached
// (filed, agreed, persisted, study, ruled).
const EventAppeal = "appeal"

// Appeal is a beneficiary's disagreement with an evaluation (inconformidad).
type Appeal struct {
	ID              int64      `json:"id"`
	CaseID          int64      `json:"case_id"`
	Reference       string     `json:"reference"`
	EvaluationID    int64      `json:"evaluation_id"`
	State           string     `json:"state"`
	Grounds         string     `json:"grounds"`
	FiledAt         time.Time  `json:"filed_at"`
	NewEvaluationID int64      `json:"new_evaluation_id,omitempty"`
	NewLevel        RiskLevel  `json:"new_level,omitempty"`
	OldLevel        RiskLevel  `json:"old_level"`
	StudyStartedAt  *time.Time `json:"study_started_at,omitempty"`
	StudyDueAt      *time.Time `json:"study_due_at,omitempty"`
	Study           string     `json:"study,omitempty"`
	Ruling          string     `json:"ruling,omitempty"`
	RuledAt         *time.Time `json:"ruled_at,omitempty"`
}

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

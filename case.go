package escudo

import (
	"context"
	"strings"
	"time"
)

// IntakeChannel is how a protection request reached the mechanism.
type IntakeChannel string

const (
	ChannelWeb      IntakeChannel = "web"
	ChannelHotline  IntakeChannel = "hotline"
	ChannelEmail    IntakeChannel = "email"
	ChannelInPerson IntakeChannel = "in_person"
	ChannelReferral IntakeChannel = "referral"
)

// IntakeChannels lists the channels in display order.
var IntakeChannels = []IntakeChannel{ChannelWeb, ChannelHotline, ChannelEmail, ChannelInPerson, ChannelReferral}

// Procedure is the track a case follows.
type Procedure string

const (
	ProcedureOrdinary      Procedure = "ordinary"
	ProcedureExtraordinary Procedure = "extraordinary"
)

// Admission is the decision on whether the mechanism takes the case.
type Admission string

const (
	AdmissionPending       Admission = "pending"
	AdmissionAdmitted      Admission = "admitted"
	AdmissionNotAdmitted   Admission = "not_admitted"
	AdmissionInfoRequested Admission = "info_requested"
)

// Stage is where a case stands in the procedure.
type Stage string

const (
	StageReception      Stage = "reception"      // received, admission not decided
	StageEvaluation     Stage = "evaluation"     // admitted, risk evaluation under way
	StageBoard          Stage = "board"          // evaluation before the Governing Board
	StageImplementation Stage = "implementation" // measures resolved, being implemented
	StageFollowUp       Stage = "follow_up"      // measures in place, periodic review
	StageClosed         Stage = "closed"
)

// Stages lists the stages in procedural order.
var Stages = []Stage{StageReception, StageEvaluation, StageBoard, StageImplementation, StageFollowUp, StageClosed}

// Milestone names a dated step of the procedure; clocks run between milestones.
type Milestone string

const (
	MilestoneReceived Milestone = "received"
	MilestoneAdmitted Milestone = "admitted"
	// MilestoneImmediateEvaluated is recorded by submitting the
	// immediate-action evaluation of the extraordinary procedure, never by hand.
	MilestoneImmediateEvaluated     Milestone = "immediate_evaluated"
	MilestoneUrgentIssued           Milestone = "urgent_measures_issued"
	MilestoneUrgentImplemented      Milestone = "urgent_measures_implemented"
	MilestoneEvaluated              Milestone = "evaluated"
	MilestoneSentToBoard            Milestone = "sent_to_board"
	MilestoneResolved               Milestone = "resolved"
	MilestoneResolutionCommunicated Milestone = "resolution_communicated"
	MilestoneMeasuresImplemented    Milestone = "measures_implemented"
	MilestoneNotified               Milestone = "beneficiary_notified"
	MilestoneAppealFiled            Milestone = "appeal_filed"
	MilestoneAppealRuled            Milestone = "appeal_ruled"
	MilestoneReevaluated            Milestone = "reevaluated"
	MilestoneClosed                 Milestone = "closed"
)

// Milestones lists every milestone staff may record, in procedural order.
var Milestones = []Milestone{MilestoneReceived, MilestoneAdmitted, MilestoneImmediateEvaluated, MilestoneUrgentIssued,
	MilestoneUrgentImplemented, MilestoneEvaluated, MilestoneSentToBoard, MilestoneResolved,
	MilestoneResolutionCommunicated, MilestoneMeasuresImplemented, MilestoneNotified,
	MilestoneAppealFiled, MilestoneAppealRuled, MilestoneReevaluated, MilestoneClosed}

// ValidMilestone reports whether m is a known milestone.
func ValidMilestone(m Milestone) bool {
	for _, x := range Milestones {
		if x == m {
			return true
		}
	}
	return false
}

// Case is a protection request and everything that follows from it.
type Case struct {
	ID              int64         `json:"id"`
	Reference       string        `json:"reference"`
	PersonID        int64         `json:"person_id"`
	Person          *Person       `json:"person,omitempty"`
	Channel         IntakeChannel `json:"channel"`
	ReferredBy      string        `json:"referred_by,omitempty"`
	ReceivedAt      time.Time     `json:"received_at"`
	ImminentDanger  bool          `json:"imminent_danger"`
	Procedure       Procedure     `json:"procedure"`
	Admission       Admission     `json:"admission"`
	AdmissionReason string        `json:"admission_reason,omitempty"`
	Stage           Stage         `json:"stage"`
	Entity          string        `json:"federal_entity"`
	AssignedTo      int64         `json:"assigned_to,omitempty"`
	AssigneeName    string        `json:"assignee_name,omitempty"`
	Narrative       string        `json:"narrative,omitempty"`  // sensitive
	Aggressors      string        `json:"aggressors,omitempty"` // sensitive: who threatens
	CreatedBy       int64         `json:"created_by,omitempty"`
	CreatedAt       time.Time     `json:"created_at"`
	UpdatedAt       time.Time     `json:"updated_at"`
	Clocks          []ClockState  `json:"clocks,omitempty"`
}

// Validate checks the request fields of a new case.
func (c *Case) Validate() error {
	var v ValidationErrors
	valid := false
	for _, ch := range IntakeChannels {
		valid = valid || ch == c.Channel
	}
	if !valid {
		v.Add("channel", "validation.choice", nil)
	}
	if c.Channel == ChannelReferral && strings.TrimSpace(c.ReferredBy) == "" {
		v.Add("referred_by", "validation.required", nil)
	}
	switch c.Procedure {
	case "":
		c.Procedure = ProcedureOrdinary
		if c.ImminentDanger {
			c.Procedure = ProcedureExtraordinary
		}
	case ProcedureOrdinary, ProcedureExtraordinary:
	default:
		v.Add("procedure", "validation.choice", nil)
	}
	c.Narrative = strings.TrimSpace(c.Narrative)
	if c.Narrative == "" {
		v.Add("narrative", "validation.required", nil)
	}
	checkPersonalText(&v, "narrative", c.Narrative, MaxLongText, true)
	checkPersonalText(&v, "aggressors", c.Aggressors, MaxLongText, true)
	checkPersonalText(&v, "referred_by", c.ReferredBy, MaxShortText, false)
	return v.Err()
}

// Open reports whether the case is still open.
func (c *Case) Open() bool { return c.Stage != StageClosed }

// Event is one entry of a case timeline.
type Event struct {
	ID        int64     `json:"id"`
	CaseID    int64     `json:"case_id"`
	At        time.Time `json:"at"`
	ActorID   int64     `json:"actor_id,omitempty"` // 0: the system or the public
	ActorName string    `json:"actor_name,omitempty"`
	Kind      string    `json:"kind"`             // translation key suffix: event.<kind>
	Detail    string    `json:"detail,omitempty"` // non-sensitive detail (codes, names of stages)
	Note      string    `json:"note,omitempty"`   // sensitive free text, encrypted at rest
}

// Event kinds.
const (
	EventReceived     = "received"
	EventAdmission    = "admission"
	EventAssigned     = "assigned"
	EventReassigned   = "reassigned"
	EventMilestone    = "milestone"
	EventNote         = "note"
	EventClockBreach  = "clock_breach"
	EventEscalation   = "clock_escalation"
	EventStatusViewed = "status_viewed"
	// EventInfoAnswered: the petitioner answered a request for more
	// information from the status page; the answer is the sealed note.
	EventInfoAnswered = "info_answered"
	// EventEvaluationStarted: a risk evaluation was opened; Detail is its
	// kind. EventEvaluation: one was submitted; Detail is "kind:level".
	EventEvaluationStarted = "evaluation_started"
	EventEvaluation        = "evaluation"
)

// CaseFilter selects cases for lists and search. Zero values match all.
type CaseFilter struct {
	Query      string // a reference, a phone, or words of a name or organisation (blind indexes)
	Stage      Stage
	Entity     string
	Procedure  Procedure
	AssignedTo int64
	Unassigned bool // only cases assigned to nobody
	Breached   bool // only cases with a breached clock
	Open       bool // exclude closed cases
	Offset     int
	Limit      int
}

// AdmissionDecision is staff's decision on a request.
type AdmissionDecision struct {
	Admission Admission `json:"admission"`
	Reason    string    `json:"reason"`
	Procedure Procedure `json:"procedure"`
}

// Validate checks the decision: a refusal or a request for information needs a reason.
func (d *AdmissionDecision) Validate() error {
	var v ValidationErrors
	switch d.Admission {
	case AdmissionAdmitted:
	case AdmissionNotAdmitted, AdmissionInfoRequested:
		if strings.TrimSpace(d.Reason) == "" {
			v.Add("reason", "validation.required", nil)
		}
	default:
		v.Add("admission", "validation.choice", nil)
	}
	switch d.Procedure {
	case "", ProcedureOrdinary, ProcedureExtraordinary:
	default:
		v.Add("procedure", "validation.choice", nil)
	}
	checkPersonalText(&v, "reason", d.Reason, MaxLongText, true)
	return v.Err()
}

// Receipt is what a petitioner gets after filing a request: the secret code
// is shown once and stored only as a keyed hash.
type Receipt struct {
	CaseID    int64
	Reference string
	Code      string
}

// PublicStatus is what the follow-up page shows to whoever holds the code.
type PublicStatus struct {
	Reference  string
	ReceivedAt time.Time
	Stage      Stage
	Admission  Admission
	Procedure  Procedure
	Events     []Event // only public kinds, no notes
	// InfoRequest is what staff asked the petitioner for, while the request
	// waits for that answer (admission "info_requested"); empty otherwise.
	InfoRequest string
}

// BacklogRow is one open case on the backlog board.
type BacklogRow struct {
	Case      *Case
	Age       time.Duration
	NextClock *ClockState
	Breaches  int
	Pinned    bool // imminent danger not yet attended (procedure.Pinned): shown first
}

// Backlog is the backlog board: open cases by age and clock, counts per stage.
type Backlog struct {
	Rows          []BacklogRow
	Total         int
	StageCounts   map[Stage]int
	BreachedCount int
	DueSoonCount  int
	Workload      map[int64]Workload // open and overdue cases per assignee
	FiguresAt     time.Time          // when the counts were taken
}

// Workload is how many open cases a person holds and how many of them have a
// breached clock, shown beside their name where cases are assigned.
type Workload struct {
	Open, Overdue int
}

// CaseService manages protection requests.
type CaseService interface {
	// FileRequest records a new request with its petitioner, in one transaction.
	FileRequest(ctx context.Context, c *Case, p *Person) (*Receipt, error)
	FindCaseByID(ctx context.Context, id int64) (*Case, error)
	FindCases(ctx context.Context, f CaseFilter) ([]*Case, int, error)
	PublicStatus(ctx context.Context, reference, code string) (*PublicStatus, error)
	DecideAdmission(ctx context.Context, caseID int64, d AdmissionDecision) error
	AssignCase(ctx context.Context, caseID, userID int64, handOverNote string) error
	RecordMilestone(ctx context.Context, caseID int64, m Milestone, at time.Time, note string) error
	AddNote(ctx context.Context, caseID int64, note string) error
	Timeline(ctx context.Context, caseID int64) ([]Event, error)
	Backlog(ctx context.Context, f CaseFilter) (*Backlog, error)
}

package escudo

import "time"

// RiskLevel is the level a risk evaluation assigns, on the scale of
// Colombia's UNP that the Mechanism's instrument maps its formula onto. A
// case, the Board and the calibration report speak of these levels; the
// instrument (internal/risk) says which of them it uses and from where.
type RiskLevel string

const (
	RiskOrdinary      RiskLevel = "ordinario"
	RiskExtraordinary RiskLevel = "extraordinario"
	RiskExtreme       RiskLevel = "extremo"
)

// RiskLevels lists the levels from lowest to highest; an instrument's levels
// are a run of this list in this order.
var RiskLevels = []RiskLevel{RiskOrdinary, RiskExtraordinary, RiskExtreme}

// Rank returns the level's place in RiskLevels, or -1 when it is not one.
func (l RiskLevel) Rank() int {
	for i, x := range RiskLevels {
		if x == l {
			return i
		}
	}
	return -1
}

// EvaluationKind is which of the two speeds an evaluation is.
type EvaluationKind string

const (
	// EvaluationImmediate is the immediate-action evaluation of the
	// extraordinary procedure: hours, and it proposes urgent measures.
	EvaluationImmediate EvaluationKind = "immediate"
	// EvaluationFull is the full evaluation of the ordinary procedure (and
	// the one that follows an immediate one): days.
	EvaluationFull EvaluationKind = "full"
)

// EvaluationReason is why an evaluation was made.
type EvaluationReason string

const (
	ReasonInitial   EvaluationReason = "initial"   // the case's first evaluation
	ReasonScheduled EvaluationReason = "scheduled" // the periodic re-evaluation
	ReasonIncident  EvaluationReason = "incident"  // a serious new incident or alert
	ReasonAppeal    EvaluationReason = "appeal"    // the beneficiary's disagreement
	ReasonRequest   EvaluationReason = "request"   // asked for by the Board or the coordination
)

// EvaluationReasons lists the reasons in the order forms show them.
var EvaluationReasons = []EvaluationReason{ReasonInitial, ReasonScheduled, ReasonIncident, ReasonAppeal, ReasonRequest}

// EvaluationState is where an evaluation is.
type EvaluationState string

const (
	StateDraft     EvaluationState = "draft"
	StateSubmitted EvaluationState = "submitted"
)

// Board flags an evaluation raises: the Board must look at the case.
const (
	FlagBelowOtherBody = "below_other_body" // lower than another body's current level
	FlagLowersLevel    = "lowers_level"     // lower than the case's previous evaluation
	FlagFewerMeasures  = "fewer_measures"   // proposes fewer measures than the previous one
)

// MeasureProposal is one measure an evaluation proposes, from the measures
// catalogue, with the reason for it.
type MeasureProposal struct {
	Measure string `json:"measure"`
	Reason  string `json:"reason"`
}

// Evaluation is one risk evaluation of one case. Factors, Context and Notes
// are the answers to the instrument version it names (internal/risk);
// Level, Num and Den are set when it is submitted, from those answers.
type Evaluation struct {
	ID            int64             `json:"id"`
	CaseID        int64             `json:"case_id"`
	Kind          EvaluationKind    `json:"kind"`
	Reason        EvaluationReason  `json:"reason"`
	State         EvaluationState   `json:"state"`
	Instrument    string            `json:"instrument"`
	Version       int               `json:"version"`
	AnalystID     int64             `json:"analyst_id,omitempty"`
	AnalystName   string            `json:"analyst_name,omitempty"`
	PreviousID    int64             `json:"previous_id,omitempty"`
	Factors       map[string]int64  `json:"factors"`
	Context       map[string]string `json:"context"`
	Notes         map[string]string `json:"notes,omitempty"`
	Proposals     []MeasureProposal `json:"proposals,omitempty"`
	Justification string            `json:"justification,omitempty"`
	Level         RiskLevel         `json:"level,omitempty"`
	Num           int64             `json:"num,omitempty"`
	Den           int64             `json:"den,omitempty"`
	BoardFlags    []string          `json:"board_flags,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	SubmittedAt   *time.Time        `json:"submitted_at,omitempty"`
}

// EvaluationDraft is what a save of the evaluation form carries: the
// answers given so far. Submit carries the same and must be complete.
type EvaluationDraft struct {
	Factors       map[string]int64  `json:"factors"`
	Context       map[string]string `json:"context"`
	Notes         map[string]string `json:"notes,omitempty"`
	Proposals     []MeasureProposal `json:"proposals,omitempty"`
	Justification string            `json:"justification,omitempty"`
}

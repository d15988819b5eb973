package escudo

import (
	"regexp"
	"strings"
	"time"
)

// AssessmentBody is the kind of body whose assessment of a case's risk is
// recorded beside the Mechanism's own evaluations.
type AssessmentBody string

const (
	BodyIACHR           AssessmentBody = "iachr"             // Inter-American Commission: precautionary measures
	BodyCNDH            AssessmentBody = "cndh"              // national human rights commission
	BodyStateCommission AssessmentBody = "state_commission"  // a state human rights commission
	BodyForeign         AssessmentBody = "foreign_programme" // another country's protection programme
	BodyOther           AssessmentBody = "other"
)

// AssessmentBodies lists the kinds in the order forms show them.
var AssessmentBodies = []AssessmentBody{BodyIACHR, BodyCNDH, BodyStateCommission, BodyForeign, BodyOther}

// EventAssessment: another body's assessment was recorded; Detail is
// "body:level". EventAssessmentEnded: one is no longer in force; Detail is
// its body.
const (
	EventAssessment      = "assessment"
	EventAssessmentEnded = "assessment_ended"
)

// Assessment is another body's assessment of a case: its level on the
// Mechanism's scale, the measures it set and the document it came in.
// BodyName, Measures and Document are sealed in the risk compartment.
type Assessment struct {
	ID        int64          `json:"id"`
	CaseID    int64          `json:"case_id"`
	Body      AssessmentBody `json:"body"`
	BodyName  string         `json:"body_name"`
	Reference string         `json:"reference"`
	Level     RiskLevel      `json:"level"`
	Measures  string         `json:"measures"` // what the catalogue lacks, in words
	// CatalogueMeasures: those of its measures the catalogue has (ids),
	// sealed; checked by the store against the catalogue.
	CatalogueMeasures []string   `json:"catalogue_measures,omitempty"`
	Document          string     `json:"document"`
	DecidedAt         time.Time  `json:"decided_at"`
	EndedAt           *time.Time `json:"ended_at,omitempty"`
	RecordedBy        string     `json:"recorded_by,omitempty"`
	RecordedAt        time.Time  `json:"recorded_at"`
}

// InForce reports whether the assessment still counts.
func (a *Assessment) InForce() bool { return a.EndedAt == nil }

// iachrNumber is the IACHR's precautionary measure number: MC-123-17.
var iachrNumber = regexp.MustCompile(`^MC-[0-9]{1,5}-[0-9]{2}$`)

// Validate checks an assessment before it is recorded; now bounds the
// decision date.
func (a *Assessment) Validate(now time.Time) error {
	var v ValidationErrors
	a.BodyName, a.Reference = strings.TrimSpace(a.BodyName), strings.ToUpper(strings.TrimSpace(a.Reference))
	a.Measures, a.Document = strings.TrimSpace(a.Measures), strings.TrimSpace(a.Document)
	known := false
	for _, b := range AssessmentBodies {
		known = known || a.Body == b
	}
	if !known {
		v.Add("body", "assessment.body_unknown", nil)
	}
	switch {
	case a.Body == BodyIACHR && !iachrNumber.MatchString(a.Reference):
		v.Add("number", "assessment.iachr_number", nil)
	case a.Reference == "":
		v.Add("number", "validation.required", nil)
	default:
		checkText(&v, "number", a.Reference, MaxShortText)
	}
	if a.BodyName == "" && a.Body != BodyIACHR && a.Body != BodyCNDH {
		v.Add("body_name", "validation.required", nil)
	} else {
		checkText(&v, "body_name", a.BodyName, MaxShortText)
	}
	if a.Level.Rank() < 0 {
		v.Add("level", "assessment.level_unknown", nil)
	}
	checkPersonalText(&v, "measures", a.Measures, MaxLongText, true)
	checkPersonalText(&v, "document", a.Document, MaxLongText, true)
	if a.DecidedAt.IsZero() {
		v.Add("decided_at", "validation.date", nil)
	} else if a.DecidedAt.After(now) {
		v.Add("decided_at", "assessment.date_future", nil)
	}
	return v.Err()
}

package escudo

import "time"

// MeasureStatus is where a granted protective measure stands. It moves only
// along the legal transitions of internal/measures (Lifecycle):
//
//	granted → notified → implementing → awaiting_confirmation → in_force
//	       → under_review → (in_force again) | withdrawn | ended
//
// A beneficiary's rejection of an implementation sends the measure from
// awaiting_confirmation back to implementing, with a new deadline.
type MeasureStatus string

const (
	MeasureGranted      MeasureStatus = "granted"               // decided, agency not yet told
	MeasureNotified     MeasureStatus = "notified"              // the implementing agency has the instruction
	MeasureImplementing MeasureStatus = "implementing"          // the agency is putting it in place
	MeasureAwaiting     MeasureStatus = "awaiting_confirmation" // implemented, the beneficiary has not confirmed
	MeasureInForce      MeasureStatus = "in_force"              // confirmed by the beneficiary
	MeasureUnderReview  MeasureStatus = "under_review"          // its need or form is being reviewed
	MeasureWithdrawn    MeasureStatus = "withdrawn"             // taken away by a decision, with reasons
	MeasureEnded        MeasureStatus = "ended"                 // ran its course, with reasons
)

// MeasureStatuses lists the statuses in the order of the lifecycle.
var MeasureStatuses = []MeasureStatus{MeasureGranted, MeasureNotified, MeasureImplementing, MeasureAwaiting,
	MeasureInForce, MeasureUnderReview, MeasureWithdrawn, MeasureEnded}

// Final reports whether no transition leaves s.
func (s MeasureStatus) Final() bool { return s == MeasureWithdrawn || s == MeasureEnded }

// MeasureSource says who granted a measure: the reception unit in the
// extraordinary procedure (urgent, to be ratified by the Board at its next
// session) or the Governing Board in a resolution.
type MeasureSource string

const (
	SourceUrgent MeasureSource = "urgent"
	SourceBoard  MeasureSource = "board"
)

// AgencyLevel is the order of government (or a contractor) that implements
// a measure.
type AgencyLevel string

const (
	AgencyFederal    AgencyLevel = "federal"
	AgencyState      AgencyLevel = "state"
	AgencyMunicipal  AgencyLevel = "municipal"
	AgencyContractor AgencyLevel = "contractor"
)

// AgencyLevels lists the levels.
var AgencyLevels = []AgencyLevel{AgencyFederal, AgencyState, AgencyMunicipal, AgencyContractor}

// Agency is a body that implements measures. Police agencies get a
// briefing with their instructions (Police).
type Agency struct {
	ID     int64       `json:"id"`
	Code   string      `json:"code"` // liaison accounts name it in User.Agency
	Name   string      `json:"name"`
	Level  AgencyLevel `json:"level"`
	Entity string      `json:"federal_entity,omitempty"` // state and municipal agencies
	Police bool        `json:"police"`
}

// MeasureGrant is what a decision grants, or changes a granted measure to:
// a catalogue measure, who implements it and by when.
type MeasureGrant struct {
	CaseID    int64             `json:"case_id"`
	Measure   string            `json:"measure"` // catalogue id
	AgencyID  int64             `json:"agency_id"`
	LiaisonID int64             `json:"liaison_id,omitempty"` // a liaison account of the agency
	Deadline  time.Time         `json:"deadline,omitempty"`   // zero: from the clock rules
	Discreet  bool              `json:"discreet,omitempty"`   // visible presence would harm the beneficiary
	Details   map[string]string `json:"details,omitempty"`    // the details the catalogue asks for; sealed
	DeviceID  int64             `json:"device_id,omitempty"`  // a registered device it provides
	Reason    string            `json:"reason"`
	Source    MeasureSource     `json:"source"`
	// ResolutionID is the Board resolution that grants it (0 for an
	// urgent measure until a resolution ratifies it).
	ResolutionID int64 `json:"resolution_id,omitempty"`
}

// GrantedMeasure is a measure in the life of a case.
type GrantedMeasure struct {
	ID           int64             `json:"id"`
	CaseID       int64             `json:"case_id"`
	Measure      string            `json:"measure"`
	Agency       Agency            `json:"agency"`
	LiaisonID    int64             `json:"liaison_id,omitempty"`
	LiaisonName  string            `json:"liaison_name,omitempty"`
	Status       MeasureStatus     `json:"status"`
	Source       MeasureSource     `json:"source"`
	ResolutionID int64             `json:"resolution_id,omitempty"`
	RatifiedBy   int64             `json:"ratified_by,omitempty"` // resolution that ratified an urgent measure
	Deadline     time.Time         `json:"deadline"`
	Discreet     bool              `json:"discreet,omitempty"`
	Details      map[string]string `json:"details,omitempty"` // only with the compartment
	DeviceID     int64             `json:"device_id,omitempty"`
	Reason       string            `json:"reason,omitempty"`
	GrantedAt    time.Time         `json:"granted_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// Overdue reports whether the measure should be in place by now and is not.
func (m GrantedMeasure) Overdue(now time.Time) bool {
	switch m.Status {
	case MeasureGranted, MeasureNotified, MeasureImplementing:
		return !m.Deadline.IsZero() && now.After(m.Deadline)
	}
	return false
}

// Validate checks an agency at the edge: a code (lower-case letters,
// digits, dashes), a name, a known level, a federal entity for state and
// municipal agencies.
func (a *Agency) Validate() error {
	var v ValidationErrors
	if !agencyCode(a.Code) {
		v.Add("code", "agency.code", nil)
	}
	if a.Name == "" {
		v.Add("name", "validation.required", nil)
	} else if len(a.Name) > MaxShortText {
		v.Add("name", "validation.too_long", map[string]any{"Max": MaxShortText})
	}
	if !oneOf(string(a.Level), AgencyLevels) {
		v.Add("level", "agency.level", nil)
	}
	if a.Entity != "" {
		if _, ok := LookupFederalEntity(a.Entity); !ok {
			v.Add("federal_entity", "agency.entity", nil)
		}
	} else if a.Level == AgencyState || a.Level == AgencyMunicipal {
		v.Add("federal_entity", "agency.entity_needed", nil)
	}
	return v.Err()
}

func agencyCode(s string) bool {
	if len(s) < 2 || len(s) > 40 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9' && i > 0, (r == '-' || r == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

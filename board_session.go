package escudo

import "time"

// EventResolution is the timeline entry of a Board resolution on a case.
const EventResolution = "board_resolution"

// SessionKind is whether a Board session is one of the calendar or called
// for an emergency.
type SessionKind string

const (
	SessionOrdinary      SessionKind = "ordinary"
	SessionExtraordinary SessionKind = "extraordinary"
)

// SeatHolder is a person who holds a Board seat, as its member or its
// alternate: an account with role board or council.
type SeatHolder struct {
	Seat      string    `json:"seat"`
	UserID    int64     `json:"user_id"`
	Name      string    `json:"name"`
	Alternate bool      `json:"alternate,omitempty"`
	Since     time.Time `json:"since"`
}

// SeatAttendance is how one seat attended a session, and who came.
type SeatAttendance struct {
	Seat       string     `json:"seat"`
	Attendance Attendance `json:"attendance"`
	UserID     int64      `json:"user_id,omitempty"`
	Name       string     `json:"name,omitempty"`
}

// QuorumCheck is one check of a session's quorum from its attendance.
type QuorumCheck struct {
	ID          int64     `json:"id"`
	CheckedBy   int64     `json:"checked_by"`
	CheckerName string    `json:"checker_name,omitempty"`
	CheckedAt   time.Time `json:"checked_at"`
	Present     int       `json:"present"`
	Council     int       `json:"council"`
	NeedSeats   int       `json:"need_seats"`
	NeedCouncil int       `json:"need_council"`
	Met         bool      `json:"met"`
	Reasons     []string  `json:"reasons,omitempty"` // translation keys, when not met
	// Current: attendance has not changed since; only a current check
	// that was met lets votes be recorded.
	Current bool `json:"current"`
}

// AgendaItem is one case on a session's agenda.
type AgendaItem struct {
	ID                 int64     `json:"id"`
	SessionID          int64     `json:"session_id"`
	CaseID             int64     `json:"case_id"`
	CaseReference      string    `json:"case_reference"`
	Position           int       `json:"position"`
	EvaluationID       int64     `json:"evaluation_id,omitempty"` // the submitted evaluation it rests on
	EvaluationLevel    RiskLevel `json:"evaluation_level,omitempty"`
	HearingRequested   bool      `json:"hearing_requested"`
	HearingWaived      bool      `json:"hearing_waived"`
	BeneficiaryPresent bool      `json:"beneficiary_present"`
	// Refusal lists the reasons (translation keys) the last attempt to
	// decide it was refused for; RefusedAt when.
	Refusal      []string   `json:"refusal,omitempty"`
	RefusedAt    *time.Time `json:"refused_at,omitempty"`
	ResolutionID int64      `json:"resolution_id,omitempty"`
	Identifier   string     `json:"identifier,omitempty"` // of its resolution
}

// MinutesAmendment is an attendee's proposed amendment to the minutes.
type MinutesAmendment struct {
	ID         int64     `json:"id"`
	AuthorID   int64     `json:"author_id"`
	AuthorName string    `json:"author_name"`
	Text       string    `json:"text"` // sealed (risk)
	At         time.Time `json:"at"`
}

// BoardSession is a session of the Governing Board.
type BoardSession struct {
	ID             int64              `json:"id"`
	At             time.Time          `json:"at"`
	Place          string             `json:"place"`
	Kind           SessionKind        `json:"kind"`
	State          SessionState       `json:"state"`
	QuorumRule     string             `json:"quorum_rule"` // as published, es-MX
	QuorumRuleEN   string             `json:"quorum_rule_en"`
	PublishedAt    *time.Time         `json:"published_at,omitempty"`
	Items          []AgendaItem       `json:"items,omitempty"`
	Attendance     []SeatAttendance   `json:"attendance,omitempty"`
	Quorum         *QuorumCheck       `json:"quorum,omitempty"`  // the last check
	MinutesState   string             `json:"minutes_state"`     // draft | amended | final
	Minutes        string             `json:"minutes,omitempty"` // sealed (risk)
	MinutesFinalAt *time.Time         `json:"minutes_final_at,omitempty"`
	Amendments     []MinutesAmendment `json:"amendments,omitempty"`
	Resolutions    int                `json:"resolutions"`
}

// Attended reports whether the user attended the session (as a member or
// an alternate).
func (s *BoardSession) Attended(userID int64) bool {
	for _, a := range s.Attendance {
		if a.UserID == userID && userID != 0 && a.Attendance != AttendAbsent {
			return true
		}
	}
	return false
}

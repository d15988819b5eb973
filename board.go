package escudo

import "time"

// SessionState is where a Governing Board session stands.
type SessionState string

const (
	SessionScheduled SessionState = "scheduled" // agenda may change
	SessionPublished SessionState = "published" // agenda published and locked
	SessionOpen      SessionState = "open"      // attendance taken, quorum checked
	SessionClosed    SessionState = "closed"
)

// Attendance is how a seat is present at a session.
type Attendance string

const (
	AttendMember    Attendance = "member"    // the seat's member is present
	AttendAlternate Attendance = "alternate" // the seat's alternate is present
	AttendAbsent    Attendance = "absent"
)

// VoteChoice is a seat's vote on a case.
type VoteChoice string

const (
	VoteFor     VoteChoice = "for"
	VoteAgainst VoteChoice = "against"
	VoteAbstain VoteChoice = "abstain"
)

// MeasureAction is what a resolution does to a measure.
type MeasureAction string

const (
	ActionGrant    MeasureAction = "grant"    // a new measure
	ActionModify   MeasureAction = "modify"   // a granted measure changes agency, details or deadline
	ActionWithdraw MeasureAction = "withdraw" // a granted measure is withdrawn
	ActionRatify   MeasureAction = "ratify"   // an urgent measure stays as issued
	ActionEnd      MeasureAction = "end"      // a measure has run its course
)

// ResolutionMeasure is one measure decision within a resolution.
type ResolutionMeasure struct {
	Action    MeasureAction `json:"action"`
	GrantedID int64         `json:"granted_id,omitempty"` // the granted measure modified, withdrawn, ratified or ended
	Grant     MeasureGrant  `json:"grant"`                // for grant and modify: what it becomes
	Reason    string        `json:"reason"`
}

// Vote is one seat's named vote.
type Vote struct {
	Seat       string     `json:"seat"`
	MemberID   int64      `json:"member_id"`
	MemberName string     `json:"member_name,omitempty"`
	Alternate  bool       `json:"alternate,omitempty"`
	Choice     VoteChoice `json:"choice"`
}

// Resolution is the Board's decision on one case at one session: the risk
// level it adopts, resting on a submitted evaluation, and what it does to
// the case's measures, with its reasons and the named votes. Letters are
// generated from it; it is never edited, only superseded by a later
// resolution on the same case.
type Resolution struct {
	ID            int64               `json:"id"`
	Identifier    string              `json:"identifier"` // printed on letters, e.g. "JG-2026-07-003"
	SessionID     int64               `json:"session_id"`
	SessionDate   time.Time           `json:"session_date"`
	CaseID        int64               `json:"case_id"`
	CaseReference string              `json:"case_reference"`
	EvaluationID  int64               `json:"evaluation_id"`
	Level         RiskLevel           `json:"level"`
	Measures      []ResolutionMeasure `json:"measures"`
	Reasons       string              `json:"reasons"`      // sealed (risk)
	ThreatBrief   string              `json:"threat_brief"` // sealed (risk): what officers must know of the threats
	Votes         []Vote              `json:"votes"`
	Adopted       bool                `json:"adopted"` // a majority of the votes cast was for
	Supersedes    int64               `json:"supersedes,omitempty"`
	RecordedBy    int64               `json:"recorded_by"`
	RecordedAt    time.Time           `json:"recorded_at"`
}

package coordination

import (
	"slices"
	"strings"
	"time"

	"escudo"
)

// RequestKind is what the Mechanism asks another agency to do for a case
// (issue 15, item 2; docs/coordination.md).
type RequestKind string

const (
	RequestImplement     RequestKind = "implement_measure" // put a granted measure in place
	RequestInvestigate   RequestKind = "investigate"       // investigate an incident (prosecutors)
	RequestInformation   RequestKind = "information"       // provide information the case needs
	RequestPoliceSupport RequestKind = "police_support"    // police support in an emergency
)

// RequestKinds lists the kinds in the order forms show them.
var RequestKinds = []RequestKind{RequestImplement, RequestInvestigate, RequestInformation, RequestPoliceSupport}

// RequestStatus is where an inter-agency request stands. Overdue is not a
// status: a request is overdue while it is open past its deadline.
type RequestStatus string

const (
	RequestSent         RequestStatus = "sent"         // sent, receipt not yet acknowledged
	RequestAcknowledged RequestStatus = "acknowledged" // the agency acknowledged receipt
	RequestCompleted    RequestStatus = "completed"    // the agency answered or did what was asked
	RequestCancelled    RequestStatus = "cancelled"    // withdrawn by the Mechanism, with reasons
)

// RequestStatuses lists the statuses in their order.
var RequestStatuses = []RequestStatus{RequestSent, RequestAcknowledged, RequestCompleted, RequestCancelled}

// Open reports whether the agency still owes the request something.
func (s RequestStatus) Open() bool { return s == RequestSent || s == RequestAcknowledged }

// How a receipt was acknowledged.
const (
	AckInEscudo = "escudo" // a liaison, signed in
	AckByLink   = "link"   // through the signed, expiring link of the e-mail
	AckRecorded = "staff"  // staff recorded an acknowledgement received otherwise (an official letter)
)

// The bounds of a request's deadline: police support is asked for within
// hours, nothing is asked for more than a year ahead.
const (
	RequestMinLead = 30 * time.Minute
	RequestMaxLead = 366 * 24 * time.Hour
)

// EventRequest: a step of an inter-agency request on the case's timeline;
// Detail is "id:kind:step" (sent, acknowledged, completed, cancelled,
// overdue_N).
const EventRequest = "agency_request"

// AgencyRequest is a request from a case to an agency, with its legal
// basis, deadline and proof of receipt. Details and Outcome are sealed in
// the case's risk compartment; what the performance table counts (agency,
// kind, dates, status) stays readable.
type AgencyRequest struct {
	ID         int64         `json:"id"`
	CaseID     int64         `json:"case_id"`
	Reference  string        `json:"reference,omitempty"` // the case's
	AgencyID   int64         `json:"agency_id"`
	Agency     escudo.Agency `json:"agency"`
	Kind       RequestKind   `json:"kind"`
	LegalBasis string        `json:"legal_basis"`
	Details    string        `json:"details"`
	MeasureID  int64         `json:"measure_id,omitempty"` // the granted measure to implement
	Deadline   time.Time     `json:"deadline"`
	Status     RequestStatus `json:"status"`
	SentBy     int64         `json:"sent_by,omitempty"`
	SentAt     time.Time     `json:"sent_at"`
	// Proof of receipt: when, how (AckInEscudo, AckByLink, AckRecorded)
	// and by whom (an account, or the name and post typed on the link's page).
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	AckChannel     string     `json:"ack_channel,omitempty"`
	AckBy          string     `json:"ack_by,omitempty"`
	CompletedAt    *time.Time `json:"completed_at,omitempty"`
	Outcome        string     `json:"outcome,omitempty"`
	Escalation     int        `json:"escalation"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Entity         string     `json:"federal_entity,omitempty"` // the case's
}

// Overdue reports whether the request is open past its deadline.
func (r *AgencyRequest) Overdue(now time.Time) bool {
	return r.Status.Open() && now.After(r.Deadline)
}

// Validate checks a request before it is sent; now bounds the deadline.
// A request without an addressee or a deadline is refused.
func (r *AgencyRequest) Validate(now time.Time) error {
	var v escudo.ValidationErrors
	r.LegalBasis, r.Details = strings.TrimSpace(r.LegalBasis), strings.TrimSpace(r.Details)
	if r.AgencyID <= 0 {
		v.Add("addressee", "request.addressee_required", nil)
	}
	if !slices.Contains(RequestKinds, r.Kind) {
		v.Add("request_kind", "request.kind_unknown", nil)
	}
	if r.LegalBasis == "" {
		v.Add("legal_basis", "validation.required", nil)
	} else {
		v.Text("legal_basis", r.LegalBasis, escudo.MaxShortText*5)
	}
	if r.Details == "" {
		v.Add("details", "validation.required", nil)
	} else {
		v.PersonalText("details", r.Details, escudo.MaxLongText, true)
	}
	switch {
	case r.Deadline.IsZero():
		v.Add("deadline", "request.deadline_required", nil)
	case r.Deadline.Before(now.Add(RequestMinLead)):
		v.Add("deadline", "request.deadline_past", nil)
	case r.Deadline.After(now.Add(RequestMaxLead)):
		v.Add("deadline", "request.deadline_far", nil)
	}
	if r.Kind == RequestImplement && r.MeasureID <= 0 {
		v.Add("measure", "request.measure_required", nil)
	}
	return v.Err()
}

// CheckAcknowledger checks the name and post a person types to acknowledge
// a request through its link.
func CheckAcknowledger(name string) error {
	var v escudo.ValidationErrors
	if strings.TrimSpace(name) == "" {
		v.Add("name", "validation.required", nil)
	} else {
		v.PersonalText("name", name, escudo.MaxShortText, false)
	}
	return v.Err()
}

// CheckRequestText checks an agency's answer or the reasons of a cancellation.
func CheckRequestText(field, s string) error {
	var v escudo.ValidationErrors
	if strings.TrimSpace(s) == "" {
		v.Add(field, "validation.required", nil)
	} else {
		v.PersonalText(field, s, escudo.MaxLongText, true)
	}
	return v.Err()
}

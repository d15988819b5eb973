package escudo

import (
	"strings"
	"time"
)

// The directory (issue 15, item 1): the bodies the Mechanism works with,
// each an Agency with its kind and contact details, and the cooperation
// agreement each federal entity's government has with the Mechanism.

// AgencyKind is what sort of body an agency is. The level says which
// order of government it belongs to; the kind says what it does, which is
// how the directory groups it.
type AgencyKind string

const (
	AgencyKindFederal       AgencyKind = "federal_institution" // Segob, SSPC, SRE, the Mechanism itself
	AgencyKindGovernment    AgencyKind = "state_government"    // a federal entity's executive
	AgencyKindMunicipal     AgencyKind = "municipal"           // a municipal government or contact
	AgencyKindProsecutor    AgencyKind = "prosecutor"          // FGR, FEADLE, the state prosecutors
	AgencyKindCommission    AgencyKind = "rights_commission"   // CNDH and the state commissions
	AgencyKindInternational AgencyKind = "international"       // the Inter-American Commission
	AgencyKindPolice        AgencyKind = "police"              // implements with a briefing (Agency.Police)
	AgencyKindContractor    AgencyKind = "contractor"          // a company the Mechanism hires
)

// AgencyKinds lists the kinds in the order the directory shows them.
var AgencyKinds = []AgencyKind{AgencyKindFederal, AgencyKindGovernment, AgencyKindPolice, AgencyKindProsecutor,
	AgencyKindCommission, AgencyKindMunicipal, AgencyKindInternational, AgencyKindContractor}

// Contact is how the Mechanism reaches a body: the institutional e-mail
// official requests go to, a phone, a postal address and the person to
// ask for. They are an institution's details, not personal data.
type Contact struct {
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
	Person  string `json:"person,omitempty"` // the named contact, e.g. "Lic. Ana Ruiz, directora de enlace"
	Notes   string `json:"notes,omitempty"`
}

// Empty reports whether no detail is recorded.
func (c Contact) Empty() bool { return c == Contact{} }

// normalizeKind fills an empty kind from the level and the police flag,
// the way agencies were classified before the directory, and makes a
// police kind a police agency (its instructions carry a briefing).
func (a *Agency) normalizeKind() {
	if a.Kind == "" {
		switch {
		case a.Level == AgencyContractor:
			a.Kind = AgencyKindContractor
		case a.Police:
			a.Kind = AgencyKindPolice
		case a.Level == AgencyState:
			a.Kind = AgencyKindGovernment
		case a.Level == AgencyMunicipal:
			a.Kind = AgencyKindMunicipal
		default:
			a.Kind = AgencyKindFederal
		}
	}
	if a.Kind == AgencyKindPolice {
		a.Police = true
	}
	c := &a.Contact
	c.Email, c.Phone = strings.TrimSpace(c.Email), strings.TrimSpace(c.Phone)
	c.Address, c.Person, c.Notes = strings.TrimSpace(c.Address), strings.TrimSpace(c.Person), strings.TrimSpace(c.Notes)
}

// validateDirectory checks the kind against the level and the contact's
// fields.
func (a *Agency) validateDirectory(v *ValidationErrors) {
	switch {
	case !oneOf(string(a.Kind), AgencyKinds):
		v.Add("kind", "directory.kind_unknown", nil)
	case (a.Kind == AgencyKindContractor) != (a.Level == AgencyContractor):
		v.Add("kind", "directory.kind_contractor", nil)
	case a.Kind == AgencyKindGovernment && a.Level != AgencyState:
		v.Add("kind", "directory.kind_government", nil)
	}
	c := a.Contact
	checkText(v, "email", c.Email, MaxShortText)
	if c.Email != "" && !validEmail(c.Email) {
		v.Add("email", "validation.email", nil)
	}
	if c.Phone != "" && !validPhone(c.Phone) {
		v.Add("phone", "validation.phone", nil)
	}
	checkPersonalText(v, "address", c.Address, MaxShortText*2, false)
	checkPersonalText(v, "contact_person", c.Person, MaxShortText, false)
	checkPersonalText(v, "notes", c.Notes, MaxLongText, true)
}

func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at == strings.LastIndexByte(s, '@') && strings.Contains(s[at+1:], ".") &&
		!strings.ContainsAny(s, " \t\r\n<>,;") && !strings.HasSuffix(s, ".")
}

// AgreementStatus is where a federal entity's cooperation agreement with
// the Mechanism stands.
type AgreementStatus string

const (
	AgreementInForce     AgreementStatus = "in_force"
	AgreementExpired     AgreementStatus = "expired"
	AgreementNegotiation AgreementStatus = "negotiation"
	AgreementNone        AgreementStatus = "none"
)

// AgreementStatuses lists the statuses in the order forms show them.
var AgreementStatuses = []AgreementStatus{AgreementInForce, AgreementExpired, AgreementNegotiation, AgreementNone}

// Agreement is one record of a federal entity's cooperation agreement:
// each change is a new record, the newest one current, the others its
// history.
type Agreement struct {
	ID         int64           `json:"id"`
	Entity     string          `json:"federal_entity"`
	Status     AgreementStatus `json:"status"`
	SignedOn   time.Time       `json:"signed_on,omitzero"`
	ValidUntil time.Time       `json:"valid_until,omitzero"` // zero: no end date
	Document   string          `json:"document,omitempty"`   // e.g. "DOF 12/03/2019"
	Notes      string          `json:"notes,omitempty"`
	Current    bool            `json:"current"`
	RecordedBy string          `json:"recorded_by,omitempty"`
	RecordedAt time.Time       `json:"recorded_at"`
}

// StatusAt is the status as a reader should take it at now: an agreement
// recorded in force whose end date has passed has expired.
func (a *Agreement) StatusAt(now time.Time) AgreementStatus {
	if a.Status == AgreementInForce && !a.ValidUntil.IsZero() && now.After(a.ValidUntil) {
		return AgreementExpired
	}
	return a.Status
}

// Validate checks an agreement's record; now bounds the signing date. An
// agreement in force or expired was signed (in the past); one in force
// has not reached its end; an end date comes after the signing.
func (a *Agreement) Validate(now time.Time) error {
	var v ValidationErrors
	a.Document, a.Notes = strings.TrimSpace(a.Document), strings.TrimSpace(a.Notes)
	if _, ok := LookupFederalEntity(a.Entity); !ok {
		v.Add("federal_entity", "agency.entity", nil)
	}
	signed := a.Status == AgreementInForce || a.Status == AgreementExpired
	switch {
	case !oneOf(string(a.Status), AgreementStatuses):
		v.Add("status", "agreement.status_unknown", nil)
	case signed && a.SignedOn.IsZero():
		v.Add("signed_on", "agreement.signed_needed", nil)
	case !signed && !a.SignedOn.IsZero():
		v.Add("signed_on", "agreement.not_signed", nil)
	}
	if !a.SignedOn.IsZero() && a.SignedOn.After(now) {
		v.Add("signed_on", "assessment.date_future", nil)
	}
	if !a.ValidUntil.IsZero() {
		switch {
		case !signed:
			v.Add("valid_until", "agreement.not_signed", nil)
		case !a.SignedOn.IsZero() && !a.ValidUntil.After(a.SignedOn):
			v.Add("valid_until", "agreement.until_before", nil)
		case a.Status == AgreementInForce && now.After(a.ValidUntil):
			v.Add("valid_until", "agreement.until_past", nil)
		}
	}
	checkText(&v, "document", a.Document, MaxShortText)
	checkPersonalText(&v, "notes", a.Notes, MaxLongText, true)
	return v.Err()
}

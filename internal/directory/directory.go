package directory

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"escudo"
)

// The directory's domain (issue 15, item 1): the bodies the Mechanism
// works with, each an Agency with its kind and contact details, and the
// cooperation agreement each federal entity's government has with the
// Mechanism. (Here rather than at the module root, which is at its size.)

// Kind is what sort of body an agency is. The level says which
// order of government it belongs to; the kind says what it does, which is
// how the directory groups it.
type Kind string

const (
	KindFederal       Kind = "federal_institution" // Segob, SSPC, SRE, the Mechanism itself
	KindGovernment    Kind = "state_government"    // a federal entity's executive
	KindMunicipal     Kind = "municipal"           // a municipal government or contact
	KindProsecutor    Kind = "prosecutor"          // FGR, FEADLE, the state prosecutors
	KindCommission    Kind = "rights_commission"   // CNDH and the state commissions
	KindInternational Kind = "international"       // the Inter-American Commission
	KindPolice        Kind = "police"              // implements with a briefing (Agency.Police)
	KindContractor    Kind = "contractor"          // a company the Mechanism hires
)

// Kinds lists the kinds in the order the directory shows them.
var Kinds = []Kind{KindFederal, KindGovernment, KindPolice, KindProsecutor,
	KindCommission, KindMunicipal, KindInternational, KindContractor}

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

// Entry is an agency as the directory holds it: the implementing
// agency (escudo.Agency, which letters and measures use) with its kind
// and contact details.
type Entry struct {
	escudo.Agency
	Kind    Kind    `json:"kind"`
	Contact Contact `json:"contact"`
}

// KindOf is the kind of an agency whose stored kind is stored: that one
// while it agrees with the agency's level and police flag, otherwise
// (none stored, as for an agency added before the directory or through
// the measures' forms, or one whose level changed since) the kind they
// imply.
func KindOf(a escudo.Agency, stored Kind) Kind {
	if stored != "" && consistent(a, stored) {
		return stored
	}
	switch {
	case a.Level == escudo.AgencyContractor:
		return KindContractor
	case a.Police:
		return KindPolice
	case a.Level == escudo.AgencyState:
		return KindGovernment
	case a.Level == escudo.AgencyMunicipal:
		return KindMunicipal
	}
	return KindFederal
}

func consistent(a escudo.Agency, k Kind) bool {
	switch {
	case (k == KindContractor) != (a.Level == escudo.AgencyContractor):
		return false
	case k == KindGovernment && a.Level != escudo.AgencyState:
		return false
	case k == KindPolice && !a.Police:
		return false
	}
	return true
}

// Validate checks an entry at the edge: the agency's own rules, a kind of
// the list that agrees with its level (a police kind makes it a police
// agency, whose instructions carry a briefing; an empty one is filled by
// KindOf), and the contact's fields.
func (e *Entry) Validate() error {
	if e.Kind == KindPolice {
		e.Police = true
	}
	if e.Kind == "" {
		e.Kind = KindOf(e.Agency, "")
	}
	c := &e.Contact
	c.Email, c.Phone = strings.TrimSpace(c.Email), strings.TrimSpace(c.Phone)
	c.Address, c.Person, c.Notes = strings.TrimSpace(c.Address), strings.TrimSpace(c.Person), strings.TrimSpace(c.Notes)
	var v escudo.ValidationErrors
	if err := e.Agency.Validate(); err != nil {
		av, ok := escudo.AsValidation(err)
		if !ok {
			return err
		}
		v = append(v, av...)
	}
	switch {
	case !slices.Contains(Kinds, e.Kind):
		v.Add("kind", "directory.kind_unknown", nil)
	case (e.Kind == KindContractor) != (e.Level == escudo.AgencyContractor):
		v.Add("kind", "directory.kind_contractor", nil)
	case e.Kind == KindGovernment && e.Level != escudo.AgencyState:
		v.Add("kind", "directory.kind_government", nil)
	}
	checkText(&v, "email", c.Email, escudo.MaxShortText)
	if c.Email != "" && !validEmail(c.Email) {
		v.Add("email", "validation.email", nil)
	}
	if c.Phone != "" && !escudo.ValidPhone(c.Phone) {
		v.Add("phone", "validation.phone", nil)
	}
	checkText(&v, "address", c.Address, 2*escudo.MaxShortText)
	checkText(&v, "contact_person", c.Person, escudo.MaxShortText)
	checkText(&v, "notes", c.Notes, escudo.MaxLongText)
	return v.Err()
}

// checkText refuses invalid encoding, NUL, text over max characters and
// the bidirectional controls that make stored text display other than it
// reads.
func checkText(v *escudo.ValidationErrors, field, s string, max int) {
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		v.Add(field, "validation.encoding", nil)
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "validation.too_long", map[string]any{"Max": max})
	case strings.ContainsFunc(s, func(r rune) bool { return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 }):
		v.Add(field, "validation.characters", nil)
	}
}

func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at == strings.LastIndexByte(s, '@') && strings.Contains(s[at+1:], ".") &&
		!strings.ContainsAny(s, " \t\r\n<>,;\"") && !strings.HasSuffix(s, ".")
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
	var v escudo.ValidationErrors
	a.Document, a.Notes = strings.TrimSpace(a.Document), strings.TrimSpace(a.Notes)
	if _, ok := escudo.LookupFederalEntity(a.Entity); !ok {
		v.Add("federal_entity", "agency.entity", nil)
	}
	signed := a.Status == AgreementInForce || a.Status == AgreementExpired
	switch {
	case !slices.Contains(AgreementStatuses, a.Status):
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
	checkText(&v, "document", a.Document, escudo.MaxShortText)
	checkText(&v, "notes", a.Notes, escudo.MaxLongText)
	return v.Err()
}

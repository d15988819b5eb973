package escudo

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// PersonKind tells an individual from a collective or organisation.
type PersonKind string

const (
	KindIndividual PersonKind = "individual"
	KindCollective PersonKind = "collective"
)

// Profile is why the person is at risk.
type Profile string

const (
	ProfileDefender   Profile = "defender"
	ProfileJournalist Profile = "journalist"
	ProfileBoth       Profile = "both"
)

// Channel is a contact channel a beneficiary may choose.
type ContactChannel string

const (
	ContactPhone  ContactChannel = "phone"
	ContactSMS    ContactChannel = "sms"
	ContactEmail  ContactChannel = "email"
	ContactSignal ContactChannel = "signal"
	ContactVisit  ContactChannel = "in_person"
)

// ContactPrefs are the beneficiary's choices on how and when to be contacted.
type ContactPrefs struct {
	Channel   ContactChannel `json:"channel"`
	SafeFrom  string         `json:"safe_from,omitempty"` // "HH:MM" local time
	SafeUntil string         `json:"safe_until,omitempty"`
	NeverSMS  bool           `json:"never_sms"`
}

// Relative is a covered family member or close person.
type Relative struct {
	Name         string `json:"name"`
	Relationship string `json:"relationship"`
}

// Member is a member of a collective.
type Member struct {
	Name string `json:"name"`
	Role string `json:"role,omitempty"`
}

// Person is a beneficiary or petitioner: an individual or a collective.
// Fields marked sensitive are encrypted at rest.
type Person struct {
	ID           int64        `json:"id"`
	Kind         PersonKind   `json:"kind"`
	Profile      Profile      `json:"profile"`
	Name         string       `json:"name"`            // sensitive
	Alias        string       `json:"alias,omitempty"` // sensitive
	Gender       string       `json:"gender,omitempty"`
	Ethnicity    string       `json:"ethnicity,omitempty"` // indigenous or ethnic identity
	Language     string       `json:"language,omitempty"`
	Entity       string       `json:"federal_entity"` // FederalEntity.Code
	Municipality string       `json:"municipality,omitempty"`
	Occupation   string       `json:"occupation,omitempty"`
	Organization string       `json:"organization,omitempty"` // media outlet or organisation
	Phone        string       `json:"phone,omitempty"`        // sensitive
	Email        string       `json:"email,omitempty"`        // sensitive
	Address      string       `json:"address,omitempty"`      // sensitive
	Contact      ContactPrefs `json:"contact"`
	Relatives    []Relative   `json:"relatives,omitempty"` // sensitive
	Members      []Member     `json:"members,omitempty"`   // sensitive
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

// Limits on input sizes.
const (
	MaxShortText = 200
	MaxLongText  = 20000
	MaxListItems = 50
)

// Validate checks a person's fields and returns every problem found.
func (p *Person) Validate() error {
	var v ValidationErrors
	p.Name = strings.TrimSpace(p.Name)
	switch p.Kind {
	case KindIndividual, KindCollective:
	case "":
		p.Kind = KindIndividual
	default:
		v.Add("kind", "validation.choice", nil)
	}
	switch p.Profile {
	case ProfileDefender, ProfileJournalist, ProfileBoth:
	default:
		v.Add("profile", "validation.choice", nil)
	}
	if p.Name == "" {
		v.Add("name", "validation.required", nil)
	}
	if _, ok := LookupFederalEntity(p.Entity); !ok {
		v.Add("federal_entity", "validation.choice", nil)
	}
	for field, s := range map[string]string{"name": p.Name, "alias": p.Alias, "gender": p.Gender,
		"ethnicity": p.Ethnicity, "language": p.Language, "municipality": p.Municipality,
		"occupation": p.Occupation, "organization": p.Organization, "phone": p.Phone, "email": p.Email} {
		checkPersonalText(&v, field, s, MaxShortText, false)
	}
	checkPersonalText(&v, "address", p.Address, 1000, false)
	if p.Email != "" {
		if _, err := mail.ParseAddress(p.Email); err != nil {
			v.Add("email", "validation.email", nil)
		}
	}
	if p.Phone != "" && !validPhone(p.Phone) {
		v.Add("phone", "validation.phone", nil)
	}
	switch p.Contact.Channel {
	case "", ContactPhone, ContactEmail, ContactSignal, ContactVisit:
	case ContactSMS:
		if p.Contact.NeverSMS {
			v.Add("contact.channel", "validation.never_sms", nil)
		}
	default:
		v.Add("contact.channel", "validation.choice", nil)
	}
	for field, s := range map[string]string{"contact.safe_from": p.Contact.SafeFrom, "contact.safe_until": p.Contact.SafeUntil} {
		if s != "" {
			if _, err := time.Parse("15:04", s); err != nil {
				v.Add(field, "validation.time_of_day", nil)
			}
		}
	}
	if len(p.Relatives) > MaxListItems {
		v.Add("relatives", "validation.too_many", map[string]any{"Max": MaxListItems})
	}
	for _, r := range p.Relatives {
		if strings.TrimSpace(r.Name) == "" {
			v.Add("relatives", "validation.required", nil)
		}
		checkPersonalText(&v, "relatives", r.Name, MaxShortText, false)
		checkPersonalText(&v, "relatives", r.Relationship, MaxShortText, false)
	}
	if len(p.Members) > 500 {
		v.Add("members", "validation.too_many", map[string]any{"Max": 500})
	}
	for _, m := range p.Members {
		checkPersonalText(&v, "members", m.Name, MaxShortText, false)
		checkPersonalText(&v, "members", m.Role, MaxShortText, false)
	}
	return v.Err()
}

func checkText(v *ValidationErrors, field, s string, max int) {
	if !utf8.ValidString(s) {
		v.Add(field, "validation.encoding", nil)
	} else if utf8.RuneCountInString(s) > max {
		v.Add(field, "validation.too_long", map[string]any{"Max": max})
	} else if strings.ContainsRune(s, 0) {
		v.Add(field, "validation.encoding", nil)
	}
}

// checkPersonalText is checkText for what identifies or describes a
// person (names, aliases, organisation, relatives, members, addresses,
// narratives). It also refuses characters that make stored text display
// other than it reads: bidirectional embeddings, overrides and isolates
// (U+202A–U+202E, U+2066–U+2069), which can make one name show as another,
// and U+FFFD, the replacement character a decoder leaves where the input
// held an invalid sequence or a lone surrogate ("\ud800" in JSON), so the
// value as typed is already lost. Short fields refuse the direction marks
// too (U+200E, U+200F, U+061C); long free text (marks set true) keeps them,
// as mixed-direction prose may need them.
func checkPersonalText(v *ValidationErrors, field, s string, max int, marks bool) {
	n := len(*v)
	checkText(v, field, s, max)
	if len(*v) > n {
		return
	}
	for _, r := range s {
		if r == utf8.RuneError || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 ||
			!marks && (r == 0x200E || r == 0x200F || r == 0x061C) {
			v.Add(field, "validation.characters", nil)
			return
		}
	}
}

// ValidPhone: 7 to 15 digits, with spaces, hyphens, brackets and +.
func ValidPhone(s string) bool { return validPhone(s) }

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '+' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

// PersonService manages beneficiaries and petitioners.
type PersonService interface {
	FindPersonByID(ctx context.Context, id int64) (*Person, error)
	FindPeopleByName(ctx context.Context, name string) ([]*Person, error)
	CreatePerson(ctx context.Context, p *Person) error
	UpdatePerson(ctx context.Context, p *Person) error
}

// CheckText and CheckPersonalText are checkText and checkPersonalText for
// the rules packages that validate their own input (internal/prevention).
func CheckText(v *ValidationErrors, field, s string, max int) { checkText(v, field, s, max) }

// CheckPersonalText: see CheckText.
func CheckPersonalText(v *ValidationErrors, field, s string, max int, marks bool) {
	checkPersonalText(v, field, s, max, marks)
}

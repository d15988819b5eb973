package api

import (
	"strings"
	"time"

	"escudo"
)

// Request and response types of the JSON API. Requests have their own types,
// not the domain's, so a client can never set what the server owns (ids,
// references, stages, timestamps); responses name every field the OpenAPI
// document describes.

// personInput is a person as a client writes it.
type personInput struct {
	Kind         escudo.PersonKind   `json:"kind"`
	Profile      escudo.Profile      `json:"profile"`
	Name         string              `json:"name"`
	Alias        string              `json:"alias"`
	Gender       string              `json:"gender"`
	Ethnicity    string              `json:"ethnicity"`
	Language     string              `json:"language"`
	Entity       string              `json:"federal_entity"`
	Municipality string              `json:"municipality"`
	Occupation   string              `json:"occupation"`
	Organization string              `json:"organization"`
	Phone        string              `json:"phone"`
	Email        string              `json:"email"`
	Address      string              `json:"address"`
	Contact      escudo.ContactPrefs `json:"contact"`
	Relatives    []escudo.Relative   `json:"relatives"`
	Members      []escudo.Member     `json:"members"`
}

func (in *personInput) person() *escudo.Person {
	return &escudo.Person{Kind: in.Kind, Profile: in.Profile, Name: in.Name, Alias: in.Alias, Gender: in.Gender,
		Ethnicity: in.Ethnicity, Language: in.Language, Entity: strings.ToUpper(strings.TrimSpace(in.Entity)),
		Municipality: in.Municipality, Occupation: in.Occupation, Organization: in.Organization, Phone: in.Phone,
		Email: strings.TrimSpace(in.Email), Address: in.Address, Contact: in.Contact, Relatives: in.Relatives, Members: in.Members}
}

// caseCreateRequest is a staff intake: the request and its petitioner.
type caseCreateRequest struct {
	Channel        escudo.IntakeChannel `json:"channel"`
	ReferredBy     string               `json:"referred_by"`
	ReceivedAt     string               `json:"received_at"` // RFC 3339; empty: now
	ImminentDanger bool                 `json:"imminent_danger"`
	Procedure      escudo.Procedure     `json:"procedure"`
	Narrative      string               `json:"narrative"`
	Aggressors     string               `json:"aggressors"`
	Person         personInput          `json:"person"`
}

// publicRequestInput is a request filed by a member of the public: the
// channel is the web and the procedure follows from the declared danger.
type publicRequestInput struct {
	ImminentDanger bool        `json:"imminent_danger"`
	Narrative      string      `json:"narrative"`
	Aggressors     string      `json:"aggressors"`
	Person         personInput `json:"person"`
}

// publicStatusInput asks for the status of a request.
type publicStatusInput struct {
	Reference string `json:"reference"`
	Code      string `json:"code"`
}

// infoAnswerInput answers a request for more information.
type infoAnswerInput struct {
	Reference string `json:"reference"`
	Code      string `json:"code"`
	Answer    string `json:"answer"`
}

type admissionInput struct {
	Admission escudo.Admission `json:"admission"`
	Reason    string           `json:"reason"`
	Procedure escudo.Procedure `json:"procedure"`
}

type assignmentInput struct {
	UserID int64  `json:"user_id"`
	Note   string `json:"note"`
}

type milestoneInput struct {
	Milestone escudo.Milestone `json:"milestone"`
	At        string           `json:"at"` // RFC 3339; empty: now
	Note      string           `json:"note"`
}

type noteInput struct {
	Note string `json:"note"`
}

// validateCaseRequest builds the domain values of an intake and validates
// both, naming person fields with their "person." prefix.
func validateCaseRequest(c *escudo.Case, p *escudo.Person, now time.Time) error {
	var v escudo.ValidationErrors
	if err := p.Validate(); err != nil {
		pv, ok := escudo.AsValidation(err)
		if !ok {
			return err
		}
		for _, e := range pv {
			v.Add("person."+e.Field, e.Key, e.Args)
		}
	}
	if err := c.Validate(); err != nil {
		cv, ok := escudo.AsValidation(err)
		if !ok {
			return err
		}
		v = append(v, cv...)
	}
	if c.ReceivedAt.After(now.Add(time.Minute)) {
		v.Add("received_at", "validation.future", nil)
	}
	return v.Err()
}

func (in *caseCreateRequest) domain(now time.Time) (*escudo.Case, *escudo.Person, error) {
	c := &escudo.Case{Channel: in.Channel, ReferredBy: strings.TrimSpace(in.ReferredBy), ImminentDanger: in.ImminentDanger,
		Procedure: in.Procedure, Narrative: in.Narrative, Aggressors: in.Aggressors}
	p := in.Person.person()
	var v escudo.ValidationErrors
	if in.ReceivedAt != "" {
		t, err := parseTime(in.ReceivedAt)
		if err != nil {
			v.Add("received_at", "validation.date", nil)
		}
		c.ReceivedAt = t
	}
	if err := validateCaseRequest(c, p, now); err != nil {
		cv, ok := escudo.AsValidation(err)
		if !ok {
			return nil, nil, err
		}
		v = append(v, cv...)
	}
	return c, p, v.Err()
}

func (in *publicRequestInput) domain(now time.Time) (*escudo.Case, *escudo.Person, error) {
	c := &escudo.Case{Channel: escudo.ChannelWeb, ImminentDanger: in.ImminentDanger, Narrative: in.Narrative, Aggressors: in.Aggressors}
	p := in.Person.person()
	return c, p, validateCaseRequest(c, p, now)
}

// parseTime reads an RFC 3339 time; the year must be four digits so that
// stored microseconds never overflow.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	if t.Year() < 1900 || t.Year() > 9999 {
		return time.Time{}, &time.ParseError{Layout: time.RFC3339, Value: s, Message: ": year out of range"}
	}
	return t.UTC(), nil
}

// caseSummary is a case as listed: no narrative, only the person's name.
type caseSummary struct {
	ID             int64                `json:"id"`
	Reference      string               `json:"reference"`
	PersonID       int64                `json:"person_id"`
	PersonName     string               `json:"person_name"`
	Channel        escudo.IntakeChannel `json:"channel"`
	ReceivedAt     time.Time            `json:"received_at"`
	ImminentDanger bool                 `json:"imminent_danger"`
	Procedure      escudo.Procedure     `json:"procedure"`
	Admission      escudo.Admission     `json:"admission"`
	Stage          escudo.Stage         `json:"stage"`
	Entity         string               `json:"federal_entity"`
	AssignedTo     *int64               `json:"assigned_to"`
	AssigneeName   string               `json:"assignee_name,omitempty"`
	UpdatedAt      time.Time            `json:"updated_at"`
}

func summarize(c *escudo.Case) caseSummary {
	s := caseSummary{ID: c.ID, Reference: c.Reference, PersonID: c.PersonID, Channel: c.Channel, ReceivedAt: c.ReceivedAt,
		ImminentDanger: c.ImminentDanger, Procedure: c.Procedure, Admission: c.Admission, Stage: c.Stage, Entity: c.Entity,
		AssigneeName: c.AssigneeName, UpdatedAt: c.UpdatedAt}
	if c.Person != nil {
		s.PersonName = c.Person.Name
	}
	if c.AssignedTo != 0 {
		id := c.AssignedTo
		s.AssignedTo = &id
	}
	return s
}

// caseDetail is one case with its petitioner and clocks.
type caseDetail struct {
	caseSummary
	ReferredBy      string              `json:"referred_by,omitempty"`
	AdmissionReason string              `json:"admission_reason,omitempty"`
	Narrative       string              `json:"narrative"`
	Aggressors      string              `json:"aggressors,omitempty"`
	CreatedAt       time.Time           `json:"created_at"`
	Person          *escudo.Person      `json:"person"`
	Clocks          []escudo.ClockState `json:"clocks"`
}

func detail(c *escudo.Case) caseDetail {
	d := caseDetail{caseSummary: summarize(c), ReferredBy: c.ReferredBy, AdmissionReason: c.AdmissionReason, Narrative: c.Narrative,
		Aggressors: c.Aggressors, CreatedAt: c.CreatedAt, Person: c.Person, Clocks: c.Clocks}
	if d.Clocks == nil {
		d.Clocks = []escudo.ClockState{}
	}
	return d
}

type caseList struct {
	Items  []caseSummary `json:"items"`
	Total  int           `json:"total"`
	Limit  int           `json:"limit"`
	Offset int           `json:"offset"`
	// A search counts its matches up to store.SearchCountCap; past it,
	// total is the cap plus one and total_capped is true.
	TotalCapped bool `json:"total_capped,omitempty"`
}

// caseCreated is the answer to an intake. The follow-up code is shown once
// and stored only as a keyed hash.
type caseCreated struct {
	ID           int64  `json:"id"`
	Reference    string `json:"reference"`
	FollowUpCode string `json:"follow_up_code"`
}

type publicReceipt struct {
	Reference    string `json:"reference"`
	FollowUpCode string `json:"follow_up_code"`
}

type publicEvent struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail,omitempty"`
}

type publicStatusView struct {
	Reference  string           `json:"reference"`
	ReceivedAt time.Time        `json:"received_at"`
	Stage      escudo.Stage     `json:"stage"`
	Admission  escudo.Admission `json:"admission"`
	Procedure  escudo.Procedure `json:"procedure"`
	Events     []publicEvent    `json:"events"`
	// InfoRequest: what staff asked for, while the answer is awaited.
	InfoRequest string `json:"info_requested,omitempty"`
}

type eventList struct {
	Items []escudo.Event `json:"items"`
}

type backlogRow struct {
	Case       caseSummary        `json:"case"`
	AgeSeconds int64              `json:"age_seconds"`
	NextClock  *escudo.ClockState `json:"next_clock"`
	Breaches   int                `json:"breaches"`
}

type backlogView struct {
	Items         []backlogRow         `json:"items"`
	Total         int                  `json:"total"`
	StageCounts   map[escudo.Stage]int `json:"stage_counts"`
	BreachedCount int                  `json:"breached_count"`
	DueSoonCount  int                  `json:"due_soon_count"`
	Limit         int                  `json:"limit"`
	Offset        int                  `json:"offset"`
}

type federalEntityView struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type itemsOf[T any] struct {
	Items []T `json:"items"`
}

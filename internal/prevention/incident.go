package prevention

import (
	"strings"
	"time"

	"escudo"
)

// Security incidents and their investigations (issue 15, items 4-6;
// docs/prevention.md). An incident is an aggression against a beneficiary:
// its kind follows ARTICLE 19 Mexico's taxonomy, its presumed aggressor
// the order of government or the private actor behind it, and its time and
// place carry a precision as in ACLED's codebook, so that statistics never
// claim more than was known.

// IncidentKind is what happened.
type IncidentKind string

const (
	IncidentThreat         IncidentKind = "threat"
	IncidentSurveillance   IncidentKind = "surveillance"
	IncidentHarassment     IncidentKind = "harassment"     // intimidation and harassment
	IncidentStigmatisation IncidentKind = "stigmatisation" // public discrediting
	IncidentJudicial       IncidentKind = "judicial"       // judicial harassment, criminalisation
	IncidentRaid           IncidentKind = "raid"           // break-in or raid of a home, office or shelter
	IncidentInfoTheft      IncidentKind = "info_theft"     // theft of information or equipment
	IncidentPhysical       IncidentKind = "physical"       // physical attack
	IncidentDigital        IncidentKind = "digital"        // digital attack: intrusion, spyware, account takeover
	IncidentKilling        IncidentKind = "killing"
	IncidentDisappearance  IncidentKind = "disappearance"
)

// IncidentKinds lists the kinds in the order forms show them.
var IncidentKinds = []IncidentKind{IncidentThreat, IncidentSurveillance, IncidentHarassment, IncidentStigmatisation,
	IncidentJudicial, IncidentRaid, IncidentInfoTheft, IncidentPhysical, IncidentDigital, IncidentKilling, IncidentDisappearance}

// Serious reports whether an incident of this kind asks for a new
// evaluation of the risk by default: those that show the aggressor has
// acted against the person's body, home or liberty (physical attack, raid,
// killing, disappearance) or has taken what protects them (theft of
// information). Staff may mark any other incident serious.
func (k IncidentKind) Serious() bool {
	switch k {
	case IncidentPhysical, IncidentRaid, IncidentKilling, IncidentDisappearance, IncidentInfoTheft:
		return true
	}
	return false
}

// AggressorType is the presumed aggressor, split as ARTICLE 19 Mexico
// reports it.
type AggressorType string

const (
	AggressorFederal   AggressorType = "federal"   // federal authority
	AggressorState     AggressorType = "state"     // state authority
	AggressorMunicipal AggressorType = "municipal" // municipal authority
	AggressorPrivate   AggressorType = "private"   // private person or company
	AggressorOrganised AggressorType = "organised" // organised crime
	AggressorParty     AggressorType = "party"     // political party
	AggressorUnknown   AggressorType = "unknown"
)

// AggressorTypes lists the presumed aggressors.
var AggressorTypes = []AggressorType{AggressorFederal, AggressorState, AggressorMunicipal, AggressorPrivate,
	AggressorOrganised, AggressorParty, AggressorUnknown}

// Authority reports whether the presumed aggressor is a public authority.
func (a AggressorType) Authority() bool {
	return a == AggressorFederal || a == AggressorState || a == AggressorMunicipal
}

// TimePrecision is how well the date of an incident is known (ACLED's
// time precision): the date recorded is the first day of the span.
type TimePrecision string

const (
	TimeExact TimePrecision = "exact" // date and hour
	TimeDay   TimePrecision = "day"
	TimeWeek  TimePrecision = "week"
	TimeMonth TimePrecision = "month"
)

// TimePrecisions lists them from the finest.
var TimePrecisions = []TimePrecision{TimeExact, TimeDay, TimeWeek, TimeMonth}

// PlacePrecision is how well the place of an incident is known (ACLED's
// geo precision). Statistics count at most the municipality; the exact
// point is sealed in the location compartment.
type PlacePrecision string

const (
	PlaceExact        PlacePrecision = "exact"        // a point or address
	PlaceMunicipality PlacePrecision = "municipality" // the municipality only
	PlaceEntity       PlacePrecision = "entity"       // the federal entity only
)

// PlacePrecisions lists them from the finest.
var PlacePrecisions = []PlacePrecision{PlaceExact, PlaceMunicipality, PlaceEntity}

// An incident the person reports as urgent rings on the duty console as an
// alert of this type, from the portal.
const (
	AlertReported escudo.AlertType   = "incident_report"
	SourcePortal  escudo.AlertSource = "portal"
)

// EventIncident: an incident was recorded on the case; Detail is its kind.
const EventIncident = "incident"

// Incident is one aggression against the beneficiary of a case.
type Incident struct {
	ID             int64          `json:"id"`
	CaseID         int64          `json:"case_id"`
	Kind           IncidentKind   `json:"kind"`
	Aggressor      AggressorType  `json:"aggressor_type"`
	OccurredAt     time.Time      `json:"occurred_at"`
	TimePrecision  TimePrecision  `json:"time_precision"`
	Entity         string         `json:"federal_entity"`
	Municipality   string         `json:"municipality,omitempty"` // readable: statistics count it
	Place          string         `json:"place,omitempty"`        // the exact point or address; sealed, location
	PlacePrecision PlacePrecision `json:"place_precision"`
	Description    string         `json:"description"`         // sealed, risk
	Evidence       string         `json:"evidence,omitempty"`  // what evidence exists and where; sealed, risk
	AlertIDs       []int64        `json:"alert_ids,omitempty"` // related alerts
	Serious        bool           `json:"serious"`             // asks for a new evaluation of the risk
	// Urgent: the person reported it themselves and needs help now; it
	// rings on the duty console as an alert (UrgentAlert).
	Urgent        bool      `json:"urgent,omitempty"`
	ByBeneficiary bool      `json:"by_beneficiary,omitempty"` // reported by the person in the portal
	UrgentAlertID int64     `json:"urgent_alert_id,omitempty"`
	RecordedBy    int64     `json:"recorded_by,omitempty"`
	RecordedAt    time.Time `json:"recorded_at"`
}

// MaxIncidentAlerts bounds the related alerts of one incident.
const MaxIncidentAlerts = 20

// Normalize trims the free text and fills the defaults: a serious kind is
// serious, the place precision follows what was given.
func (in *Incident) Normalize() {
	in.Municipality = strings.Join(strings.Fields(in.Municipality), " ")
	in.Place = strings.TrimSpace(in.Place)
	in.Description = strings.TrimSpace(in.Description)
	in.Evidence = strings.TrimSpace(in.Evidence)
	if in.Kind.Serious() {
		in.Serious = true
	}
	if in.PlacePrecision == PlaceEntity {
		in.Municipality, in.Place = "", ""
	}
	if in.PlacePrecision == PlaceMunicipality {
		in.Place = ""
	}
	if in.PlacePrecision == "" {
		switch {
		case in.Place != "":
			in.PlacePrecision = PlaceExact
		case in.Municipality != "":
			in.PlacePrecision = PlaceMunicipality
		default:
			in.PlacePrecision = PlaceEntity
		}
	}
}

// Validate checks an incident before it is stored: known kind, aggressor
// and precisions, a date not in the future (now, with a minute of clock
// skew), a federal entity, the municipality when the precision claims it,
// the exact place when it claims a point, and a description.
func (in *Incident) Validate(now time.Time) error {
	var v escudo.ValidationErrors
	if !oneOf(string(in.Kind), IncidentKinds) {
		v.Add("incident_kind", "incident.kind_unknown", nil)
	}
	if !oneOf(string(in.Aggressor), AggressorTypes) {
		v.Add("aggressor_type", "incident.aggressor_unknown", nil)
	}
	if !oneOf(string(in.TimePrecision), TimePrecisions) {
		v.Add("time_precision", "incident.time_precision_unknown", nil)
	}
	switch {
	case in.OccurredAt.IsZero():
		v.Add("occurred_at", "validation.required", nil)
	case in.OccurredAt.After(now.Add(time.Minute)):
		v.Add("occurred_at", "incident.future", nil)
	case in.OccurredAt.Year() < 1990:
		v.Add("occurred_at", "incident.too_old", nil)
	}
	if _, ok := escudo.LookupFederalEntity(in.Entity); !ok {
		v.Add("federal_entity", "incident.entity", nil)
	}
	switch in.PlacePrecision {
	case PlaceExact:
		if in.Place == "" {
			v.Add("place", "incident.place_needed", nil)
		}
		if in.Municipality == "" {
			v.Add("municipality", "incident.municipality_needed", nil)
		}
	case PlaceMunicipality:
		if in.Municipality == "" {
			v.Add("municipality", "incident.municipality_needed", nil)
		}
	case PlaceEntity:
	default:
		v.Add("place_precision", "incident.place_precision_unknown", nil)
	}
	escudo.CheckPersonalText(&v, "municipality", in.Municipality, escudo.MaxShortText, false)
	escudo.CheckPersonalText(&v, "place", in.Place, escudo.MaxShortText, true)
	if in.Description == "" {
		v.Add("description", "validation.required", nil)
	} else {
		escudo.CheckPersonalText(&v, "description", in.Description, escudo.MaxLongText, true)
	}
	escudo.CheckPersonalText(&v, "evidence", in.Evidence, escudo.MaxLongText, true)
	if len(in.AlertIDs) > MaxIncidentAlerts {
		v.Add("alert_ids", "validation.too_many", map[string]any{"Max": MaxIncidentAlerts})
	}
	for _, id := range in.AlertIDs {
		if id <= 0 {
			v.Add("alert_ids", "incident.alert_unknown", nil)
			break
		}
	}
	return v.Err()
}

// InvestigationStatus is where a criminal investigation stands, as the
// U.S. Press Freedom Tracker follows a case: its status changes over time.
type InvestigationStatus string

const (
	InvComplaint InvestigationStatus = "complaint" // complaint filed (denuncia)
	InvOpen      InvestigationStatus = "open"      // under investigation (carpeta de investigación)
	InvCharges   InvestigationStatus = "charges"   // charges filed (vinculación a proceso)
	InvTrial     InvestigationStatus = "trial"
	InvConvicted InvestigationStatus = "convicted"
	InvAcquitted InvestigationStatus = "acquitted"
	InvArchived  InvestigationStatus = "archived" // dropped or archived (no ejercicio, archivo temporal)
)

// InvestigationStatuses lists them in the order of a case's life.
var InvestigationStatuses = []InvestigationStatus{InvComplaint, InvOpen, InvCharges, InvTrial, InvConvicted, InvAcquitted, InvArchived}

// Concluded reports whether the investigation has ended: the impunity
// clock no longer runs for it.
func (s InvestigationStatus) Concluded() bool {
	return s == InvConvicted || s == InvAcquitted || s == InvArchived
}

// Investigation is the authorities' investigation of an incident.
type Investigation struct {
	ID           int64               `json:"id"`
	IncidentID   int64               `json:"incident_id"`
	CaseID       int64               `json:"case_id"`
	Authority    string              `json:"authority"`   // the prosecutor's office (FEADLE, a state fiscalía, ...)
	FileNumber   string              `json:"file_number"` // carpeta de investigación
	Status       InvestigationStatus `json:"status"`
	OpenedAt     time.Time           `json:"opened_at"`
	LastProgress time.Time           `json:"last_progress"`
	StalledAt    *time.Time          `json:"stalled_at,omitempty"` // when the sweep flagged it, until new progress
	Entity       string              `json:"federal_entity"`       // the incident's, for the impunity table
}

// InvestigationUpdate is one step of an investigation: progress, a status
// change, or both. Note is sealed in the risk compartment.
type InvestigationUpdate struct {
	ID              int64               `json:"id,omitempty"`
	InvestigationID int64               `json:"investigation_id"`
	Status          InvestigationStatus `json:"status"` // the status after the update (the same for progress only)
	At              time.Time           `json:"at"`     // when the progress happened
	Note            string              `json:"note,omitempty"`
	By              int64               `json:"by,omitempty"`
	ByName          string              `json:"by_name,omitempty"`
}

// Validate checks a new investigation at the edge.
func (i *Investigation) Validate(now time.Time) error {
	var v escudo.ValidationErrors
	i.Authority = strings.Join(strings.Fields(i.Authority), " ")
	i.FileNumber = strings.TrimSpace(i.FileNumber)
	if i.Authority == "" {
		v.Add("authority", "investigation.authority_needed", nil)
	} else {
		escudo.CheckText(&v, "authority", i.Authority, escudo.MaxShortText)
	}
	if i.FileNumber == "" {
		v.Add("file_number", "investigation.file_needed", nil)
	} else {
		escudo.CheckPersonalText(&v, "file_number", i.FileNumber, escudo.MaxShortText, false)
	}
	if !oneOf(string(i.Status), InvestigationStatuses) {
		v.Add("status", "investigation.status_unknown", nil)
	}
	if i.OpenedAt.IsZero() {
		v.Add("opened_at", "validation.required", nil)
	} else if i.OpenedAt.After(now.Add(time.Minute)) {
		v.Add("opened_at", "incident.future", nil)
	}
	return v.Err()
}

// Validate checks an update at the edge.
func (u *InvestigationUpdate) Validate(now time.Time) error {
	var v escudo.ValidationErrors
	u.Note = strings.TrimSpace(u.Note)
	if !oneOf(string(u.Status), InvestigationStatuses) {
		v.Add("status", "investigation.status_unknown", nil)
	}
	if u.At.IsZero() {
		v.Add("at", "validation.required", nil)
	} else if u.At.After(now.Add(time.Minute)) {
		v.Add("at", "incident.future", nil)
	}
	escudo.CheckPersonalText(&v, "note", u.Note, escudo.MaxLongText, true)
	return v.Err()
}

// EarlyWarning is a cluster of incidents in one area in one week that the
// early-warning sweep raised (internal/prevention).
type EarlyWarning struct {
	ID           int64     `json:"id"`
	Level        string    `json:"level"` // entity | municipality
	Entity       string    `json:"federal_entity"`
	Municipality string    `json:"municipality,omitempty"`
	WeekStart    time.Time `json:"week_start"`
	Count        int       `json:"count"`    // incidents in the week
	Mean4        float64   `json:"mean_4"`   // mean of the 4 weeks before
	Baseline     float64   `json:"baseline"` // mean weekly count of the area's history
	PValue       float64   `json:"p_value"`  // Poisson upper tail of Count at Baseline
	Surge        bool      `json:"surge"`    // ACLED's surge rule met
	Unusual      bool      `json:"unusual"`  // the Poisson test met
	CaseIDs      []int64   `json:"case_ids"` // the cases with incidents in the week
	RaisedAt     time.Time `json:"raised_at"`
}

func oneOf[T ~string](s string, xs []T) bool {
	for _, x := range xs {
		if string(x) == s {
			return true
		}
	}
	return false
}

package escudo

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Safe houses (casas de protección, casas refugio): places where a
// beneficiary and the people with them can stay for a time. Where a house
// is, and who is in it, is known only to the people named on the
// registry's list (docs/safehouses.md): the house's name, address,
// coordinates and phone and a request's note are sealed in a compartment of
// their own, and a case shows only whether a place is assigned.

// SafeHouse is one house of the registry.
type SafeHouse struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`        // sealed
	Address     string `json:"address"`     // sealed
	Coordinates string `json:"coordinates"` // sealed, "lat,lon" in decimal degrees
	Phone       string `json:"phone"`       // sealed
	Capacity    int    `json:"capacity"`    // people it can house at once
	Operator    string `json:"operator"`    // who runs it (the Mechanism, an organisation)
	Active      bool   `json:"active"`
	// Occupied is the number of people housed now (unreleased assignments).
	Occupied  int       `json:"occupied"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxSafeHouseCapacity bounds a house's capacity and a request's people.
const MaxSafeHouseCapacity = 200

// Free is the number of places left.
func (h *SafeHouse) Free() int { return max(0, h.Capacity-h.Occupied) }

// Validate checks a house's fields and normalises its coordinates.
func (h *SafeHouse) Validate() error {
	var v ValidationErrors
	h.Name, h.Address, h.Operator = strings.TrimSpace(h.Name), strings.TrimSpace(h.Address), strings.TrimSpace(h.Operator)
	h.Phone, h.Coordinates = strings.TrimSpace(h.Phone), strings.TrimSpace(h.Coordinates)
	if h.Name == "" {
		v.Add("name", "validation.required", nil)
	}
	if h.Address == "" {
		v.Add("address", "validation.required", nil)
	}
	checkPersonalText(&v, "name", h.Name, MaxShortText, false)
	checkPersonalText(&v, "address", h.Address, MaxShortText*2, false)
	checkPersonalText(&v, "operator", h.Operator, MaxShortText, false)
	if h.Phone != "" && !validPhone(h.Phone) {
		v.Add("phone", "validation.phone", nil)
	}
	if h.Coordinates != "" {
		lat, lon, err := ParseCoordinates(h.Coordinates)
		if err != nil {
			v.Add("coordinates", "validation.coordinates", nil)
		} else {
			h.Coordinates = FormatCoordinates(lat, lon)
		}
	}
	if h.Capacity < 1 || h.Capacity > MaxSafeHouseCapacity {
		v.Add("capacity", "validation.range", map[string]any{"Min": 1, "Max": MaxSafeHouseCapacity})
	}
	return v.Err()
}

// ParseCoordinates reads "lat,lon" in decimal degrees (a space after the
// comma allowed), as a map application copies them.
func ParseCoordinates(s string) (lat, lon float64, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), ",")
	if !ok || len(s) > 64 {
		return 0, 0, FieldError("coordinates", "validation.coordinates", nil)
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return 0, 0, FieldError("coordinates", "validation.coordinates", nil)
	}
	return lat, lon, nil
}

// FormatCoordinates writes coordinates the way ParseCoordinates reads them,
// to six decimals (about 10 cm).
func FormatCoordinates(lat, lon float64) string {
	return strconv.FormatFloat(lat, 'f', 6, 64) + "," + strconv.FormatFloat(lon, 'f', 6, 64)
}

// SafeHouseUrgency is how soon a place is needed.
type SafeHouseUrgency string

const (
	UrgencyToday   SafeHouseUrgency = "today"   // within hours: the person cannot stay where they are tonight
	UrgencyDays    SafeHouseUrgency = "days"    // within a few days
	UrgencyPlanned SafeHouseUrgency = "planned" // a planned move
)

// SafeHouseUrgencies lists the urgencies, most urgent first.
var SafeHouseUrgencies = []SafeHouseUrgency{UrgencyToday, UrgencyDays, UrgencyPlanned}

// SafeHouseNeed is something the place must offer.
type SafeHouseNeed string

const (
	NeedAccessibility SafeHouseNeed = "accessibility" // wheelchair access, no stairs
	NeedChildren      SafeHouseNeed = "children"      // children among the people housed
	NeedElderly       SafeHouseNeed = "elderly"
	NeedMedical       SafeHouseNeed = "medical"  // ongoing medical care
	NeedLanguage      SafeHouseNeed = "language" // someone who speaks the person's language
	NeedPets          SafeHouseNeed = "pets"
)

// SafeHouseNeeds lists the needs a request may name.
var SafeHouseNeeds = []SafeHouseNeed{NeedAccessibility, NeedChildren, NeedElderly, NeedMedical, NeedLanguage, NeedPets}

// SafeHouseRequestState is where a request stands.
type SafeHouseRequestState string

const (
	SafeHousePending  SafeHouseRequestState = "pending"  // waiting for a place
	SafeHouseAssigned SafeHouseRequestState = "assigned" // a place is assigned
	SafeHouseReleased SafeHouseRequestState = "released" // the stay ended
)

// SafeHouseRequest is a case's request for a place.
type SafeHouseRequest struct {
	ID          int64                 `json:"id"`
	CaseID      int64                 `json:"case_id"`
	Reference   string                `json:"reference,omitempty"` // the case's folio, for the registry
	Procedure   Procedure             `json:"procedure,omitempty"`
	RequestedBy int64                 `json:"requested_by,omitempty"`
	Requester   string                `json:"requester,omitempty"` // display name of who asked
	People      int                   `json:"people"`              // people to house
	Urgency     SafeHouseUrgency      `json:"urgency"`
	Needs       []SafeHouseNeed       `json:"needs"`
	Note        string                `json:"note,omitempty"` // sealed
	State       SafeHouseRequestState `json:"state"`
	CreatedAt   time.Time             `json:"created_at"`
	// Assignment is the current or last assignment, for the registry only.
	Assignment *SafeHouseAssignment `json:"assignment,omitempty"`
}

// Validate checks a new request.
func (r *SafeHouseRequest) Validate() error {
	var v ValidationErrors
	r.Note = strings.TrimSpace(r.Note)
	if r.CaseID <= 0 {
		v.Add("case_id", "validation.required", nil)
	}
	if r.People < 1 || r.People > MaxSafeHouseCapacity {
		v.Add("people", "validation.range", map[string]any{"Min": 1, "Max": MaxSafeHouseCapacity})
	}
	ok := false
	for _, u := range SafeHouseUrgencies {
		ok = ok || r.Urgency == u
	}
	if !ok {
		v.Add("urgency", "validation.choice", nil)
	}
	seen := map[SafeHouseNeed]bool{}
	for _, n := range r.Needs {
		known := false
		for _, k := range SafeHouseNeeds {
			known = known || n == k
		}
		if !known || seen[n] {
			v.Add("needs", "validation.choice", nil)
			break
		}
		seen[n] = true
	}
	checkPersonalText(&v, "note", r.Note, MaxLongText, true)
	return v.Err()
}

// SafeHouseAssignment is a stay: a request's people in a house from a date,
// until released.
type SafeHouseAssignment struct {
	ID         int64      `json:"id"`
	RequestID  int64      `json:"request_id"`
	HouseID    int64      `json:"house_id"`
	HouseName  string     `json:"house_name,omitempty"` // sealed; the registry only
	People     int        `json:"people"`
	DateIn     time.Time  `json:"date_in"`
	DateOut    *time.Time `json:"date_out,omitempty"` // planned end, when known
	AssignedBy int64      `json:"assigned_by,omitempty"`
	AssignedAt time.Time  `json:"assigned_at"`
	ReleasedAt *time.Time `json:"released_at,omitempty"`
}

// Validate checks a new assignment.
func (a *SafeHouseAssignment) Validate() error {
	var v ValidationErrors
	if a.RequestID <= 0 {
		v.Add("request", "validation.required", nil)
	}
	if a.HouseID <= 0 {
		v.Add("house", "validation.required", nil)
	}
	if a.DateIn.IsZero() {
		v.Add("date_in", "validation.required", nil)
	}
	if a.DateOut != nil && !a.DateOut.After(a.DateIn) {
		v.Add("date_out", "validation.after_date_in", nil)
	}
	return v.Err()
}

// SafeHouseStatus is what the people who ask for a place see of it: whether
// one is assigned, never where.
type SafeHouseStatus struct {
	RequestID   int64                 `json:"request_id"`
	State       SafeHouseRequestState `json:"state"`
	People      int                   `json:"people"`
	Urgency     SafeHouseUrgency      `json:"urgency"`
	RequestedAt time.Time             `json:"requested_at"`
}

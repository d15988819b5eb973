package escudo

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AlertType is what a device or an operator reports.
type AlertType string

const (
	AlertPanic      AlertType = "panic"
	AlertAlarm      AlertType = "alarm"
	AlertTamper     AlertType = "tamper"
	AlertLowBattery AlertType = "low_battery"
	AlertTest       AlertType = "test"
	AlertSilent     AlertType = "device_silent" // raised by supervision, never by a device
	AlertCall       AlertType = "call"          // hotline call recorded by an operator
	// AlertImminentRequest is raised by a request for protection that
	// declares imminent danger (public form, hotline or any intake).
	AlertImminentRequest AlertType = "imminent_request"
)

// DeviceAlertTypes are the types a device may send.
var DeviceAlertTypes = []AlertType{AlertPanic, AlertAlarm, AlertTamper, AlertLowBattery, AlertTest}

// AlertSource is how the alert reached escudo.
type AlertSource string

const (
	SourceDevice      AlertSource = "device"
	SourceSMS         AlertSource = "sms"
	SourceHotline     AlertSource = "hotline"
	SourceSupervision AlertSource = "supervision"
	SourceDrill       AlertSource = "drill"
	SourceRequest     AlertSource = "request" // a request for protection filed with imminent danger
)

// AlertStatus is where an alert stands.
type AlertStatus string

const (
	AlertOpen         AlertStatus = "open"
	AlertAcknowledged AlertStatus = "acknowledged"
	AlertDispatched   AlertStatus = "dispatched"
	AlertResolved     AlertStatus = "resolved"
)

// AlertOutcome records how an alert ended.
type AlertOutcome string

const (
	OutcomeAttended   AlertOutcome = "attended"    // help reached the person
	OutcomeFalseAlarm AlertOutcome = "false_alarm" // pressed by mistake, confirmed with the person
	OutcomeTestAlert  AlertOutcome = "test"        // a test or drill
	OutcomeUnreached  AlertOutcome = "unreached"   // the person could not be reached or found
	OutcomeDeviceFix  AlertOutcome = "device_fault"
	OutcomeOther      AlertOutcome = "other"
)

// AlertOutcomes lists the outcomes an operator may choose.
var AlertOutcomes = []AlertOutcome{OutcomeAttended, OutcomeFalseAlarm, OutcomeTestAlert, OutcomeUnreached, OutcomeDeviceFix, OutcomeOther}

// Alert flags: what was odd in an alert that was nonetheless stored.
const (
	FlagCoordinatesDropped = "coordinates_dropped" // out of range; stored without them
	FlagAccuracyDropped    = "accuracy_dropped"
	FlagBatteryDropped     = "battery_dropped"
	FlagTimeDropped        = "time_dropped" // unreadable or implausible device time
	FlagMessageIDDropped   = "message_id_dropped"
	FlagUnknownType        = "unknown_type" // stored as a panic: never ignore a press
)

// Location is a reported position.
type Location struct {
	Lat       float64 `json:"lat"`
	Lon       float64 `json:"lon"`
	AccuracyM float64 `json:"accuracy_m,omitempty"`
}

// AlertInput is an alert as received, before it is stored.
type AlertInput struct {
	DeviceID   int64
	PersonID   int64 // required when there is no device (hotline, supervision)
	Type       AlertType
	Source     AlertSource
	OccurredAt *time.Time // the device's own time, when readable
	ReceivedAt time.Time  // set by the intake
	Location   *Location
	Battery    *int
	MessageID  string
	Note       string // hotline notes or SMS text; sensitive
	Flags      []string
	// DedupKey, when set, makes repeats with the same key acknowledged but
	// not duplicated (supervision uses "silent:<device>:<since>").
	DedupKey string
}

// Open is the alert in opens for a beneficiary of entity, accepted for
// storage at: open, not yet numbered, received at its intake time (or at,
// when the intake set none).
func (in *AlertInput) Open(entity string, at time.Time) *Alert {
	a := &Alert{DeviceID: in.DeviceID, PersonID: in.PersonID, Entity: entity, Type: in.Type, Source: in.Source,
		Status: AlertOpen, MessageID: in.MessageID, Location: in.Location, Battery: in.Battery, Flags: in.Flags,
		Note: in.Note, OccurredAt: in.OccurredAt, ReceivedAt: in.ReceivedAt.UTC(), StoredAt: at}
	if a.ReceivedAt.IsZero() {
		a.ReceivedAt = at
	}
	return a
}

// Alert is a stored alert and every timed step of its handling.
type Alert struct {
	ID             int64       `json:"id"`
	DeviceID       int64       `json:"device_id,omitempty"`
	DeviceKind     DeviceKind  `json:"device_kind,omitempty"`
	PersonID       int64       `json:"person_id"`
	Entity         string      `json:"federal_entity"`
	Type           AlertType   `json:"type"`
	Source         AlertSource `json:"source"`
	Status         AlertStatus `json:"status"`
	MessageID      string      `json:"message_id,omitempty"`
	Location       *Location   `json:"location,omitempty"` // sensitive
	Battery        *int        `json:"battery,omitempty"`
	Flags          []string    `json:"flags,omitempty"`
	Note           string      `json:"note,omitempty"` // sensitive
	Tier           int         `json:"tier"`
	Escalations    int         `json:"escalations"`
	NextEscalation *time.Time  `json:"next_escalation_at,omitempty"`
	OccurredAt     *time.Time  `json:"occurred_at,omitempty"`
	ReceivedAt     time.Time   `json:"received_at"`
	StoredAt       time.Time   `json:"stored_at"`
	FirstNotified  *time.Time  `json:"first_notified_at,omitempty"`
	AcknowledgedAt *time.Time  `json:"acknowledged_at,omitempty"`
	AcknowledgedBy int64       `json:"acknowledged_by,omitempty"`
	DispatchedAt   *time.Time  `json:"dispatched_at,omitempty"`
	DispatchedBy   int64       `json:"dispatched_by,omitempty"`
	Agency         string      `json:"agency,omitempty"`
	Unit           string      `json:"unit,omitempty"`
	ResolvedAt     *time.Time  `json:"resolved_at,omitempty"`
	ResolvedBy     int64       `json:"resolved_by,omitempty"`
	Outcome        string      `json:"outcome,omitempty"`
	// Duplicate is set on the result of an intake that matched an earlier
	// alert (same message id, or same type within the dedup window).
	Duplicate bool `json:"-"`
}

// Dispatch is what an operator records when help is sent.
type Dispatch struct {
	Agency string    // agency that responds, e.g. "Policía estatal de Oaxaca"
	Unit   string    // unit or patrol, when known
	At     time.Time // when it was dispatched; zero means now
	Note   string
}

// Validate checks a dispatch.
func (d *Dispatch) Validate() error {
	var v ValidationErrors
	d.Agency, d.Unit = strings.TrimSpace(d.Agency), strings.TrimSpace(d.Unit)
	if d.Agency == "" {
		v.Add("agency", "validation.required", nil)
	}
	checkText(&v, "agency", d.Agency, MaxShortText)
	checkText(&v, "unit", d.Unit, MaxShortText)
	checkText(&v, "note", d.Note, MaxLongText)
	return v.Err()
}

// ValidOutcome reports whether o is a known outcome.
func ValidOutcome(o AlertOutcome) bool {
	for _, x := range AlertOutcomes {
		if x == o {
			return true
		}
	}
	return false
}

// OutcomesFor lists the outcomes alert a may be closed with, in the order
// an operator is offered them. "Attended, help arrived" needs a recorded
// dispatch: help that was never sent cannot have arrived, and counting it
// would falsify the response statistics.
func OutcomesFor(a *Alert) []AlertOutcome {
	out := make([]AlertOutcome, 0, len(AlertOutcomes))
	for _, o := range AlertOutcomes {
		if o == OutcomeAttended && a.DispatchedAt == nil {
			continue
		}
		out = append(out, o)
	}
	return out
}

// CheckOutcome says whether alert a may be closed with outcome o. There is
// no default outcome: an empty or unknown one is refused, and so is
// "attended" before a dispatch is recorded.
func CheckOutcome(a *Alert, o AlertOutcome) error {
	if o == "" {
		return FieldError("outcome", "validation.outcome_required", nil)
	}
	if !ValidOutcome(o) {
		return FieldError("outcome", "validation.choice", nil)
	}
	if o == OutcomeAttended && a.DispatchedAt == nil {
		return FieldError("outcome", "validation.attended_needs_dispatch", nil)
	}
	return nil
}

// MaxDeviceBody bounds a device request body.
const MaxDeviceBody = 8 << 10

// deviceAlertJSON is the wire form of a device alert. Fields are raw so one
// odd field never makes the whole alert unreadable.
type deviceAlertJSON struct {
	Type      json.RawMessage `json:"type"`
	At        json.RawMessage `json:"at"`
	Lat       json.RawMessage `json:"lat"`
	Lon       json.RawMessage `json:"lon"`
	AccuracyM json.RawMessage `json:"accuracy_m"`
	Battery   json.RawMessage `json:"battery"`
	MessageID json.RawMessage `json:"message_id"`
}

// DecodeDeviceAlert reads a device alert body. Only a body that is not a
// JSON object, or one that is too large, is refused: an alert is never lost
// because one field is odd. Odd fields are dropped and flagged; an unknown or
// missing type is stored as a panic, since a press must never be ignored.
func DecodeDeviceAlert(body []byte, now time.Time) (AlertInput, error) {
	in := AlertInput{Source: SourceDevice, ReceivedAt: now}
	if len(body) > MaxDeviceBody {
		return in, Errorf(EINVALID, "error.body_too_large")
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return in, Errorf(EINVALID, "error.alert_malformed")
	}
	var w deviceAlertJSON
	if err := json.Unmarshal(trimmed, &w); err != nil {
		return in, Errorf(EINVALID, "error.alert_malformed")
	}
	flag := func(f string) { in.Flags = append(in.Flags, f) }

	var typ string
	if rawString(w.Type, &typ) && validDeviceAlertType(AlertType(typ)) {
		in.Type = AlertType(typ)
	} else {
		in.Type = AlertPanic
		flag(FlagUnknownType)
	}
	if len(w.At) > 0 && string(w.At) != "null" {
		if t, ok := decodeTime(w.At); ok && t.After(now.Add(-30*24*time.Hour)) && t.Before(now.Add(24*time.Hour)) {
			in.OccurredAt = &t
		} else {
			flag(FlagTimeDropped)
		}
	}
	lat, latOK := rawFloat(w.Lat)
	lon, lonOK := rawFloat(w.Lon)
	latSet, lonSet := present(w.Lat), present(w.Lon)
	switch {
	case !latSet && !lonSet:
	case latOK && lonOK && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 && !(lat == 0 && lon == 0):
		in.Location = &Location{Lat: lat, Lon: lon}
	default:
		flag(FlagCoordinatesDropped)
	}
	if present(w.AccuracyM) {
		acc, ok := rawFloat(w.AccuracyM)
		if ok && acc >= 0 && acc <= 1e6 && in.Location != nil {
			in.Location.AccuracyM = acc
		} else if !ok || acc < 0 || acc > 1e6 {
			flag(FlagAccuracyDropped)
		}
	}
	if present(w.Battery) {
		b, ok := rawFloat(w.Battery)
		if ok && b >= 0 && b <= 100 {
			n := int(math.Round(b))
			in.Battery = &n
		} else {
			flag(FlagBatteryDropped)
		}
	}
	if present(w.MessageID) {
		var id string
		if !rawString(w.MessageID, &id) {
			if f, ok := rawFloat(w.MessageID); ok && f == math.Trunc(f) && math.Abs(f) < 1e15 {
				id = strconv.FormatInt(int64(f), 10)
			}
		}
		id = strings.TrimSpace(id)
		if id != "" && len(id) <= 128 && utf8.ValidString(id) && printable(id) {
			in.MessageID = id
		} else {
			flag(FlagMessageIDDropped)
		}
	}
	return in, nil
}

func validDeviceAlertType(t AlertType) bool {
	for _, x := range DeviceAlertTypes {
		if x == t {
			return true
		}
	}
	return false
}

func present(r json.RawMessage) bool { return len(r) > 0 && string(r) != "null" }

func rawString(r json.RawMessage, dst *string) bool {
	if len(r) == 0 || r[0] != '"' {
		return false
	}
	return json.Unmarshal(r, dst) == nil
}

// rawFloat reads a number, or a string holding one (some devices quote them).
func rawFloat(r json.RawMessage) (float64, bool) {
	if !present(r) {
		return 0, false
	}
	s := string(r)
	if r[0] == '"' {
		if json.Unmarshal(r, &s) != nil {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// decodeTime accepts RFC 3339 text or Unix seconds.
func decodeTime(r json.RawMessage) (time.Time, bool) {
	var s string
	if rawString(r, &s) {
		t, err := time.Parse(time.RFC3339Nano, s)
		return t.UTC(), err == nil
	}
	f, ok := rawFloat(r)
	if !ok || f <= 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// SMSAlert is what ParseSMSAlert reads from an SMS text.
type SMSAlert struct {
	Type     AlertType
	Location *Location
	Flags    []string
}

// smsKeywords maps the first word of an SMS to an alert type. Spanish first;
// English accepted. Anything else is a panic: a person in danger may type
// anything.
var smsKeywords = map[string]AlertType{
	"alerta": AlertPanic, "auxilio": AlertPanic, "ayuda": AlertPanic, "panico": AlertPanic, "pánico": AlertPanic,
	"sos": AlertPanic, "panic": AlertPanic, "help": AlertPanic,
	"alarma": AlertAlarm, "alarm": AlertAlarm,
	"prueba": AlertTest, "test": AlertTest,
	"bateria": AlertLowBattery, "batería": AlertLowBattery, "battery": AlertLowBattery,
	"sabotaje": AlertTamper, "tamper": AlertTamper,
}

// MaxSMSBody bounds an SMS text (a concatenated SMS is at most a few hundred
// characters).
const MaxSMSBody = 1600

// ParseSMSAlert reads "ALERTA 17.0654,-96.7236" and its variants: a keyword,
// then optional coordinates separated by a comma, spaces or a semicolon.
// It never fails on content: unreadable coordinates are dropped and flagged.
func ParseSMSAlert(body string) (SMSAlert, error) {
	out := SMSAlert{Type: AlertPanic}
	if len(body) > MaxSMSBody {
		return out, Errorf(EINVALID, "error.body_too_large")
	}
	if !utf8.ValidString(body) {
		body = strings.ToValidUTF8(body, "\uFFFD")
	}
	fields := strings.FieldsFunc(body, func(r rune) bool {
		return r == ' ' || r == ',' || r == ';' || r == '\n' || r == '\r' || r == '\t'
	})
	if len(fields) == 0 {
		return out, nil
	}
	if t, ok := smsKeywords[strings.ToLower(fields[0])]; ok {
		out.Type = t
		fields = fields[1:]
	} else {
		out.Flags = append(out.Flags, FlagUnknownType)
	}
	var nums []float64
	for _, f := range fields {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		nums = append(nums, v)
		if len(nums) == 2 {
			break
		}
	}
	switch {
	case len(nums) == 2 && nums[0] >= -90 && nums[0] <= 90 && nums[1] >= -180 && nums[1] <= 180 && !(nums[0] == 0 && nums[1] == 0):
		out.Location = &Location{Lat: nums[0], Lon: nums[1]}
	case len(nums) > 0:
		out.Flags = append(out.Flags, FlagCoordinatesDropped)
	}
	return out, nil
}

// EscalationTier is one level of the escalation policy: who is notified and
// how long they have to acknowledge before the next tier is.
type EscalationTier struct {
	Name       string   `json:"name"`
	AckTimeout Duration `json:"ack_timeout"`
	Roles      []Role   `json:"roles,omitempty"` // staff users with these roles (inbox, and email when they have one)
	// EntityScoped limits role recipients to users whose federal entity is the
	// beneficiary's (state liaisons).
	EntityScoped bool `json:"entity_scoped,omitempty"`
	// Agencies limits role recipients to users of these agencies (e.g. the
	// federal police liaison).
	Agencies []string `json:"agencies,omitempty"`
	Webhooks []string `json:"webhooks,omitempty"`
	Emails   []string `json:"emails,omitempty"`
	SMS      []string `json:"sms,omitempty"`
}

// EntityRoute adds recipients for alerts of beneficiaries in one entity.
type EntityRoute struct {
	Webhooks []string `json:"webhooks,omitempty"`
	Emails   []string `json:"emails,omitempty"`
	SMS      []string `json:"sms,omitempty"`
}

// EscalationPolicy is the configured routing of alerts.
type EscalationPolicy struct {
	// DedupWindow: a repeat of the same type from the same device within it
	// is acknowledged but not stored again.
	DedupWindow Duration         `json:"dedup_window,omitempty"`
	Tiers       []EscalationTier `json:"tiers"`
	// Entities: per federal entity, extra first-tier recipients (a state
	// control centre's webhook, for instance).
	Entities map[string]EntityRoute `json:"entities,omitempty"`
}

// DefaultEscalationPolicy: duty operators at once, the supervisor after 15 s,
// the state liaison after another 60 s, the federal police liaison after
// another 120 s, repeating the last tier until someone acknowledges.
func DefaultEscalationPolicy() EscalationPolicy {
	return EscalationPolicy{
		DedupWindow: Duration(2 * time.Minute),
		Tiers: []EscalationTier{
			{Name: "duty", AckTimeout: Duration(15 * time.Second), Roles: []Role{RoleDuty}},
			{Name: "supervisor", AckTimeout: Duration(60 * time.Second), Roles: []Role{RoleCoordinator}},
			{Name: "state_liaison", AckTimeout: Duration(120 * time.Second), Roles: []Role{RoleLiaison}, EntityScoped: true},
			{Name: "federal_police", AckTimeout: Duration(120 * time.Second), Roles: []Role{RoleLiaison}, Agencies: []string{"policia_federal", "guardia_nacional"}},
		},
	}
}

// Validate checks a policy.
func (p *EscalationPolicy) Validate() error {
	var v ValidationErrors
	if len(p.Tiers) == 0 {
		v.Add("tiers", "validation.required", nil)
	}
	for i := range p.Tiers {
		t := &p.Tiers[i]
		if t.AckTimeout <= 0 {
			v.Add("tiers.ack_timeout", "validation.required", nil)
		}
		for _, r := range t.Roles {
			if !ValidRole(r) {
				v.Add("tiers.roles", "validation.choice", nil)
			}
		}
	}
	for code := range p.Entities {
		if _, ok := LookupFederalEntity(code); !ok {
			v.Add("entities", "validation.choice", nil)
		}
	}
	if p.DedupWindow < 0 {
		v.Add("dedup_window", "validation.range", nil)
	}
	return v.Err()
}

// Tier returns tier i, or the last tier when i is beyond it (the last tier
// repeats until someone acknowledges).
func (p *EscalationPolicy) Tier(i int) EscalationTier {
	if i >= len(p.Tiers) {
		i = len(p.Tiers) - 1
	}
	if i < 0 {
		i = 0
	}
	return p.Tiers[i]
}

// AlertFilter selects alerts for lists.
type AlertFilter struct {
	Open     bool // status other than resolved
	Entity   string
	PersonID int64
	Limit    int
}

// DeviceFilter selects devices; zero fields select all.
type DeviceFilter struct {
	PersonID int64
	Entity   string // the beneficiary's federal entity
}

// AlertService records how alerts are handled. Each step is timed.
type AlertService interface {
	FindAlertByID(ctx context.Context, id int64) (*Alert, error)
	FindAlerts(ctx context.Context, f AlertFilter) ([]*Alert, error)
}

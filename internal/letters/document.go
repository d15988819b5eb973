// Package letters builds the letters a Governing Board resolution sends —
// the notification to the beneficiary and the instruction to each
// implementing agency — from the recorded resolution alone, so a letter
// cannot say something the Board did not decide. Each letter has a
// canonical form, its SHA-256 and an Ed25519 signature by the
// installation's letter key; the PDF carries both and is byte-reproducible,
// so Verify re-renders it from what it carries and any change to the file
// shows. No database, no HTTP.
package letters

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // letters date deadlines in Mexico's zone on any host

	"escudo"
	"escudo/internal/measures"
)

// Kind is which letter a document is.
type Kind string

const (
	Notification Kind = "notification" // to the beneficiary
	Instruction  Kind = "instruction"  // to one implementing agency
)

// Format is the version of the letters' layout and wording. A letter is
// re-rendered from its payload to be verified, so the wording and layout of
// a format never change once letters of it exist: a change is a new format,
// rendered by its own code, and the old one stays.
const Format = 1

// Handover is the action of a line telling an agency that a measure it
// implemented passes to another agency (a modification that changes the
// implementing agency); it is not a Board action of its own.
const Handover escudo.MeasureAction = "handover"

// Document is one letter's content: everything printed on it, and nothing
// else. Dates are strings already formatted, so the canonical form has no
// time zones or clocks in it.
type Document struct {
	Format        int        `json:"format"`
	Identifier    string     `json:"identifier"`
	Kind          Kind       `json:"kind"`
	Lang          string     `json:"lang"`
	Installation  string     `json:"installation"`
	DutyPhone     string     `json:"duty_phone"`
	VerifyURL     string     `json:"verify_url"` // the verification page; signed, so nobody can point the QR code elsewhere
	KeyID         string     `json:"key_id"`
	Resolution    string     `json:"resolution"` // the resolution's identifier
	ResolutionID  int64      `json:"resolution_id"`
	Supersedes    string     `json:"supersedes,omitempty"` // identifier of the resolution this one replaces
	CaseReference string     `json:"case_reference"`
	Beneficiary   string     `json:"beneficiary"`
	SessionDate   string     `json:"session_date"` // 2006-01-02, Mexico City
	IssuedAt      string     `json:"issued_at"`    // RFC 3339, UTC, seconds: the resolution's recording
	Level         string     `json:"level"`
	Adopted       bool       `json:"adopted"`
	Measures      []Line     `json:"measures"`
	Reasons       string     `json:"reasons,omitempty"`     // notification only
	AppealDays    int        `json:"appeal_days,omitempty"` // notification only
	Votes         []VoteLine `json:"votes,omitempty"`       // notification only
	Agency        *AgencyRef `json:"agency,omitempty"`      // instruction only
	Briefing      *Briefing  `json:"briefing,omitempty"`    // instruction to a police agency only
}

// Line is one measure decision as the letter prints it.
type Line struct {
	Action     escudo.MeasureAction `json:"action"`
	Measure    string               `json:"measure"` // catalogue id
	Label      string               `json:"label"`   // in the letter's language
	SafeHouse  bool                 `json:"safe_house,omitempty"`
	Deadline   string               `json:"deadline,omitempty"` // 2006-01-02, Mexico City
	Agency     string               `json:"agency"`
	AgencyCode string               `json:"agency_code"`
	HandedTo   string               `json:"handed_to,omitempty"` // Handover: the agency that takes it
	Liaison    string               `json:"liaison,omitempty"`
	Discreet   bool                 `json:"discreet,omitempty"`
	Reason     string               `json:"reason,omitempty"` // notification only
}

// VoteLine is one seat's named vote.
type VoteLine struct {
	Seat      string            `json:"seat"`
	Member    string            `json:"member"`
	Alternate bool              `json:"alternate,omitempty"`
	Choice    escudo.VoteChoice `json:"choice"`
}

// AgencyRef is the agency an instruction is addressed to.
type AgencyRef struct {
	Code   string             `json:"code"`
	Name   string             `json:"name"`
	Level  escudo.AgencyLevel `json:"level"`
	Police bool               `json:"police,omitempty"`
}

// Briefing is what police officers need to know, and only that.
type Briefing struct {
	Threats  string   `json:"threats"`
	Discreet bool     `json:"discreet,omitempty"`
	Call     string   `json:"call"`               // the duty desk, around the clock
	Liaisons []string `json:"liaisons,omitempty"` // the agency's liaisons for this case
}

// Input is what FromResolution needs besides the resolution.
type Input struct {
	Resolution  *escudo.Resolution
	Beneficiary string // the beneficiary's name, as it is to be printed
	Catalogue   *measures.Catalogue
	Agencies    map[int64]escudo.Agency
	// Granted are the case's granted measures the resolution modifies,
	// withdraws, ratifies or ends, by id.
	Granted map[int64]escudo.GrantedMeasure
	// Liaisons are liaison accounts' names by user id.
	Liaisons map[int64]string
	// Seats are the Board seats' names by seat code, in the letter's
	// language; a seat without one is printed as its code.
	Seats map[string]string
	// Supersedes is the identifier of the resolution this one replaces.
	Supersedes string
	// Deadline is the implementation deadline of a measure granted without
	// one (the clock rules'); zero: 30 days from the resolution.
	Deadline     time.Time
	Lang         string // "en" or es-MX (the default)
	Installation string
	DutyPhone    string
	VerifyURL    string
	KeyID        string
	AppealDays   int
}

// Zone is the zone letters date in.
var Zone = func() *time.Location {
	loc, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		return time.UTC
	}
	return loc
}()

const dateLayout = "2006-01-02"

// Limits of a document's fields.
const (
	maxShort = 200
	maxLong  = 20000
	maxLines = 200
)

var (
	identPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$`)
	codePattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$`)
)

// LetterIdentifier is the identifier printed on a letter: the resolution's,
// then N for the beneficiary's notification or I and the agency's code (as
// the directory writes it) for an instruction.
func LetterIdentifier(resolution string, kind Kind, agencyCode string) string {
	if kind == Notification {
		return resolution + "-N"
	}
	return resolution + "-I-" + agencyCode
}

// ValidIdentifier reports whether s has the shape of a letter identifier
// (so a lookup by an arbitrary string can be refused at the edge).
func ValidIdentifier(s string) bool { return identPattern.MatchString(s) }

// FromResolution builds the letters of a resolution: the notification to
// the beneficiary first, then one instruction per implementing agency the
// resolution addresses, in the order of the agencies' codes.
func FromResolution(in Input) ([]*Document, error) {
	r := in.Resolution
	if r == nil || !identPattern.MatchString(r.Identifier) {
		return nil, errors.New("letters: the resolution has no identifier")
	}
	if in.Catalogue == nil {
		return nil, errors.New("letters: no measures catalogue")
	}
	lang := "es-MX"
	if in.Lang == "en" {
		lang = "en"
	}
	deadline := in.Deadline
	if deadline.IsZero() {
		deadline = r.RecordedAt.Add(30 * 24 * time.Hour)
	}
	base := Document{
		Format: Format, Lang: lang, Installation: in.Installation, DutyPhone: in.DutyPhone,
		VerifyURL: in.VerifyURL, KeyID: in.KeyID, Resolution: r.Identifier, ResolutionID: r.ID,
		Supersedes: in.Supersedes, CaseReference: r.CaseReference, Beneficiary: in.Beneficiary,
		SessionDate: r.SessionDate.In(Zone).Format(dateLayout),
		IssuedAt:    r.RecordedAt.UTC().Truncate(time.Second).Format(time.RFC3339),
		Level:       string(r.Level), Adopted: r.Adopted,
	}
	type addressed struct {
		agency escudo.Agency
		lines  []Line
	}
	byAgency := map[int64]*addressed{}
	address := func(a escudo.Agency, l Line) {
		x := byAgency[a.ID]
		if x == nil {
			x = &addressed{agency: a}
			byAgency[a.ID] = x
		}
		x.lines = append(x.lines, l)
	}
	var all []Line
	for i, m := range r.Measures {
		l, agency, prev, err := in.line(i, m, deadline, lang)
		if err != nil {
			return nil, err
		}
		all = append(all, l)
		address(agency, l)
		if prev != nil {
			address(*prev, Line{Action: Handover, Measure: l.Measure, Label: l.Label, SafeHouse: l.SafeHouse,
				Agency: prev.Name, AgencyCode: prev.Code, HandedTo: agency.Name, Discreet: l.Discreet})
		}
	}
	if len(all) > maxLines {
		return nil, fmt.Errorf("letters: %d measure decisions, at most %d", len(all), maxLines)
	}

	note := base
	note.Kind = Notification
	note.Identifier = LetterIdentifier(r.Identifier, Notification, "")
	note.Measures = all
	note.Reasons = r.Reasons
	note.AppealDays = in.AppealDays
	for _, v := range r.Votes {
		seat := in.Seats[v.Seat]
		if seat == "" {
			seat = v.Seat
		}
		note.Votes = append(note.Votes, VoteLine{Seat: seat, Member: v.MemberName, Alternate: v.Alternate, Choice: v.Choice})
	}
	out := []*Document{&note}
	if !r.Adopted {
		// Nothing was decided: no agency has anything to do.
		byAgency = nil
	}

	ids := make([]int64, 0, len(byAgency))
	for id := range byAgency {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return byAgency[ids[i]].agency.Code < byAgency[ids[j]].agency.Code })
	for _, id := range ids {
		x := byAgency[id]
		d := base
		d.Kind = Instruction
		d.Identifier = LetterIdentifier(r.Identifier, Instruction, x.agency.Code)
		d.Agency = &AgencyRef{Code: x.agency.Code, Name: x.agency.Name, Level: x.agency.Level, Police: x.agency.Police}
		// An agency reads what to do, by when and with whom; the reasons are
		// the beneficiary's and the Board's, not the agency's.
		d.Measures = make([]Line, len(x.lines))
		liaisons := map[string]bool{}
		discreet := false
		for i, l := range x.lines {
			l.Reason = ""
			d.Measures[i] = l
			if l.Liaison != "" {
				liaisons[l.Liaison] = true
			}
			discreet = discreet || (l.Discreet && l.Action != escudo.ActionWithdraw && l.Action != escudo.ActionEnd && l.Action != Handover)
		}
		if x.agency.Police {
			b := &Briefing{Threats: r.ThreatBrief, Discreet: discreet, Call: in.DutyPhone}
			for n := range liaisons {
				b.Liaisons = append(b.Liaisons, n)
			}
			sort.Strings(b.Liaisons)
			d.Briefing = b
		}
		out = append(out, &d)
	}
	for _, d := range out {
		if err := d.Validate(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// line is the letter's line for the resolution's i-th measure decision,
// the agency it is addressed to and, for a modification that moves the
// measure to another agency, the agency that had it.
func (in *Input) line(i int, m escudo.ResolutionMeasure, deadline time.Time, lang string) (Line, escudo.Agency, *escudo.Agency, error) {
	field := fmt.Sprintf("measures[%d]", i)
	var prev *escudo.GrantedMeasure
	if m.Action != escudo.ActionGrant {
		g, ok := in.Granted[m.GrantedID]
		if !ok {
			return Line{}, escudo.Agency{}, nil, fmt.Errorf("letters: %s: granted measure %d unknown", field, m.GrantedID)
		}
		prev = &g
	}
	measure, agencyID, due := m.Grant.Measure, m.Grant.AgencyID, m.Grant.Deadline
	liaison, discreet := m.Grant.LiaisonID, m.Grant.Discreet
	switch m.Action {
	case escudo.ActionGrant, escudo.ActionModify:
		if prev != nil {
			if measure == "" {
				measure = prev.Measure
			}
			if agencyID == 0 {
				agencyID = prev.Agency.ID
			}
			if due.IsZero() {
				due = prev.Deadline
			}
			if liaison == 0 {
				liaison = prev.LiaisonID
			}
		}
	case escudo.ActionWithdraw, escudo.ActionRatify, escudo.ActionEnd:
		measure, agencyID, due, liaison, discreet = prev.Measure, prev.Agency.ID, prev.Deadline, prev.LiaisonID, prev.Discreet
	default:
		return Line{}, escudo.Agency{}, nil, fmt.Errorf("letters: %s: unknown action %q", field, m.Action)
	}
	cm, ok := in.Catalogue.Find(measure)
	if !ok {
		return Line{}, escudo.Agency{}, nil, fmt.Errorf("letters: %s: measure %q is not in the catalogue", field, measure)
	}
	agency, ok := in.Agencies[agencyID]
	if !ok && prev != nil && prev.Agency.ID == agencyID && prev.Agency.Code != "" {
		agency, ok = prev.Agency, true
	}
	if !ok || !codePattern.MatchString(agency.Code) {
		return Line{}, escudo.Agency{}, nil, fmt.Errorf("letters: %s: no implementing agency", field)
	}
	if due.IsZero() {
		due = deadline
	}
	l := Line{Action: m.Action, Measure: cm.ID, Label: cm.Label.In(lang), SafeHouse: cm.Kind == measures.SafeHouse,
		Agency: agency.Name, AgencyCode: agency.Code, Liaison: in.Liaisons[liaison], Discreet: discreet,
		Reason: strings.TrimSpace(m.Reason)}
	if m.Action == escudo.ActionGrant || m.Action == escudo.ActionModify || m.Action == escudo.ActionRatify {
		l.Deadline = due.In(Zone).Format(dateLayout)
	}
	var moved *escudo.Agency
	if m.Action == escudo.ActionModify && prev.Agency.ID != agency.ID {
		pa, ok := in.Agencies[prev.Agency.ID]
		if !ok {
			pa = prev.Agency
		}
		if codePattern.MatchString(pa.Code) {
			moved = &pa
		}
	}
	return l, agency, moved, nil
}

// Validate checks a document's shape: what Verify accepts from a file and
// FromResolution produces.
func (d *Document) Validate() error {
	bad := func(what string) error { return fmt.Errorf("letters: invalid document: %s", what) }
	switch {
	case d.Format != Format:
		return bad("format")
	case d.Kind != Notification && d.Kind != Instruction:
		return bad("kind")
	case d.Lang != "es-MX" && d.Lang != "en":
		return bad("language")
	case !identPattern.MatchString(d.Identifier) || !identPattern.MatchString(d.Resolution):
		return bad("identifier")
	case d.Supersedes != "" && !identPattern.MatchString(d.Supersedes):
		return bad("supersedes")
	case len(d.Measures) > maxLines || len(d.Votes) > maxLines:
		return bad("too many lines")
	case (d.Kind == Instruction) != (d.Agency != nil):
		return bad("agency")
	case d.Briefing != nil && (d.Agency == nil || !d.Agency.Police):
		return bad("briefing")
	}
	if _, err := time.Parse(dateLayout, d.SessionDate); err != nil {
		return bad("session date")
	}
	if t, err := time.Parse(time.RFC3339, d.IssuedAt); err != nil || t.Location() != time.UTC {
		return bad("issue time")
	}
	want := LetterIdentifier(d.Resolution, d.Kind, "")
	if d.Agency != nil {
		if !codePattern.MatchString(d.Agency.Code) {
			return bad("agency code")
		}
		want = LetterIdentifier(d.Resolution, d.Kind, d.Agency.Code)
	}
	if d.Identifier != want {
		return bad("identifier does not match the resolution")
	}
	short := []string{d.Installation, d.DutyPhone, d.VerifyURL, d.KeyID, d.CaseReference, d.Beneficiary, d.Level}
	long := []string{d.Reasons}
	for _, l := range d.Measures {
		if l.Deadline != "" {
			if _, err := time.Parse(dateLayout, l.Deadline); err != nil {
				return bad("deadline")
			}
		}
		short = append(short, string(l.Action), l.Measure, l.Label, l.Agency, l.AgencyCode, l.HandedTo, l.Liaison)
		long = append(long, l.Reason)
	}
	for _, v := range d.Votes {
		short = append(short, v.Seat, v.Member, string(v.Choice))
	}
	if d.Agency != nil {
		short = append(short, d.Agency.Code, d.Agency.Name, string(d.Agency.Level))
	}
	if d.Briefing != nil {
		long = append(long, d.Briefing.Threats)
		short = append(short, d.Briefing.Call)
		short = append(short, d.Briefing.Liaisons...)
	}
	for _, s := range short {
		if len(s) > maxShort {
			return bad("a field is too long")
		}
	}
	for _, s := range long {
		if len(s) > maxLong {
			return bad("a text is too long")
		}
	}
	return nil
}

// Issued is the resolution's recording time, the letter's date.
func (d *Document) Issued() time.Time {
	t, err := time.Parse(time.RFC3339, d.IssuedAt)
	if err != nil {
		return time.Unix(0, 0).UTC()
	}
	return t
}

// Canonical is the document's canonical form: JSON with its object keys
// sorted, no insignificant space, no HTML escaping, integers as integers
// and every date a string of a fixed layout. The same document always
// yields the same bytes.
func Canonical(d *Document) []byte {
	raw, err := json.Marshal(d)
	if err != nil {
		// A Document holds only strings, integers and booleans.
		panic(fmt.Sprintf("letters: canonical form: %v", err))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(fmt.Sprintf("letters: canonical form: %v", err))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // maps marshal with sorted keys
		panic(fmt.Sprintf("letters: canonical form: %v", err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// Parse reads a canonical payload back into a document: unknown fields,
// trailing data, an invalid document or bytes that are not exactly the
// canonical form of what they hold are refused.
func Parse(payload []byte) (*Document, error) {
	if len(payload) > 1<<20 {
		return nil, errors.New("letters: payload too large")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var d Document
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("letters: payload: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("letters: payload: trailing data")
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if !bytes.Equal(Canonical(&d), payload) {
		return nil, errors.New("letters: payload is not in canonical form")
	}
	return &d, nil
}

// Hash is the SHA-256 of the canonical form, in lowercase hex.
func Hash(d *Document) string {
	sum := sha256.Sum256(Canonical(d))
	return hex.EncodeToString(sum[:])
}

// signedMessage is what a letter's signature covers: a prefix, so the key
// never signs anything that could mean something else, and the canonical
// form.
func signedMessage(payload []byte) []byte {
	return append([]byte("escudo-letter-v1\x00"), payload...)
}

// Sign signs the document's canonical form with the letter key.
func Sign(d *Document, priv ed25519.PrivateKey) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("letters: the letter key has the wrong size")
	}
	return ed25519.Sign(priv, signedMessage(Canonical(d))), nil
}

// SignatureValid reports whether sig is the letter key pub's signature of
// the canonical payload.
func SignatureValid(payload, sig []byte, pub ed25519.PublicKey) bool {
	return len(pub) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize &&
		ed25519.Verify(pub, signedMessage(payload), sig)
}

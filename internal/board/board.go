// Package board holds the rules of the Governing Board: its seats, the
// quorum, when an agenda may change and be published, when a case may be
// put to decision, how named votes are checked and counted, and how the
// minutes move from draft to final. It is configuration plus pure rules:
// no database, no HTTP.
package board

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"escudo"
)

// Text is a label in both languages of escudo.
type Text struct {
	ES string `json:"es-MX"`
	EN string `json:"en"`
}

// In returns the text in lang ("en" or es-MX, the default).
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.EN
	}
	return t.ES
}

// Seat is one place at the Board: an institution, or a seat of the
// Consultative Council (civil society).
type Seat struct {
	ID          string `json:"id"`
	Institution Text   `json:"institution"`
	Council     bool   `json:"council,omitempty"`
}

// QuorumRule says how many seats must be present. MinSeats 0 means a
// majority of the seats; MinCouncil is the least number of Council seats.
type QuorumRule struct {
	MinSeats   int `json:"min_seats"`
	MinCouncil int `json:"min_council"`
}

// Adoption is how the votes cast decide.
type Adoption string

const (
	// MajorityCast: more votes for than against (abstentions are not cast).
	MajorityCast Adoption = "majority_cast"
	// MajorityPresent: more votes for than half the seats present.
	MajorityPresent Adoption = "majority_present"
	// TwoThirdsCast: at least two thirds of the votes cast are for.
	TwoThirdsCast Adoption = "two_thirds_cast"
)

// Config is the Board's configuration.
type Config struct {
	Version           int        `json:"version"`
	Seats             []Seat     `json:"seats"`
	Quorum            QuorumRule `json:"quorum"`
	AgendaNoticeHours int        `json:"agenda_notice_hours"`
	Adoption          Adoption   `json:"adoption"`
	// Prefix of resolution identifiers (JG-2026-07-003); "JG" when empty.
	Prefix string `json:"identifier_prefix,omitempty"`

	byID map[string]int
}

//go:embed default.json
var defaultJSON []byte

// Default returns the default configuration (Interior, SSPC, SRE, FGR,
// CNDH and four Consultative Council seats; quorum a majority with one
// Council seat; agenda published 72 hours ahead; adoption by a majority of
// the votes cast). It panics if the embedded file is invalid, which its
// test rules out.
func Default() *Config {
	c, err := Parse(defaultJSON)
	if err != nil {
		panic(fmt.Sprintf("board: default configuration: %v", err))
	}
	return c
}

const (
	maxSeats    = 60
	maxTextLen  = 300
	maxBytes    = 1 << 20
	maxNoticeHr = 24 * 60
)

var (
	idPattern     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	prefixPattern = regexp.MustCompile(`^[A-Z]{1,8}$`)
)

// Parse decodes and validates a configuration strictly: unknown fields,
// trailing data, a missing translation, a repeated seat or a quorum no
// attendance could reach are refused, each as an escudo.FieldError naming
// its JSON path.
func Parse(data []byte) (*Config, error) {
	if len(data) > maxBytes {
		return nil, escudo.FieldError("board", "board.config_too_large", map[string]any{"Max": maxBytes})
	}
	var c Config
	if err := escudo.DecodeStrict(data, &c); errors.Is(err, escudo.ErrTrailingJSON) {
		return nil, escudo.FieldError("board", "board.config_trailing", nil)
	} else if err != nil {
		return nil, escudo.FieldError("board", "board.config_invalid_json", map[string]any{"Detail": err.Error()})
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) validate() error {
	var v escudo.ValidationErrors
	if c.Version < 1 {
		v.Add("version", "board.config_version", nil)
	}
	if len(c.Seats) == 0 || len(c.Seats) > maxSeats {
		v.Add("seats", "board.config_seats", map[string]any{"Max": maxSeats})
	}
	c.byID = make(map[string]int, len(c.Seats))
	council := 0
	for i, s := range c.Seats {
		p := fmt.Sprintf("seats[%d]", i)
		if !idPattern.MatchString(s.ID) {
			v.Add(p+".id", "board.config_seat_id", nil)
		} else if _, dup := c.byID[s.ID]; dup {
			v.Add(p+".id", "board.config_seat_repeated", map[string]any{"ID": s.ID})
		} else {
			c.byID[s.ID] = i
		}
		for lang, t := range map[string]string{"es-MX": s.Institution.ES, "en": s.Institution.EN} {
			if strings.TrimSpace(t) == "" {
				v.Add(p+".institution."+lang, "board.config_text_missing", nil)
			} else if len(t) > maxTextLen {
				v.Add(p+".institution."+lang, "board.config_text_long", map[string]any{"Max": maxTextLen})
			}
		}
		if s.Council {
			council++
		}
	}
	if c.Quorum.MinSeats < 0 || c.Quorum.MinSeats > len(c.Seats) {
		v.Add("quorum.min_seats", "board.config_quorum_seats", map[string]any{"Max": len(c.Seats)})
	}
	if c.Quorum.MinCouncil < 0 || c.Quorum.MinCouncil > council {
		v.Add("quorum.min_council", "board.config_quorum_council", map[string]any{"Max": council})
	}
	if c.AgendaNoticeHours < 0 || c.AgendaNoticeHours > maxNoticeHr {
		v.Add("agenda_notice_hours", "board.config_notice", map[string]any{"Max": maxNoticeHr})
	}
	switch c.Adoption {
	case MajorityCast, MajorityPresent, TwoThirdsCast:
	default:
		v.Add("adoption", "board.config_adoption", nil)
	}
	if c.Prefix != "" && !prefixPattern.MatchString(c.Prefix) {
		v.Add("identifier_prefix", "board.config_prefix", nil)
	}
	return v.Err()
}

// Seat returns the seat with the id.
func (c *Config) Seat(id string) (Seat, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Seat{}, false
	}
	return c.Seats[i], true
}

// Notice is how long before a session its agenda must be published.
func (c *Config) Notice() time.Duration { return time.Duration(c.AgendaNoticeHours) * time.Hour }

// NeedSeats is the number of seats the quorum needs present.
func (c *Config) NeedSeats() int {
	if c.Quorum.MinSeats > 0 {
		return c.Quorum.MinSeats
	}
	return len(c.Seats)/2 + 1
}

// Identifier is the printed identifier of the seq-th resolution of the
// month of at, e.g. JG-2026-07-003.
func (c *Config) Identifier(at time.Time, seq int) string {
	p := c.Prefix
	if p == "" {
		p = "JG"
	}
	return fmt.Sprintf("%s-%04d-%02d-%03d", p, at.Year(), int(at.Month()), seq)
}

// DescribeQuorum is the quorum rule in plain words, published on the
// session page.
func (c *Config) DescribeQuorum(lang string) string {
	n, total, k := c.NeedSeats(), len(c.Seats), c.Quorum.MinCouncil
	if lang == "en" {
		s := fmt.Sprintf("The Board may vote when at least %d of its %d seats are present", n, total)
		switch {
		case k == 1:
			s += ", including at least one seat of the Consultative Council"
		case k > 1:
			s += fmt.Sprintf(", including at least %d seats of the Consultative Council", k)
		}
		return s + ". A seat is present when its member or its alternate attends."
	}
	s := fmt.Sprintf("La Junta puede votar cuando están presentes al menos %d de sus %d lugares", n, total)
	switch {
	case k == 1:
		s += ", entre ellos al menos un lugar del Consejo Consultivo"
	case k > 1:
		s += fmt.Sprintf(", entre ellos al menos %d lugares del Consejo Consultivo", k)
	}
	return s + ". Un lugar está presente cuando asiste quien lo ocupa o su suplente."
}

// Presence is the attendance of a session by seat id; a seat not named is
// absent.
type Presence map[string]escudo.Attendance

// Present reports whether the seat is present (member or alternate).
func (p Presence) Present(seat string) bool {
	a := p[seat]
	return a == escudo.AttendMember || a == escudo.AttendAlternate
}

// QuorumResult is a quorum check: what was counted and what was needed.
type QuorumResult struct {
	Present     int      `json:"present"`
	Council     int      `json:"council"`
	Seats       int      `json:"seats"`
	NeedSeats   int      `json:"need_seats"`
	NeedCouncil int      `json:"need_council"`
	Met         bool     `json:"met"`
	Reasons     []string `json:"reasons,omitempty"` // translation keys, when not met
}

// CheckQuorum counts the seats present against the rule. Seats not in the
// configuration do not count.
func (c *Config) CheckQuorum(p Presence) QuorumResult {
	r := QuorumResult{Seats: len(c.Seats), NeedSeats: c.NeedSeats(), NeedCouncil: c.Quorum.MinCouncil}
	for _, s := range c.Seats {
		if p.Present(s.ID) {
			r.Present++
			if s.Council {
				r.Council++
			}
		}
	}
	if r.Present < r.NeedSeats {
		r.Reasons = append(r.Reasons, "board.quorum_short_seats")
	}
	if r.Council < r.NeedCouncil {
		r.Reasons = append(r.Reasons, "board.quorum_no_council")
	}
	r.Met = len(r.Reasons) == 0
	return r
}

// CheckAttendance validates an attendance form: known seats, each once,
// a known kind of attendance.
func (c *Config) CheckAttendance(p Presence) error {
	var v escudo.ValidationErrors
	for seat, a := range p {
		if _, ok := c.Seat(seat); !ok {
			v.Add("attendance."+seat, "board.seat_unknown", nil)
			continue
		}
		switch a {
		case escudo.AttendMember, escudo.AttendAlternate, escudo.AttendAbsent:
		default:
			v.Add("attendance."+seat, "validation.choice", nil)
		}
	}
	return v.Err()
}

// MayChangeAgenda refuses a change of the agenda once it is published:
// the Board's members study the cases on the published agenda.
func MayChangeAgenda(state escudo.SessionState) error {
	if state != escudo.SessionScheduled {
		return escudo.Errorf(escudo.ECONFLICT, "board.agenda_locked")
	}
	return nil
}

// MayPublish says whether a session's agenda of items cases may be
// published now: while it may still change, with at least one case, and no
// later than the notice before the session.
func (c *Config) MayPublish(state escudo.SessionState, at, now time.Time, items int) error {
	if err := MayChangeAgenda(state); err != nil {
		return err
	}
	if items == 0 {
		return escudo.Errorf(escudo.ECONFLICT, "board.agenda_empty")
	}
	if now.After(at.Add(-c.Notice())) {
		return &escudo.Error{Code: escudo.ECONFLICT, Key: "board.publish_late", Args: map[string]any{"Hours": c.AgendaNoticeHours}}
	}
	return nil
}

// MayTakeAttendance says whether attendance may be recorded: the agenda is
// published (and so locked) and the session is not closed.
func MayTakeAttendance(state escudo.SessionState) error {
	switch state {
	case escudo.SessionPublished, escudo.SessionOpen:
		return nil
	case escudo.SessionScheduled:
		return escudo.Errorf(escudo.ECONFLICT, "board.attendance_unpublished")
	}
	return escudo.Errorf(escudo.ECONFLICT, "board.session_closed")
}

// Item is what the rules need to know of an agenda item.
type Item struct {
	EvaluationID       int64 // the submitted evaluation it rests on; 0 if none
	HearingRequested   bool  // the beneficiary asked to be heard
	HearingWaived      bool  // and later waived that right
	BeneficiaryPresent bool  // the beneficiary (or their representative) is at the session
	Decided            bool  // a resolution is already recorded
}

// MayPutToDecision says whether the item may be put to decision, with
// every reason it may not: the Board must have checked quorum from
// attendance and found it; the beneficiary who asked to be heard must be
// present or have waived that right; the decision must rest on a
// submitted evaluation. The reasons come as one escudo.ValidationErrors
// on the field "decision".
func MayPutToDecision(state escudo.SessionState, it Item, q *QuorumResult) error {
	var v escudo.ValidationErrors
	switch {
	case state == escudo.SessionClosed:
		v.Add("decision", "board.session_closed", nil)
	case q == nil:
		v.Add("decision", "board.decision_no_quorum_check", nil)
	case !q.Met:
		v.Add("decision", "board.decision_no_quorum", nil)
	}
	if it.HearingRequested && !it.HearingWaived && !it.BeneficiaryPresent {
		v.Add("decision", "board.decision_must_hear", nil)
	}
	if it.EvaluationID == 0 {
		v.Add("decision", "board.decision_no_evaluation", nil)
	}
	if it.Decided {
		v.Add("decision", "board.decision_already", nil)
	}
	return v.Err()
}

// CheckVotes checks the named votes of a decision: the quorum was checked
// from attendance and met; every present seat votes once, by its member or
// its alternate as attendance recorded, and no absent seat votes.
func (c *Config) CheckVotes(p Presence, q *QuorumResult, votes []escudo.Vote) error {
	var v escudo.ValidationErrors
	if q == nil {
		v.Add("votes", "board.vote_no_quorum_check", nil)
		return v.Err()
	}
	if !q.Met {
		v.Add("votes", "board.vote_no_quorum", nil)
		return v.Err()
	}
	seen := map[string]bool{}
	for _, vote := range votes {
		f := "votes." + vote.Seat
		if _, ok := c.Seat(vote.Seat); !ok {
			v.Add(f, "board.seat_unknown", nil)
			continue
		}
		switch {
		case seen[vote.Seat]:
			v.Add(f, "board.vote_repeated", nil)
		case !p.Present(vote.Seat):
			v.Add(f, "board.vote_absent", nil)
		case vote.Alternate != (p[vote.Seat] == escudo.AttendAlternate):
			v.Add(f, "board.vote_wrong_person", nil)
		}
		seen[vote.Seat] = true
		switch vote.Choice {
		case escudo.VoteFor, escudo.VoteAgainst, escudo.VoteAbstain:
		default:
			v.Add(f, "board.vote_choice", nil)
		}
	}
	for _, s := range c.Seats {
		if p.Present(s.ID) && !seen[s.ID] {
			v.Add("votes."+s.ID, "board.vote_missing", nil)
		}
	}
	return v.Err()
}

// Tally counts the votes.
func Tally(votes []escudo.Vote) (forN, against, abstain int) {
	for _, v := range votes {
		switch v.Choice {
		case escudo.VoteFor:
			forN++
		case escudo.VoteAgainst:
			against++
		case escudo.VoteAbstain:
			abstain++
		}
	}
	return
}

// Adopted says whether the votes adopt the decision under the rule.
func (c *Config) Adopted(votes []escudo.Vote) bool {
	f, a, ab := Tally(votes)
	switch c.Adoption {
	case MajorityPresent:
		return 2*f > f+a+ab
	case TwoThirdsCast:
		return f > 0 && 3*f >= 2*(f+a)
	}
	return f > a
}

// MinutesState is where a session's minutes stand.
type MinutesState string

const (
	MinutesDraft   MinutesState = "draft"
	MinutesAmended MinutesState = "amended" // an attendee proposed an amendment
	MinutesFinal   MinutesState = "final"   // never changes again
)

// MayEditMinutes says whether the secretariat may rewrite the draft.
func MayEditMinutes(s MinutesState) error {
	if s == MinutesFinal {
		return escudo.Errorf(escudo.ECONFLICT, "board.minutes_final")
	}
	return nil
}

// Amend is an attendee's proposed amendment: refused on final minutes or
// from someone who did not attend; the minutes become amended.
func Amend(s MinutesState, attendee bool) (MinutesState, error) {
	if s == MinutesFinal {
		return s, escudo.Errorf(escudo.ECONFLICT, "board.minutes_final")
	}
	if !attendee {
		return s, escudo.Errorf(escudo.EFORBIDDEN, "board.minutes_not_attendee")
	}
	return MinutesAmended, nil
}

// Finalise makes the minutes final, once: they need text.
func Finalise(s MinutesState, text string) (MinutesState, error) {
	if s == MinutesFinal {
		return s, escudo.Errorf(escudo.ECONFLICT, "board.minutes_final")
	}
	if strings.TrimSpace(text) == "" {
		return s, escudo.FieldError("text", "validation.required", nil)
	}
	return MinutesFinal, nil
}

package board_test

import (
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/board"
)

func keys(err error) []string {
	v, ok := escudo.AsValidation(err)
	if !ok {
		if err == nil {
			return nil
		}
		return []string{escudo.ErrorKey(err)}
	}
	var out []string
	for _, e := range v {
		out = append(out, e.Field+" "+e.Key)
	}
	return out
}

func has(list []string, want string) bool {
	for _, s := range list {
		if s == want {
			return true
		}
	}
	return false
}

func TestDefaultSeats(t *testing.T) {
	c := board.Default()
	if len(c.Seats) != 9 || c.NeedSeats() != 5 || c.Quorum.MinCouncil != 1 || c.Notice() != 72*time.Hour {
		t.Fatalf("default: %d seats, need %d, council %d, notice %v", len(c.Seats), c.NeedSeats(), c.Quorum.MinCouncil, c.Notice())
	}
	council := 0
	for _, s := range c.Seats {
		if s.Council {
			council++
		}
	}
	if council != 4 {
		t.Errorf("council seats = %d, want 4", council)
	}
	if s, ok := c.Seat("segob"); !ok || s.Institution.In("es-MX") != "Secretaría de Gobernación" || s.Council {
		t.Errorf("segob: %+v %v", s, ok)
	}
	if got := c.Identifier(time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC), 3); got != "JG-2026-07-003" {
		t.Errorf("identifier = %q", got)
	}
	es, en := c.DescribeQuorum("es-MX"), c.DescribeQuorum("en")
	if !strings.Contains(es, "al menos 5 de sus 9 lugares") || !strings.Contains(es, "Consejo Consultivo") || !strings.Contains(en, "at least 5 of its 9 seats") {
		t.Errorf("description:\n%s\n%s", es, en)
	}
}

func TestParseRefusesABadConfiguration(t *testing.T) {
	seat := `{"id":"a","institution":{"es-MX":"A","en":"A"}}`
	council := `{"id":"c","council":true,"institution":{"es-MX":"C","en":"C"}}`
	good := `{"version":1,"seats":[` + seat + `,` + council + `],"quorum":{"min_seats":0,"min_council":1},"agenda_notice_hours":72,"adoption":"majority_cast"}`
	if _, err := board.Parse([]byte(good)); err != nil {
		t.Fatalf("a good configuration refused: %v", err)
	}
	cases := []struct{ name, json, want string }{
		{"no version", strings.Replace(good, `"version":1`, `"version":0`, 1), "version board.config_version"},
		{"no seats", `{"version":1,"seats":[],"quorum":{"min_seats":0,"min_council":0},"agenda_notice_hours":72,"adoption":"majority_cast"}`, "seats board.config_seats"},
		{"bad id", strings.Replace(good, `"id":"a"`, `"id":"A b"`, 1), "seats[0].id board.config_seat_id"},
		{"repeated", strings.Replace(good, `"id":"c"`, `"id":"a"`, 1), "seats[1].id board.config_seat_repeated"},
		{"no english", strings.Replace(good, `"en":"A"`, `"en":" "`, 1), "seats[0].institution.en board.config_text_missing"},
		{"quorum too high", strings.Replace(good, `"min_seats":0`, `"min_seats":3`, 1), "quorum.min_seats board.config_quorum_seats"},
		{"more council than seats", strings.Replace(good, `"min_council":1`, `"min_council":2`, 1), "quorum.min_council board.config_quorum_council"},
		{"negative notice", strings.Replace(good, `:72`, `:-1`, 1), "agenda_notice_hours board.config_notice"},
		{"adoption", strings.Replace(good, `majority_cast`, `acclamation`, 1), "adoption board.config_adoption"},
		{"prefix", strings.Replace(good, `"version":1`, `"version":1,"identifier_prefix":"jg-"`, 1), "identifier_prefix board.config_prefix"},
		{"unknown field", strings.Replace(good, `"version":1`, `"version":1,"chair":"x"`, 1), "board board.config_invalid_json"},
		{"trailing", good + ` {}`, "board board.config_trailing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := board.Parse([]byte(tc.json))
			if got := keys(err); !has(got, tc.want) {
				t.Fatalf("errors %v, want %s", got, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"version":1,"seats":[{"id":"a","institution":{"es-MX":"A","en":"A"}}],"quorum":{"min_seats":1,"min_council":0},"agenda_notice_hours":1,"adoption":"majority_cast"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := board.Parse(data)
		if err != nil {
			if c != nil {
				t.Fatal("a configuration returned with an error")
			}
			return
		}
		// A configuration that parses can reach its quorum with everyone present.
		all := board.Presence{}
		for _, s := range c.Seats {
			all[s.ID] = escudo.AttendMember
		}
		if q := c.CheckQuorum(all); !q.Met {
			t.Fatalf("full attendance misses quorum: %+v", q)
		}
		if q := c.CheckQuorum(board.Presence{}); q.Met && (c.NeedSeats() > 0) {
			t.Fatalf("nobody present meets quorum: %+v", q)
		}
	})
}

func TestQuorum(t *testing.T) {
	c := board.Default()
	gov := board.Presence{"segob": escudo.AttendMember, "sspc": escudo.AttendAlternate, "sre": escudo.AttendMember, "fgr": escudo.AttendMember, "cndh": escudo.AttendMember}
	cases := []struct {
		name    string
		p       board.Presence
		met     bool
		reasons []string
	}{
		{"five government seats, no Council (Saltillo)", gov, false, []string{"board.quorum_no_council"}},
		{"four with one Council seat", board.Presence{"segob": escudo.AttendMember, "sre": escudo.AttendMember, "fgr": escudo.AttendMember, "council_2": escudo.AttendMember}, false, []string{"board.quorum_short_seats"}},
		{"nobody", board.Presence{}, false, []string{"board.quorum_short_seats", "board.quorum_no_council"}},
		{"absent counts for nothing", board.Presence{"segob": escudo.AttendAbsent, "council_1": escudo.AttendAbsent}, false, []string{"board.quorum_short_seats", "board.quorum_no_council"}},
		{"five with a Council alternate", board.Presence{"segob": escudo.AttendMember, "sspc": escudo.AttendMember, "sre": escudo.AttendMember, "fgr": escudo.AttendMember, "council_3": escudo.AttendAlternate}, true, nil},
		{"unknown seats do not count", board.Presence{"segob": escudo.AttendMember, "x1": escudo.AttendMember, "x2": escudo.AttendMember, "x3": escudo.AttendMember, "council_1": escudo.AttendMember}, false, []string{"board.quorum_short_seats"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := c.CheckQuorum(tc.p)
			if q.Met != tc.met || strings.Join(q.Reasons, ",") != strings.Join(tc.reasons, ",") {
				t.Fatalf("quorum %+v, want met=%v %v", q, tc.met, tc.reasons)
			}
		})
	}
	// A configured rule: six seats and two Council seats.
	strict, err := board.Parse([]byte(strings.Replace(string(mustJSON(t)), `"quorum": {"min_seats": 0, "min_council": 1}`, `"quorum": {"min_seats": 6, "min_council": 2}`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	five := board.Presence{"segob": escudo.AttendMember, "sspc": escudo.AttendMember, "sre": escudo.AttendMember, "fgr": escudo.AttendMember, "council_3": escudo.AttendAlternate}
	if q := strict.CheckQuorum(five); q.Met || q.NeedSeats != 6 || q.NeedCouncil != 2 {
		t.Fatalf("strict rule: %+v", q)
	}
	if d := strict.DescribeQuorum("es-MX"); !strings.Contains(d, "al menos 6 de sus 9") || !strings.Contains(d, "al menos 2 lugares del Consejo") {
		t.Errorf("strict description: %s", d)
	}
}

func TestAgenda(t *testing.T) {
	c := board.Default()
	at := time.Date(2026, 7, 10, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		state escudo.SessionState
		now   time.Time
		items int
		want  string
	}{
		{"in time", escudo.SessionScheduled, at.Add(-73 * time.Hour), 2, ""},
		{"at the limit", escudo.SessionScheduled, at.Add(-72 * time.Hour), 2, ""},
		{"too late", escudo.SessionScheduled, at.Add(-71 * time.Hour), 2, "board.publish_late"},
		{"empty", escudo.SessionScheduled, at.Add(-100 * time.Hour), 0, "board.agenda_empty"},
		{"already published", escudo.SessionPublished, at.Add(-100 * time.Hour), 2, "board.agenda_locked"},
		{"closed", escudo.SessionClosed, at.Add(-100 * time.Hour), 2, "board.agenda_locked"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := escudo.ErrorKey(c.MayPublish(tc.state, at, tc.now, tc.items)); tc.want == "" && c.MayPublish(tc.state, at, tc.now, tc.items) != nil || tc.want != "" && got != tc.want {
				t.Fatalf("MayPublish = %v, want %q", c.MayPublish(tc.state, at, tc.now, tc.items), tc.want)
			}
		})
	}
	for state, want := range map[escudo.SessionState]string{escudo.SessionScheduled: "", escudo.SessionPublished: "board.agenda_locked", escudo.SessionOpen: "board.agenda_locked", escudo.SessionClosed: "board.agenda_locked"} {
		if err := board.MayChangeAgenda(state); (want == "") != (err == nil) || want != "" && escudo.ErrorKey(err) != want {
			t.Errorf("MayChangeAgenda(%s) = %v", state, err)
		}
	}
	for state, want := range map[escudo.SessionState]string{escudo.SessionScheduled: "board.attendance_unpublished", escudo.SessionPublished: "", escudo.SessionOpen: "", escudo.SessionClosed: "board.session_closed"} {
		if err := board.MayTakeAttendance(state); (want == "") != (err == nil) || want != "" && escudo.ErrorKey(err) != want {
			t.Errorf("MayTakeAttendance(%s) = %v", state, err)
		}
	}
}

func TestMayPutToDecision(t *testing.T) {
	met := &board.QuorumResult{Met: true}
	short := &board.QuorumResult{Met: false}
	ok := board.Item{EvaluationID: 7}
	cases := []struct {
		name  string
		state escudo.SessionState
		it    board.Item
		q     *board.QuorumResult
		want  []string
	}{
		{"ready", escudo.SessionOpen, ok, met, nil},
		{"quorum not checked", escudo.SessionPublished, ok, nil, []string{"decision board.decision_no_quorum_check"}},
		{"no quorum", escudo.SessionPublished, ok, short, []string{"decision board.decision_no_quorum"}},
		{"asked to be heard, absent", escudo.SessionOpen, board.Item{EvaluationID: 7, HearingRequested: true}, met, []string{"decision board.decision_must_hear"}},
		{"heard: present", escudo.SessionOpen, board.Item{EvaluationID: 7, HearingRequested: true, BeneficiaryPresent: true}, met, nil},
		{"waived", escudo.SessionOpen, board.Item{EvaluationID: 7, HearingRequested: true, HearingWaived: true}, met, nil},
		{"no evaluation", escudo.SessionOpen, board.Item{}, met, []string{"decision board.decision_no_evaluation"}},
		{"decided already", escudo.SessionOpen, board.Item{EvaluationID: 7, Decided: true}, met, []string{"decision board.decision_already"}},
		{"Saltillo: no quorum and must be heard", escudo.SessionPublished, board.Item{EvaluationID: 7, HearingRequested: true}, short,
			[]string{"decision board.decision_no_quorum", "decision board.decision_must_hear"}},
		{"closed", escudo.SessionClosed, ok, met, []string{"decision board.session_closed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := keys(board.MayPutToDecision(tc.state, tc.it, tc.q))
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("reasons %v, want %v", got, tc.want)
			}
		})
	}
}

func TestVotes(t *testing.T) {
	c := board.Default()
	p := board.Presence{"segob": escudo.AttendMember, "sspc": escudo.AttendAlternate, "sre": escudo.AttendMember, "fgr": escudo.AttendMember, "council_1": escudo.AttendMember, "cndh": escudo.AttendAbsent}
	q := c.CheckQuorum(p)
	vote := func(seat string, alt bool, ch escudo.VoteChoice) escudo.Vote {
		return escudo.Vote{Seat: seat, Alternate: alt, Choice: ch}
	}
	full := []escudo.Vote{vote("segob", false, escudo.VoteFor), vote("sspc", true, escudo.VoteFor), vote("sre", false, escudo.VoteAgainst),
		vote("fgr", false, escudo.VoteAbstain), vote("council_1", false, escudo.VoteFor)}
	if err := c.CheckVotes(p, &q, full); err != nil {
		t.Fatalf("good votes refused: %v", err)
	}
	with := func(extra ...escudo.Vote) []escudo.Vote { return append(append([]escudo.Vote{}, full...), extra...) }
	cases := []struct {
		name  string
		q     *board.QuorumResult
		votes []escudo.Vote
		want  string
	}{
		{"quorum not checked", nil, full, "votes board.vote_no_quorum_check"},
		{"no quorum", &board.QuorumResult{}, full, "votes board.vote_no_quorum"},
		{"absent seat votes", &q, with(vote("cndh", false, escudo.VoteFor)), "votes.cndh board.vote_absent"},
		{"seat votes twice", &q, with(vote("segob", false, escudo.VoteAgainst)), "votes.segob board.vote_repeated"},
		{"member votes for a seat whose alternate attends", &q, append([]escudo.Vote{vote("sspc", false, escudo.VoteFor)}, full[2:]...), "votes.sspc board.vote_wrong_person"},
		{"unknown seat", &q, with(vote("senado", false, escudo.VoteFor)), "votes.senado board.seat_unknown"},
		{"bad choice", &q, append([]escudo.Vote{vote("segob", false, "maybe")}, full[1:]...), "votes.segob board.vote_choice"},
		{"a present seat did not vote", &q, full[1:], "votes.segob board.vote_missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := keys(c.CheckVotes(p, tc.q, tc.votes)); !has(got, tc.want) {
				t.Fatalf("errors %v, want %s", got, tc.want)
			}
		})
	}
}

func TestAdoption(t *testing.T) {
	v := func(choices ...escudo.VoteChoice) []escudo.Vote {
		var out []escudo.Vote
		for _, c := range choices {
			out = append(out, escudo.Vote{Choice: c})
		}
		return out
	}
	F, A, X := escudo.VoteFor, escudo.VoteAgainst, escudo.VoteAbstain
	cases := []struct {
		rule  board.Adoption
		votes []escudo.Vote
		want  bool
	}{
		{board.MajorityCast, v(F, F, A), true},
		{board.MajorityCast, v(F, A), false},
		{board.MajorityCast, v(F, X, X, X), true},
		{board.MajorityCast, v(X, X), false},
		{board.MajorityPresent, v(F, X, X, X), false},
		{board.MajorityPresent, v(F, F, F, A, X), true},
		{board.TwoThirdsCast, v(F, F, A), true},
		{board.TwoThirdsCast, v(F, F, A, A), false},
		{board.TwoThirdsCast, v(X), false},
	}
	for _, tc := range cases {
		c := board.Default()
		c.Adoption = tc.rule
		if got := c.Adopted(tc.votes); got != tc.want {
			t.Errorf("%s %v: adopted %v, want %v", tc.rule, tc.votes, got, tc.want)
		}
	}
}

func TestMinutes(t *testing.T) {
	s, err := board.Amend(board.MinutesDraft, true)
	if err != nil || s != board.MinutesAmended {
		t.Fatalf("amend a draft: %v %v", s, err)
	}
	if _, err := board.Amend(board.MinutesDraft, false); escudo.ErrorKey(err) != "board.minutes_not_attendee" {
		t.Fatalf("amendment by someone absent: %v", err)
	}
	if _, err := board.Finalise(board.MinutesAmended, " "); escudo.ErrorKey(err) != "validation.required" {
		t.Fatalf("final without text: %v", err)
	}
	f, err := board.Finalise(board.MinutesAmended, "Acta.")
	if err != nil || f != board.MinutesFinal {
		t.Fatalf("finalise: %v %v", f, err)
	}
	for name, err := range map[string]error{
		"amend":    func() error { _, e := board.Amend(f, true); return e }(),
		"finalise": func() error { _, e := board.Finalise(f, "Otra."); return e }(),
		"edit":     board.MayEditMinutes(f),
	} {
		if escudo.ErrorKey(err) != "board.minutes_final" {
			t.Errorf("%s final minutes: %v", name, err)
		}
	}
	if err := board.MayEditMinutes(board.MinutesAmended); err != nil {
		t.Errorf("edit amended minutes: %v", err)
	}
}

func mustJSON(t *testing.T) []byte {
	t.Helper()
	b, err := board.DefaultJSON, error(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/board"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// seatBoard gives every seat of the default Board a member and an
// alternate; it returns the accounts by "seat" and "seat/alt".
func seatBoard(t *testing.T, db *store.DB) map[string]*escudo.User {
	t.Helper()
	out := map[string]*escudo.User{}
	for _, s := range db.Board().Seats {
		role := escudo.RoleBoard
		if s.Council {
			role = escudo.RoleCouncil
		}
		for _, alt := range []bool{false, true} {
			key := s.ID
			if alt {
				key += "/alt"
			}
			u := staff(t, db, "junta_"+strings.ReplaceAll(key, "/", "_"), role, 0)
			if err := db.SetSeatHolder(context.Background(), s.ID, u.ID, alt); err != nil {
				t.Fatal(err)
			}
			out[key] = u
		}
	}
	return out
}

// evaluatedAtBoard is an admitted case with a submitted full evaluation,
// sent to the Board.
func evaluatedAtBoard(t *testing.T, db *store.DB, analyst context.Context, name string) int64 {
	t.Helper()
	id := admitted(t, db, name, escudo.ProcedureOrdinary)
	e, err := db.StartEvaluation(analyst, id, escudo.EvaluationFull, escudo.ReasonInitial)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SubmitEvaluation(analyst, e, fullAnswers()); err != nil {
		t.Fatal(err)
	}
	return id
}

func votesOf(p board.Presence, choice escudo.VoteChoice) []escudo.Vote {
	var out []escudo.Vote
	for seat, a := range p {
		if a != escudo.AttendAbsent {
			out = append(out, escudo.Vote{Seat: seat, Alternate: a == escudo.AttendAlternate, Choice: choice})
		}
	}
	return out
}

// A session from scheduling to final minutes, the Saltillo way and the
// right way: the agenda locks on publication; no vote without a quorum
// checked from attendance; no Council seat, no quorum; the director who
// asked to be heard blocks the decision until present; an absent seat
// cannot vote; a change of attendance needs a new check; the recorded
// resolution moves the case (milestone resolved, its clocks) and carries
// sealed reasons and named votes; final minutes never change.
func TestBoardSessionToResolution(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		coord := withUser(staff(t, db, "coordinacion", escudo.RoleCoordinator, 0))
		analyst := withUser(staff(t, db, "analista", escudo.RoleAnalyst, 0))
		seats := seatBoard(t, db)
		saltillo := evaluatedAtBoard(t, db, analyst, "Casa del Migrante de Saltillo")
		gerardi := evaluatedAtBoard(t, db, analyst, "Centro de Derechos Humanos Juan Gerardi")
		bare := admitted(t, db, "Colectivo sin evaluación", escudo.ProcedureOrdinary)

		at := t0.Add(10 * 24 * time.Hour)
		if _, err := db.CreateSession(coord, at, " ", escudo.SessionOrdinary); !slicesHas(fieldKeys(err), "place validation.required") {
			t.Fatalf("session without a place: %v", err)
		}
		sid, err := db.CreateSession(coord, at, "Sala de juntas, Segob", escudo.SessionOrdinary)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PublishAgenda(coord, sid); escudo.ErrorKey(err) != "board.agenda_empty" {
			t.Fatalf("publish an empty agenda: %v", err)
		}
		itemS, err := db.AddAgendaItem(coord, sid, saltillo, true)
		if err != nil {
			t.Fatal(err)
		}
		itemG, _ := db.AddAgendaItem(coord, sid, gerardi, false)
		itemB, _ := db.AddAgendaItem(coord, sid, bare, false)
		if _, err := db.AddAgendaItem(coord, sid, gerardi, false); !slicesHas(fieldKeys(err), "case board.agenda_case_twice") {
			t.Fatalf("a case twice: %v", err)
		}
		if err := db.RecordAttendance(coord, sid, board.Presence{"segob": escudo.AttendMember}); escudo.ErrorKey(err) != "board.attendance_unpublished" {
			t.Fatalf("attendance before publication: %v", err)
		}
		// An urgent measure issued by reception joins the agenda on publication.
		police := agency(t, db, "ssp-coa", escudo.AgencyState, "COA", true)
		urgent := admitted(t, db, "Periodista de Torreón", escudo.ProcedureExtraordinary)
		if _, err := grant(coord, db, escudo.UserIDFromContext(coord), escudo.MeasureGrant{CaseID: urgent, Measure: "building_protection", AgencyID: police,
			Source: escudo.SourceUrgent, Reason: "Disparos contra la fachada.", Details: map[string]string{"premises": "Oficina del diario"}}); err != nil {
			t.Fatal(err)
		}
		if err := db.PublishAgenda(coord, sid); err != nil {
			t.Fatal(err)
		}
		if s, _ := db.Session(coord, sid, false); len(s.Items) != 4 || s.Items[3].CaseID != urgent {
			t.Fatalf("the unratified urgent measure's case is not on the agenda: %+v", s.Items)
		}
		if _, err := db.AddAgendaItem(coord, sid, bare, false); escudo.ErrorKey(err) != "board.agenda_locked" {
			t.Fatalf("change a published agenda: %v", err)
		}
		if err := db.RemoveAgendaItem(coord, sid, itemB); escudo.ErrorKey(err) != "board.agenda_locked" {
			t.Fatalf("remove from a published agenda: %v", err)
		}

		clock.Set(at)
		good := func(p board.Presence) escudo.Resolution {
			return escudo.Resolution{Level: escudo.RiskExtraordinary, Reasons: "Vigilancia armada frente al albergue.", ThreatBrief: "Hombres armados en la entrada.", Votes: votesOf(p, escudo.VoteFor)}
		}
		// Saltillo: the government seats only.
		gov := board.Presence{"segob": escudo.AttendMember, "sspc": escudo.AttendAlternate, "sre": escudo.AttendMember, "fgr": escudo.AttendMember, "cndh": escudo.AttendMember}
		if err := db.RecordAttendance(coord, sid, gov); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordResolution(coord, sid, itemG, good(gov)); !slicesHas(fieldKeys(err), "decision board.decision_no_quorum_check") {
			t.Fatalf("vote before the quorum check: %v", err)
		}
		q, err := db.CheckQuorum(coord, sid)
		if err != nil || q.Met || q.Present != 5 || q.Council != 0 || strings.Join(q.Reasons, ",") != "board.quorum_no_council" {
			t.Fatalf("quorum without the Council: %+v %v", q, err)
		}
		err = db.MayDecide(coord, sid, itemS)
		if k := fieldKeys(err); !slicesHas(k, "decision board.decision_no_quorum") || !slicesHas(k, "decision board.decision_must_hear") {
			t.Fatalf("Saltillo decision: %v", err)
		}
		if err := db.NoteRefusal(coord, sid, itemS, err); err != nil {
			t.Fatal(err)
		}
		before := countRows(t, db, `SELECT COUNT(*) FROM board_resolutions`) + countRows(t, db, `SELECT COUNT(*) FROM board_votes`)
		if _, err := db.RecordResolution(coord, sid, itemS, good(gov)); !slicesHas(fieldKeys(err), "decision board.decision_must_hear") {
			t.Fatalf("Saltillo recorded: %v", err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM board_resolutions`) + countRows(t, db, `SELECT COUNT(*) FROM board_votes`); n != before {
			t.Fatalf("a refused decision wrote %d rows", n-before)
		}
		s, err := db.Session(coord, sid, true)
		if err != nil || s.Items[0].ID != itemS || strings.Join(s.Items[0].Refusal, ",") != "board.decision_no_quorum,board.decision_must_hear" || s.Quorum == nil || !s.Quorum.Current || s.Quorum.Met {
			t.Fatalf("session after the refusal: %+v %v", s, err)
		}
		if !strings.Contains(s.QuorumRule, "al menos 5 de sus 9") {
			t.Fatalf("published rule %q", s.QuorumRule)
		}

		// A Council seat arrives: attendance changed, the check is stale.
		full := board.Presence{"segob": escudo.AttendMember, "sspc": escudo.AttendAlternate, "sre": escudo.AttendMember, "fgr": escudo.AttendMember, "council_1": escudo.AttendMember, "cndh": escudo.AttendAbsent}
		if err := db.RecordAttendance(coord, sid, full); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordResolution(coord, sid, itemG, good(full)); !slicesHas(fieldKeys(err), "decision board.decision_no_quorum_check") {
			t.Fatalf("vote on a stale check: %v", err)
		}
		if q, err := db.CheckQuorum(coord, sid); err != nil || !q.Met {
			t.Fatalf("quorum with the Council: %+v %v", q, err)
		}
		absent := good(full)
		absent.Votes = append(absent.Votes, escudo.Vote{Seat: "cndh", Choice: escudo.VoteAgainst})
		if _, err := db.RecordResolution(coord, sid, itemG, absent); !slicesHas(fieldKeys(err), "votes.cndh board.vote_absent") {
			t.Fatalf("vote by an absent seat: %v", err)
		}
		if _, err := db.RecordResolution(coord, sid, itemB, good(full)); !slicesHas(fieldKeys(err), "decision board.decision_no_evaluation") {
			t.Fatalf("decision with no evaluation: %v", err)
		}
		if _, err := db.RecordResolution(coord, sid, itemG, escudo.Resolution{Level: "altísimo", Votes: good(full).Votes}); !slicesHas(fieldKeys(err), "level validation.choice") || !slicesHas(fieldKeys(err), "reasons validation.required") {
			t.Fatalf("bad level and no reasons: %v", err)
		}
		if _, err := db.RecordResolution(coord, sid, itemG, escudo.Resolution{Level: escudo.RiskExtraordinary, Reasons: "x", Measures: []escudo.ResolutionMeasure{{Action: escudo.ActionGrant, Reason: "r"}}, Votes: good(full).Votes}); err == nil {
			t.Fatal("a measure decision without a measure was recorded")
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM board_resolutions`); n != 0 {
			t.Fatalf("refusals wrote %d resolutions", n)
		}
		r := good(full)
		r.Votes[0].Choice = escudo.VoteAgainst
		// A grant without its agency refuses the whole resolution.
		r.Measures = []escudo.ResolutionMeasure{{Action: escudo.ActionGrant, Reason: "Vigilancia en la entrada.", Grant: escudo.MeasureGrant{Measure: "panic_button"}}}
		if _, err := db.RecordResolution(coord, sid, itemG, r); !slicesHas(fieldKeys(err), "measures[0].agency_id measures.agency_missing") {
			t.Fatalf("grant without an agency: %v", err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM board_resolutions`) + countRows(t, db, `SELECT COUNT(*) FROM granted_measures WHERE case_id = ?`, gerardi); n != 0 {
			t.Fatalf("a refused measure decision wrote %d rows", n)
		}
		r.Measures = []escudo.ResolutionMeasure{
			{Action: escudo.ActionGrant, Reason: "Vigilancia en la entrada.", Grant: escudo.MeasureGrant{Measure: "panic_button", AgencyID: police}},
			{Action: escudo.ActionGrant, Reason: "Miedo constante del equipo.", Grant: escudo.MeasureGrant{Measure: "psychosocial_support", AgencyID: police}},
		}
		gc, err := db.FindCaseByID(coord, gerardi)
		if err != nil {
			t.Fatal(err)
		}
		ben := &escudo.User{Username: "gerardi", DisplayName: "Centro Gerardi", Role: escudo.RoleBeneficiary, PersonID: gc.PersonID}
		if err := db.CreateUser(context.Background(), ben, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		res, err := db.RecordResolution(coord, sid, itemG, r)
		if err != nil {
			t.Fatal(err)
		}
		// Two measures granted and a letter issued in one resolution: the
		// beneficiary hears of it once, in words that say nothing of what.
		if n := countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = ? AND recipient_user = ? AND subject = ?`, store.KindBeneficiaryNotice, ben.ID, store.AboutResolution); n != 1 {
			t.Fatalf("%d notices to the beneficiary for one resolution", n)
		}
		ms, err := db.CaseMeasures(coord, gerardi)
		if err != nil || len(ms) != 2 || ms[0].ResolutionID != res.ID || ms[0].Source != escudo.SourceBoard || ms[0].Status != escudo.MeasureGranted {
			t.Fatalf("granted measures: %+v %v", ms, err)
		}
		if res.Measures[0].GrantedID != ms[0].ID || res.Measures[0].Grant.Deadline.IsZero() {
			t.Fatalf("the resolution does not name what it granted: %+v", res.Measures)
		}
		letters, err := db.CaseLetters(coord, gerardi)
		if err != nil || len(letters) < 2 || letters[0].Resolution != res.Identifier {
			t.Fatalf("letters of the resolution: %+v %v", letters, err)
		}
		if res.Identifier != "JG-2026-03-001" || !res.Adopted || res.CaseID != gerardi || res.EvaluationID == 0 {
			t.Fatalf("resolution %+v", res)
		}
		if _, err := db.RecordResolution(coord, sid, itemG, good(full)); !slicesHas(fieldKeys(err), "decision board.decision_already") {
			t.Fatalf("decided twice: %v", err)
		}
		c, _ := db.FindCaseByID(coord, gerardi)
		if c.Stage != escudo.StageImplementation {
			t.Fatalf("stage after the resolution: %s", c.Stage)
		}
		if k := clocksOf(t, db, gerardi)["communicate_resolution"]; k.StartedAt.IsZero() {
			t.Fatalf("communicate_resolution clock: %+v", k)
		}
		list, err := db.CaseResolutions(coord, gerardi)
		if err != nil || len(list) != 1 || len(list[0].Measures) != 2 || list[0].Measures[1].GrantedID != ms[1].ID || list[0].Reasons != "Vigilancia armada frente al albergue." || list[0].ThreatBrief != "Hombres armados en la entrada." || len(list[0].Votes) != 5 {
			t.Fatalf("case resolutions: %+v %v", list, err)
		}
		names := map[string]string{}
		for _, v := range list[0].Votes {
			names[v.Seat] = v.MemberName
			if v.Seat == "sspc" && (!v.Alternate || v.MemberID != seats["sspc/alt"].ID) {
				t.Fatalf("the SSPC alternate's vote: %+v", v)
			}
		}
		if names["segob"] != seats["segob"].DisplayName {
			t.Fatalf("named votes %v", names)
		}
		// Sealed at rest: the reasons are not in the row.
		rows, _ := db.QueryForTest(context.Background(), `SELECT reasons_enc FROM board_resolutions`)
		for rows.Next() {
			var b []byte
			_ = rows.Scan(&b)
			if strings.Contains(string(b), "Vigilancia") {
				t.Fatal("reasons stored in the clear")
			}
		}
		rows.Close()

		// Saltillo's director is heard: now the decision may be taken.
		if err := db.SetHearing(coord, sid, itemS, false, true); err != nil {
			t.Fatal(err)
		}
		if err := db.MayDecide(coord, sid, itemS); err != nil {
			t.Fatalf("heard and with quorum: %v", err)
		}

		// Torreón's urgent measure: the Board moves it to the Guardia
		// Nacional, discreetly, which ratifies it; the premises (as issued)
		// stay without anybody typing them again, and the new agency gets
		// its instruction.
		ue, err := db.StartEvaluation(analyst, urgent, escudo.EvaluationFull, escudo.ReasonInitial)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SubmitEvaluation(analyst, ue, fullAnswers()); err != nil {
			t.Fatal(err)
		}
		us, _ := db.Session(coord, sid, false)
		um, err := db.CaseMeasures(coord, urgent)
		if err != nil || len(um) != 1 {
			t.Fatalf("the urgent measure: %+v %v", um, err)
		}
		gn := agency(t, db, "gn", escudo.AgencyFederal, "", true)
		change := good(full)
		change.Measures = []escudo.ResolutionMeasure{{Action: escudo.ActionModify, GrantedID: um[0].ID, Reason: "La Guardia Nacional cubre la zona.",
			Grant: escudo.MeasureGrant{AgencyID: gn, Discreet: true}}}
		ures, err := db.RecordResolution(coord, sid, us.Items[3].ID, change)
		if err != nil {
			t.Fatalf("modify the urgent measure: %v", err)
		}
		m, err := db.FindMeasure(coord, um[0].ID)
		if err != nil || m.Agency.ID != gn || !m.Discreet || m.Details["premises"] != "Oficina del diario" || m.RatifiedBy != ures.ID {
			t.Fatalf("the modified measure: %+v %v", m, err)
		}
		ul, _ := db.CaseLetters(coord, urgent)
		found := false
		for _, l := range ul {
			found = found || l.Kind == "instruction" && l.AgencyID == gn
		}
		if !found {
			t.Fatalf("no instruction to the new agency: %+v", ul)
		}

		// Minutes: an attendee amends, someone absent may not, final is final.
		if err := db.SaveMinutes(coord, sid, "Acta de la sesión ordinaria."); err != nil {
			t.Fatal(err)
		}
		if err := db.AmendMinutes(withUser(seats["cndh"]), sid, "No estuve."); escudo.ErrorKey(err) != "board.minutes_not_attendee" {
			t.Fatalf("amendment by an absent member: %v", err)
		}
		if err := db.AmendMinutes(withUser(seats["council_1"]), sid, "Consta mi voto a favor."); err != nil {
			t.Fatal(err)
		}
		if err := db.FinaliseMinutes(coord, sid); err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{
			"save":     db.SaveMinutes(coord, sid, "Otra acta."),
			"amend":    db.AmendMinutes(withUser(seats["council_1"]), sid, "Otra enmienda."),
			"finalise": db.FinaliseMinutes(coord, sid),
		} {
			if escudo.ErrorKey(err) != "board.minutes_final" {
				t.Errorf("%s final minutes: %v", name, err)
			}
		}
		s, _ = db.Session(coord, sid, true)
		if s.MinutesState != "final" || s.Minutes != "Acta de la sesión ordinaria." || len(s.Amendments) != 1 || s.Amendments[0].AuthorName != seats["council_1"].DisplayName {
			t.Fatalf("minutes %+v", s)
		}
		if err := db.CloseSession(coord, sid); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordAttendance(coord, sid, full); escudo.ErrorKey(err) != "board.session_closed" {
			t.Fatalf("attendance after closing: %v", err)
		}
	})
}

func TestSeatHolders(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		analyst := staff(t, db, "analista", escudo.RoleAnalyst, 0)
		if err := db.SetSeatHolder(ctx, "segob", analyst.ID, false); !slicesHas(fieldKeys(err), "user board.holder_role") {
			t.Fatalf("an analyst at the Board: %v", err)
		}
		if err := db.SetSeatHolder(ctx, "senado", analyst.ID, false); !slicesHas(fieldKeys(err), "seat board.seat_unknown") {
			t.Fatalf("unknown seat: %v", err)
		}
		a := staff(t, db, "a", escudo.RoleBoard, 0)
		b := staff(t, db, "b", escudo.RoleBoard, 0)
		if err := db.SetSeatHolder(ctx, "segob", a.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := db.SetSeatHolder(ctx, "segob", b.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := db.SetSeatHolder(ctx, "sre", b.ID, true); err != nil {
			t.Fatal(err)
		}
		hs, err := db.SeatHolders(ctx)
		if err != nil || len(hs) != 1 || hs[0].Seat != "sre" || hs[0].UserID != b.ID || !hs[0].Alternate {
			t.Fatalf("holders %+v %v", hs, err)
		}
	})
}

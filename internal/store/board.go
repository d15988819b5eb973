package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"escudo"
	"escudo/internal/board"
	"escudo/internal/procedure"
	"escudo/internal/vault"
)

// The Governing Board (rules in internal/board): the people who hold the
// seats, sessions with their agenda, attendance and quorum checks,
// resolutions with named votes, and minutes with their amendments.
// Recording a resolution is one transaction: the resolution, its votes,
// its measure decisions, the case's milestone resolved, the timeline and
// the audit; a refusal writes none of it.

// Board returns the Board's configuration.
func (db *DB) Board() *board.Config { return db.board }

// SetSeatHolder makes a user the member (or the alternate) of a seat,
// replacing whoever held it. The user must hold the role board or council
// and may hold one place only.
func (db *DB) SetSeatHolder(ctx context.Context, seat string, userID int64, alternate bool) error {
	if _, ok := db.board.Seat(seat); !ok {
		return escudo.FieldError("seat", "board.seat_unknown", nil)
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var role string
		var disabled int
		err := tx.QueryRow(ctx, `SELECT role, disabled FROM users WHERE id = ?`, userID).Scan(&role, &disabled)
		if isNoRows(err) || err == nil && (disabled == 1 || (escudo.Role(role) != escudo.RoleBoard && escudo.Role(role) != escudo.RoleCouncil)) {
			return escudo.FieldError("user", "board.holder_role", nil)
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM board_seat_members WHERE (seat = ? AND alternate = ?) OR user_id = ?`, seat, boolInt(alternate), userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO board_seat_members (seat, user_id, alternate, since) VALUES (?, ?, ?, ?)`, seat, userID, boolInt(alternate), micros(tx.now)); err != nil {
			return fmt.Errorf("store: seat holder: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "board.manage", ObjectType: "board_seat", ObjectID: seat, Fields: fmt.Sprintf("user:%d,alternate:%v", userID, alternate)})
	})
}

// SeatHolders lists who holds each seat, in the order of the seats.
func (db *DB) SeatHolders(ctx context.Context) ([]escudo.SeatHolder, error) {
	rows, err := db.readQuery(ctx, `SELECT m.seat, m.user_id, u.display_name, m.alternate, m.since FROM board_seat_members m JOIN users u ON u.id = m.user_id`)
	if err != nil {
		return nil, fmt.Errorf("store: seat holders: %w", err)
	}
	defer rows.Close()
	var out []escudo.SeatHolder
	for rows.Next() {
		var h escudo.SeatHolder
		var alt int
		var since int64
		if err := rows.Scan(&h.Seat, &h.UserID, &h.Name, &alt, &since); err != nil {
			return nil, err
		}
		h.Alternate, h.Since = alt == 1, fromMicros(since)
		out = append(out, h)
	}
	order := map[string]int{}
	for i, s := range db.board.Seats {
		order[s.ID] = i
	}
	sort.Slice(out, func(a, b int) bool {
		if order[out[a].Seat] != order[out[b].Seat] {
			return order[out[a].Seat] < order[out[b].Seat]
		}
		return !out[a].Alternate && out[b].Alternate
	})
	return out, rows.Err()
}

// SeatOf returns the seat a user holds, and whether as alternate; "" when none.
func (db *DB) SeatOf(ctx context.Context, userID int64) (string, bool, error) {
	var seat string
	var alt int
	err := db.readRow(ctx, `SELECT seat, alternate FROM board_seat_members WHERE user_id = ?`, userID).Scan(&seat, &alt)
	if isNoRows(err) {
		return "", false, nil
	}
	return seat, alt == 1, err
}

// MaxPlaceLen bounds a session's place.
const MaxPlaceLen = 200

// CreateSession schedules a session; the quorum rule in force is
// published on it as it stands now.
func (db *DB) CreateSession(ctx context.Context, at time.Time, place string, kind escudo.SessionKind) (int64, error) {
	place = strings.TrimSpace(place)
	var v escudo.ValidationErrors
	if at.IsZero() {
		v.Add("at", "validation.required", nil)
	}
	if place == "" {
		v.Add("place", "validation.required", nil)
	} else if len(place) > MaxPlaceLen {
		v.Add("place", "validation.too_long", map[string]any{"Max": MaxPlaceLen})
	}
	if kind != escudo.SessionOrdinary && kind != escudo.SessionExtraordinary {
		v.Add("kind", "validation.choice", nil)
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO board_sessions (scheduled_at, place, kind, state, quorum_rule, quorum_rule_en, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			micros(at), place, string(kind), string(escudo.SessionScheduled), db.board.DescribeQuorum("es-MX"), db.board.DescribeQuorum("en"),
			nullID(escudo.UserIDFromContext(ctx)), micros(tx.now), micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "board.manage", ObjectType: "board_session", ObjectID: fmt.Sprint(id), Fields: "created"})
	})
	return id, err
}

// BoardSessions lists the Board's sessions, the latest first (at most 500).
func (db *DB) BoardSessions(ctx context.Context) ([]escudo.BoardSession, error) {
	rows, err := db.readQuery(ctx, `SELECT s.id, s.scheduled_at, s.place, s.kind, s.state, s.minutes_state,
		(SELECT COUNT(*) FROM board_agenda_items i WHERE i.session_id = s.id),
		(SELECT COUNT(*) FROM board_resolutions r WHERE r.session_id = s.id)
		FROM board_sessions s ORDER BY s.scheduled_at DESC, s.id DESC LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	defer rows.Close()
	var out []escudo.BoardSession
	for rows.Next() {
		var s escudo.BoardSession
		var at int64
		var items int
		if err := rows.Scan(&s.ID, &at, &s.Place, &s.Kind, &s.State, &s.MinutesState, &items, &s.Resolutions); err != nil {
			return nil, err
		}
		s.At = fromMicros(at)
		s.Items = make([]escudo.AgendaItem, items) // counted only
		out = append(out, s)
	}
	return out, rows.Err()
}

type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

type dbReader struct{ db *DB }

func (r dbReader) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return r.db.readRow(ctx, q, args...)
}
func (r dbReader) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.db.readQuery(ctx, q, args...)
}

// Session returns a session with its agenda, attendance, last quorum
// check, minutes and amendments. The sealed minutes are opened and the
// read audited only when withMinutes.
func (db *DB) Session(ctx context.Context, id int64, withMinutes bool) (*escudo.BoardSession, error) {
	s, err := db.loadSession(ctx, dbReader{db}, id, withMinutes)
	if err != nil {
		return nil, err
	}
	if withMinutes {
		return s, db.Audit(ctx, AuditEntry{Action: "board.read", ObjectType: "board_session", ObjectID: fmt.Sprint(id), Fields: "minutes,amendments"})
	}
	return s, nil
}

func (db *DB) loadSession(ctx context.Context, q querier, id int64, withMinutes bool) (*escudo.BoardSession, error) {
	s := &escudo.BoardSession{ID: id}
	var at, updated int64
	var published, finalAt, check sql.NullInt64
	var minutes []byte
	err := q.QueryRow(ctx, `SELECT scheduled_at, place, kind, state, quorum_rule, quorum_rule_en, quorum_check_id, published_at, minutes_state, minutes_enc, minutes_final_at, updated_at
		FROM board_sessions WHERE id = ?`, id).Scan(&at, &s.Place, &s.Kind, &s.State, &s.QuorumRule, &s.QuorumRuleEN, &check, &published, &s.MinutesState, &minutes, &finalAt, &updated)
	if isNoRows(err) {
		return nil, errNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("store: session: %w", err)
	}
	s.At, s.PublishedAt, s.MinutesFinalAt = fromMicros(at), ptrMicros(published), ptrMicros(finalAt)
	if withMinutes && len(minutes) > 0 {
		if s.Minutes, err = db.open("board_sessions.minutes", minutes); err != nil {
			return nil, err
		}
	}
	if s.Items, err = db.agendaItems(ctx, q, id); err != nil {
		return nil, err
	}
	for _, it := range s.Items {
		if it.ResolutionID != 0 {
			s.Resolutions++
		}
	}
	rows, err := q.Query(ctx, `SELECT a.seat, a.attendance, a.user_id, COALESCE(u.display_name, '') FROM board_attendance a LEFT JOIN users u ON u.id = a.user_id WHERE a.session_id = ?`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var a escudo.SeatAttendance
		var uid sql.NullInt64
		if err := rows.Scan(&a.Seat, &a.Attendance, &uid, &a.Name); err != nil {
			rows.Close()
			return nil, err
		}
		a.UserID = uid.Int64
		s.Attendance = append(s.Attendance, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var qc escudo.QuorumCheck
	var checked int64
	var by sql.NullInt64
	var met int
	var reasons string
	err = q.QueryRow(ctx, `SELECT c.id, c.checked_by, COALESCE(u.display_name, ''), c.checked_at, c.present, c.council, c.need_seats, c.need_council, c.met, c.reasons
		FROM board_quorum_checks c LEFT JOIN users u ON u.id = c.checked_by WHERE c.session_id = ? ORDER BY c.id DESC LIMIT 1`, id).
		Scan(&qc.ID, &by, &qc.CheckerName, &checked, &qc.Present, &qc.Council, &qc.NeedSeats, &qc.NeedCouncil, &met, &reasons)
	switch {
	case err == nil:
		qc.CheckedBy, qc.CheckedAt, qc.Met = by.Int64, fromMicros(checked), met == 1
		qc.Reasons = splitKeys(reasons)
		qc.Current = check.Valid && check.Int64 == qc.ID
		s.Quorum = &qc
	case !isNoRows(err):
		return nil, err
	}
	if withMinutes {
		rows, err := q.Query(ctx, `SELECT m.id, m.author_id, u.display_name, m.text_enc, m.created_at FROM board_minutes_amendments m JOIN users u ON u.id = m.author_id WHERE m.session_id = ? ORDER BY m.id`, id)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var a escudo.MinutesAmendment
			var text []byte
			var at int64
			if err := rows.Scan(&a.ID, &a.AuthorID, &a.AuthorName, &text, &at); err != nil {
				return nil, err
			}
			a.At = fromMicros(at)
			if a.Text, err = db.open("board_minutes_amendments.text", text); err != nil {
				return nil, err
			}
			s.Amendments = append(s.Amendments, a)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func splitKeys(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func (db *DB) agendaItems(ctx context.Context, q querier, sessionID int64) ([]escudo.AgendaItem, error) {
	rows, err := q.Query(ctx, `SELECT i.id, i.case_id, c.reference, i.position, i.evaluation_id, COALESCE(e.level, ''), i.hearing_requested, i.hearing_waived, i.beneficiary_present,
		i.refusal, i.refused_at, i.resolution_id, COALESCE(r.identifier, '')
		FROM board_agenda_items i JOIN cases c ON c.id = i.case_id LEFT JOIN risk_evaluations e ON e.id = i.evaluation_id
		LEFT JOIN board_resolutions r ON r.id = i.resolution_id
		WHERE i.session_id = ? ORDER BY i.position, i.id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("store: agenda: %w", err)
	}
	defer rows.Close()
	var out []escudo.AgendaItem
	for rows.Next() {
		it := escudo.AgendaItem{SessionID: sessionID}
		var eval, refusedAt, res sql.NullInt64
		var hr, hw, bp int
		var refusal string
		if err := rows.Scan(&it.ID, &it.CaseID, &it.CaseReference, &it.Position, &eval, &it.EvaluationLevel, &hr, &hw, &bp, &refusal, &refusedAt, &res, &it.Identifier); err != nil {
			return nil, err
		}
		it.EvaluationID, it.ResolutionID = eval.Int64, res.Int64
		it.HearingRequested, it.HearingWaived, it.BeneficiaryPresent = hr == 1, hw == 1, bp == 1
		it.Refusal, it.RefusedAt = splitKeys(refusal), ptrMicros(refusedAt)
		out = append(out, it)
	}
	return out, rows.Err()
}

// sessionForUpdate reads a session's state inside a write transaction.
func (tx *Tx) sessionState(ctx context.Context, id int64) (escudo.SessionState, time.Time, error) {
	var state string
	var at int64
	err := tx.QueryRow(ctx, `SELECT state, scheduled_at FROM board_sessions WHERE id = ?`, id).Scan(&state, &at)
	if isNoRows(err) {
		return "", time.Time{}, errNotFound()
	}
	return escudo.SessionState(state), fromMicros(at), err
}

func (tx *Tx) touchSession(ctx context.Context, id int64) error {
	_, err := tx.Exec(ctx, `UPDATE board_sessions SET updated_at = ? WHERE id = ?`, micros(tx.now), id)
	return err
}

// AddAgendaItem puts a case on a session's agenda, resting on its latest
// submitted evaluation, while the agenda may change. hearing says whether
// the beneficiary asked to be heard before the Board decides.
func (db *DB) AddAgendaItem(ctx context.Context, sessionID, caseID int64, hearing bool) (int64, error) {
	var id int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		state, _, err := tx.sessionState(ctx, sessionID)
		if err != nil {
			return err
		}
		if err := board.MayChangeAgenda(state); err != nil {
			return err
		}
		if _, err := tx.caseForUpdate(ctx, caseID); err != nil {
			return escudo.FieldError("case", "board.agenda_case_unknown", nil)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM board_agenda_items WHERE session_id = ? AND case_id = ?`, sessionID, caseID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return escudo.FieldError("case", "board.agenda_case_twice", nil)
		}
		var eval sql.NullInt64
		err = tx.QueryRow(ctx, `SELECT id FROM risk_evaluations WHERE case_id = ? AND state = 'submitted' ORDER BY submitted_at DESC, id DESC LIMIT 1`, caseID).Scan(&eval)
		if err != nil && !isNoRows(err) {
			return err
		}
		var pos int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) FROM board_agenda_items WHERE session_id = ?`, sessionID).Scan(&pos); err != nil {
			return err
		}
		// The person asked to be heard before the case reached an agenda.
		if asked, err := tx.hearingRequested(ctx, caseID); err != nil {
			return err
		} else if asked {
			hearing = true
		}
		id, err = tx.InsertID(ctx, `INSERT INTO board_agenda_items (session_id, case_id, evaluation_id, position, hearing_requested) VALUES (?, ?, ?, ?, ?)`,
			sessionID, caseID, nullID(eval.Int64), pos+1, boolInt(hearing))
		if err != nil {
			return fmt.Errorf("store: agenda item: %w", err)
		}
		if err := tx.touchSession(ctx, sessionID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "board.manage", ObjectType: "board_session", ObjectID: fmt.Sprint(sessionID), Fields: fmt.Sprintf("agenda+case:%d", caseID)})
	})
	return id, err
}

// RemoveAgendaItem takes a case off an agenda that may still change.
func (db *DB) RemoveAgendaItem(ctx context.Context, sessionID, itemID int64) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		state, _, err := tx.sessionState(ctx, sessionID)
		if err != nil {
			return err
		}
		if err := board.MayChangeAgenda(state); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM board_agenda_items WHERE id = ? AND session_id = ?`, itemID, sessionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound()
		}
		return tx.Audit(ctx, AuditEntry{Action: "board.manage", ObjectType: "board_session", ObjectID: fmt.Sprint(sessionID), Fields: fmt.Sprintf("agenda-item:%d", itemID)})
	})
}

// PublishAgenda publishes and locks the agenda, no later than the
// configured notice before the session.
func (db *DB) PublishAgenda(ctx context.Context, sessionID int64) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		state, at, err := tx.sessionState(ctx, sessionID)
		if err != nil {
			return err
		}
		// Urgent measures issued without a session come to the Board's
		// next session for ratification: their cases join the agenda.
		if err := board.MayChangeAgenda(state); err == nil {
			if err := tx.addUnratifiedUrgent(ctx, sessionID); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM board_agenda_items WHERE session_id = ?`, sessionID).Scan(&n); err != nil {
			return err
		}
		if err := db.board.MayPublish(state, at, tx.now, n); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE board_sessions SET state = ?, published_at = ?, published_by = ?, updated_at = ? WHERE id = ?`,
			string(escudo.SessionPublished), micros(tx.now), nullID(escudo.UserIDFromContext(ctx)), micros(tx.now), sessionID); err != nil {
			return err
		}
		// Whoever is to be heard learns that the Board set a date.
		rows, err := tx.Query(ctx, `SELECT case_id FROM board_agenda_items WHERE session_id = ? AND hearing_requested = 1 AND hearing_waived = 0 ORDER BY case_id`, sessionID)
		if err != nil {
			return err
		}
		heard, err := scanIDs(rows)
		if err != nil {
			return err
		}
		for _, c := range heard {
			if err := tx.noticeBeneficiary(ctx, c, AboutHearing, fmt.Sprintf("hearing:%d:%d", sessionID, c)); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, AuditEntry{Action: "board.manage", ObjectType: "board_session", ObjectID: fmt.Sprint(sessionID), Fields: "published"})
	})
}

// addUnratifiedUrgent puts on the agenda every open case with an urgent
// measure in life that no resolution has ratified, changed or withdrawn
// (db.UnratifiedUrgent), unless it is there already.
func (tx *Tx) addUnratifiedUrgent(ctx context.Context, sessionID int64) error {
	rows, err := tx.Query(ctx, `SELECT DISTINCT g.case_id FROM granted_measures g JOIN cases c ON c.id = g.case_id
		WHERE g.source = 'urgent' AND g.ratified_by IS NULL AND g.status NOT IN ('withdrawn', 'ended') AND c.stage <> 'closed'
		AND NOT EXISTS (SELECT 1 FROM board_agenda_items i WHERE i.session_id = ? AND i.case_id = g.case_id) ORDER BY g.case_id`, sessionID)
	if err != nil {
		return fmt.Errorf("store: unratified urgent measures: %w", err)
	}
	var cases []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		cases = append(cases, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, caseID := range cases {
		var eval sql.NullInt64
		if err := tx.QueryRow(ctx, `SELECT id FROM risk_evaluations WHERE case_id = ? AND state = 'submitted' ORDER BY submitted_at DESC, id DESC LIMIT 1`, caseID).Scan(&eval); err != nil && !isNoRows(err) {
			return err
		}
		var pos int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) FROM board_agenda_items WHERE session_id = ?`, sessionID).Scan(&pos); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO board_agenda_items (session_id, case_id, evaluation_id, position) VALUES (?, ?, ?, ?)`, sessionID, caseID, nullID(eval.Int64), pos+1); err != nil {
			return err
		}
	}
	return nil
}

// SetHearing records, for an item not yet decided, whether the
// beneficiary waived the hearing they asked for and whether they (or
// their representative) are present.
func (db *DB) SetHearing(ctx context.Context, sessionID, itemID int64, waived, present bool) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		state, _, err := tx.sessionState(ctx, sessionID)
		if err != nil {
			return err
		}
		if state == escudo.SessionClosed {
			return escudo.Errorf(escudo.ECONFLICT, "board.session_closed")
		}
		res, err := tx.Exec(ctx, `UPDATE board_agenda_items SET hearing_waived = ?, beneficiary_present = ? WHERE id = ? AND session_id = ? AND resolution_id IS NULL`,
			boolInt(waived), boolInt(present), itemID, sessionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return escudo.Errorf(escudo.ECONFLICT, "board.decision_already")
		}
		return tx.Audit(ctx, AuditEntry{Action: "board.manage", ObjectType: "board_session", ObjectID: fmt.Sprint(sessionID), Fields: fmt.Sprintf("hearing:%d", itemID)})
	})
}

// RecordAttendance records how each seat attends, naming the seat's
// member or alternate; a change of attendance makes the last quorum check
// stale, so quorum must be checked again before any vote.
func (db *DB) RecordAttendance(ctx context.Context, sessionID int64, p board.Presence) error {
	if err := db.board.CheckAttendance(p); err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		state, _, err := tx.sessionState(ctx, sessionID)
		if err != nil {
			return err
		}
		if err := board.MayTakeAttendance(state); err != nil {
			return err
		}
		holders := map[string]int64{}
		rows, err := tx.Query(ctx, `SELECT seat, alternate, user_id FROM board_seat_members`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var seat string
			var alt int
			var uid int64
			if err := rows.Scan(&seat, &alt, &uid); err != nil {
				rows.Close()
				return err
			}
			holders[fmt.Sprintf("%s/%d", seat, alt)] = uid
		}
		rows.Close()
		var v escudo.ValidationErrors
		for _, s := range db.board.Seats {
			a, ok := p[s.ID]
			if !ok {
				a = escudo.AttendAbsent
			}
			var uid int64
			switch a {
			case escudo.AttendMember:
				uid = holders[s.ID+"/0"]
			case escudo.AttendAlternate:
				uid = holders[s.ID+"/1"]
			}
			if a != escudo.AttendAbsent && uid == 0 {
				v.Add("attendance."+s.ID, "board.attendance_no_holder", nil)
				continue
			}
			if _, err := tx.Exec(ctx, `DELETE FROM board_attendance WHERE session_id = ? AND seat = ?`, sessionID, s.ID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO board_attendance (session_id, seat, attendance, user_id, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)`,
				sessionID, s.ID, string(a), nullID(uid), nullID(escudo.UserIDFromContext(ctx)), micros(tx.now)); err != nil {
				return err
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE board_sessions SET quorum_check_id = NULL, state = ?, updated_at = ? WHERE id = ?`, string(escudo.SessionPublished), micros(tx.now), sessionID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "board.manage", ObjectType: "board_session", ObjectID: fmt.Sprint(sessionID), Fields: "attendance"})
	})
}

func (db *DB) presence(ctx context.Context, q querier, sessionID int64) (board.Presence, map[string]int64, error) {
	rows, err := q.Query(ctx, `SELECT seat, attendance, user_id FROM board_attendance WHERE session_id = ?`, sessionID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	p, who := board.Presence{}, map[string]int64{}
	for rows.Next() {
		var seat, a string
		var uid sql.NullInt64
		if err := rows.Scan(&seat, &a, &uid); err != nil {
			return nil, nil, err
		}
		p[seat], who[seat] = escudo.Attendance(a), uid.Int64
	}
	return p, who, rows.Err()
}

// CheckQuorum checks the session's quorum from its recorded attendance and
// records the check (who, when, what was counted, the result). A met
// quorum opens the session for votes.
func (db *DB) CheckQuorum(ctx context.Context, sessionID int64) (board.QuorumResult, error) {
	var r board.QuorumResult
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		state, _, err := tx.sessionState(ctx, sessionID)
		if err != nil {
			return err
		}
		if err := board.MayTakeAttendance(state); err != nil {
			return err
		}
		p, _, err := db.presence(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if len(p) == 0 {
			return escudo.Errorf(escudo.ECONFLICT, "board.quorum_no_attendance")
		}
		r = db.board.CheckQuorum(p)
		id, err := tx.InsertID(ctx, `INSERT INTO board_quorum_checks (session_id, checked_by, checked_at, present, council, need_seats, need_council, met, reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sessionID, nullID(escudo.UserIDFromContext(ctx)), micros(tx.now), r.Present, r.Council, r.NeedSeats, r.NeedCouncil, boolInt(r.Met), strings.Join(r.Reasons, ","))
		if err != nil {
			return fmt.Errorf("store: quorum check: %w", err)
		}
		next := escudo.SessionPublished
		if r.Met {
			next = escudo.SessionOpen
		}
		if _, err := tx.Exec(ctx, `UPDATE board_sessions SET quorum_check_id = ?, state = ?, updated_at = ? WHERE id = ?`, id, string(next), micros(tx.now), sessionID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "board.manage", ObjectType: "board_session", ObjectID: fmt.Sprint(sessionID), Fields: fmt.Sprintf("quorum:%v", r.Met)})
	})
	return r, err
}

// currentQuorum is the session's quorum check valid for its attendance,
// or nil when quorum has not been checked since attendance last changed.
func (tx *Tx) currentQuorum(ctx context.Context, sessionID int64) (*board.QuorumResult, int64, error) {
	var r board.QuorumResult
	var id int64
	var met int
	var reasons string
	err := tx.QueryRow(ctx, `SELECT c.id, c.present, c.council, c.need_seats, c.need_council, c.met, c.reasons FROM board_sessions s JOIN board_quorum_checks c ON c.id = s.quorum_check_id WHERE s.id = ?`, sessionID).
		Scan(&id, &r.Present, &r.Council, &r.NeedSeats, &r.NeedCouncil, &met, &reasons)
	if isNoRows(err) {
		return nil, 0, nil
	} else if err != nil {
		return nil, 0, err
	}
	r.Met, r.Reasons = met == 1, splitKeys(reasons)
	return &r, id, nil
}

// NoteRefusal records why putting an item to decision was refused, so the
// session shows it; the decision itself is not written.
func (db *DB) NoteRefusal(ctx context.Context, sessionID, itemID int64, refusal error) error {
	v, ok := escudo.AsValidation(refusal)
	if !ok {
		return nil
	}
	var keys []string
	for _, e := range v {
		if e.Field == "decision" {
			keys = append(keys, e.Key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE board_agenda_items SET refusal = ?, refused_at = ?, refused_by = ? WHERE id = ? AND session_id = ? AND resolution_id IS NULL`,
			strings.Join(keys, ","), micros(tx.now), nullID(escudo.UserIDFromContext(ctx)), itemID, sessionID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "board.record", ObjectType: "board_session", ObjectID: fmt.Sprint(sessionID), Fields: fmt.Sprintf("refused:%d:%s", itemID, strings.Join(keys, "+")), Outcome: OutcomeDenied})
	})
}

// MayDecide says whether the item may be put to decision now, with every
// reason it may not (board.MayPutToDecision on what the store holds).
func (db *DB) MayDecide(ctx context.Context, sessionID, itemID int64) error {
	return db.WithTx(ctx, false, func(tx *Tx) error {
		_, _, err := tx.decisionChecks(ctx, sessionID, itemID)
		return err
	})
}

type itemRow struct {
	caseID, evaluationID int64
	level                escudo.RiskLevel
}

func (tx *Tx) decisionChecks(ctx context.Context, sessionID, itemID int64) (itemRow, int64, error) {
	var row itemRow
	state, _, err := tx.sessionState(ctx, sessionID)
	if err != nil {
		return row, 0, err
	}
	var eval, res sql.NullInt64
	var hr, hw, bp int
	err = tx.QueryRow(ctx, `SELECT case_id, evaluation_id, hearing_requested, hearing_waived, beneficiary_present, resolution_id FROM board_agenda_items WHERE id = ? AND session_id = ?`, itemID, sessionID).
		Scan(&row.caseID, &eval, &hr, &hw, &bp, &res)
	if isNoRows(err) {
		return row, 0, errNotFound()
	} else if err != nil {
		return row, 0, err
	}
	row.evaluationID = eval.Int64
	if row.evaluationID != 0 {
		var lv sql.NullString
		if err := tx.QueryRow(ctx, `SELECT level FROM risk_evaluations WHERE id = ? AND state = 'submitted'`, row.evaluationID).Scan(&lv); err != nil && !isNoRows(err) {
			return row, 0, err
		}
		row.level = escudo.RiskLevel(lv.String)
		if lv.String == "" {
			row.evaluationID = 0
		}
	}
	if row.evaluationID == 0 {
		// A case that joined the agenda before its evaluation was submitted
		// (an urgent measure awaiting ratification) rests on the latest
		// evaluation submitted by the time it is decided.
		var id sql.NullInt64
		var lv sql.NullString
		if err := tx.QueryRow(ctx, `SELECT id, level FROM risk_evaluations WHERE case_id = ? AND state = 'submitted' ORDER BY submitted_at DESC, id DESC LIMIT 1`, row.caseID).
			Scan(&id, &lv); err != nil && !isNoRows(err) {
			return row, 0, err
		}
		row.evaluationID, row.level = id.Int64, escudo.RiskLevel(lv.String)
	}
	q, qid, err := tx.currentQuorum(ctx, sessionID)
	if err != nil {
		return row, 0, err
	}
	it := board.Item{EvaluationID: row.evaluationID, HearingRequested: hr == 1, HearingWaived: hw == 1, BeneficiaryPresent: bp == 1, Decided: res.Valid}
	return row, qid, board.MayPutToDecision(state, it, q)
}

// MaxBriefLen bounds the threat brief and the reasons.
const MaxBriefLen = escudo.MaxLongText

// RecordResolution records the Board's decision on one agenda item in one
// transaction: the resolution with its identifier, its named votes, its
// measure decisions, the case's milestone resolved (when adopted), the
// timeline and the audit. Anything refused writes nothing.
func (db *DB) RecordResolution(ctx context.Context, sessionID, itemID int64, r escudo.Resolution) (escudo.Resolution, error) {
	defer db.backlogFigures.invalidate()
	var v escudo.ValidationErrors
	if r.Level.Rank() < 0 {
		v.Add("level", "validation.choice", nil)
	}
	if err := checkLongText("reasons", r.Reasons, true); err != nil {
		v = append(v, err.(escudo.ValidationErrors)...)
	}
	if err := checkLongText("threat_brief", r.ThreatBrief, false); err != nil {
		v = append(v, err.(escudo.ValidationErrors)...)
	}
	for i, m := range r.Measures {
		if err := checkLongText(fmt.Sprintf("measures[%d].reason", i), m.Reason, true); err != nil {
			v = append(v, err.(escudo.ValidationErrors)...)
		}
	}
	if err := v.Err(); err != nil {
		return r, err
	}
	// What the letters name besides the resolution, read before the
	// transaction: the agencies and the case's granted measures.
	src, err := db.letterSources(ctx, sessionID, itemID)
	if err != nil {
		return r, err
	}
	err = db.WithTx(ctx, true, func(tx *Tx) error {
		row, qid, err := tx.decisionChecks(ctx, sessionID, itemID)
		if err != nil {
			return err
		}
		s, err := tx.caseForUpdate(ctx, row.caseID)
		if err != nil {
			return err
		}
		if s.Stage != escudo.StageBoard && s.Stage != escudo.StageImplementation && s.Stage != escudo.StageFollowUp {
			return escudo.Errorf(escudo.ECONFLICT, "error.milestone_stage")
		}
		q, _, err := tx.currentQuorum(ctx, sessionID)
		if err != nil {
			return err
		}
		p, who, err := db.presence(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		for i := range r.Votes {
			r.Votes[i].MemberID = who[r.Votes[i].Seat]
		}
		if err := db.board.CheckVotes(p, q, r.Votes); err != nil {
			return err
		}
		if err := tx.checkMeasureDecisions(ctx, row.caseID, r.Measures); err != nil {
			return err
		}
		var at int64
		if err := tx.QueryRow(ctx, `SELECT scheduled_at FROM board_sessions WHERE id = ?`, sessionID).Scan(&at); err != nil {
			return err
		}
		r.SessionID, r.SessionDate, r.CaseID, r.EvaluationID = sessionID, fromMicros(at), row.caseID, row.evaluationID
		r.Adopted = db.board.Adopted(r.Votes)
		r.RecordedBy, r.RecordedAt = escudo.UserIDFromContext(ctx), tx.now
		if err := tx.QueryRow(ctx, `SELECT reference FROM cases WHERE id = ?`, row.caseID).Scan(&r.CaseReference); err != nil {
			return err
		}
		var prev sql.NullInt64
		if err := tx.QueryRow(ctx, `SELECT MAX(id) FROM board_resolutions WHERE case_id = ? AND adopted = 1`, row.caseID).Scan(&prev); err != nil {
			return err
		}
		r.Supersedes = prev.Int64
		if r.Identifier, err = tx.nextIdentifier(ctx, r.SessionDate); err != nil {
			return err
		}
		for i := range r.Votes {
			if err := tx.QueryRow(ctx, `SELECT display_name FROM users WHERE id = ?`, r.Votes[i].MemberID).Scan(&r.Votes[i].MemberName); err != nil {
				return err
			}
		}
		r.ID, err = tx.insertResolution(ctx, r, qid, false)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE board_agenda_items SET resolution_id = ?, refusal = '', refused_at = NULL WHERE id = ?`, r.ID, itemID); err != nil {
			return err
		}
		if r.Adopted {
			if err := tx.applyMeasureDecisions(ctx, &r); err != nil {
				return err
			}
			// The letters are generated from the resolution as recorded,
			// in its own transaction: they cannot disagree with it.
			if _, err := tx.IssueLetters(ctx, r.RecordedBy, &r, src); err != nil {
				return err
			}
			// The beneficiary hears that there is news (the letter), on
			// the channel they chose, in words that tell nobody else what.
			if err := tx.noticeBeneficiary(ctx, row.caseID, AboutResolution, fmt.Sprintf("resolution:%d", r.ID)); err != nil {
				return err
			}
			step, err := procedure.SubmitStep(s, escudo.MilestoneResolved, tx.now) // resolved is never recorded by hand
			if err != nil {
				return err
			}
			if err := tx.applyStep(ctx, row.caseID, s.Procedure, escudo.MilestoneResolved, step); err != nil {
				return err
			}
			if err := tx.addEvent(ctx, row.caseID, r.RecordedBy, escudo.EventMilestone, string(escudo.MilestoneResolved), ""); err != nil {
				return err
			}
		}
		f, a, ab := board.Tally(r.Votes)
		if err := tx.addEvent(ctx, row.caseID, r.RecordedBy, escudo.EventResolution, fmt.Sprintf("%s:%s:%d-%d-%d", r.Identifier, adoptedWord(r.Adopted), f, a, ab), ""); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "board.record", ObjectType: "case", ObjectID: fmt.Sprint(row.caseID),
			Fields: fmt.Sprintf("resolution:%d,%s,level,measures,reasons,threat_brief,votes", r.ID, r.Identifier)})
	})
	return r, err
}

// letterSources reads what a resolution's letters need besides the
// resolution: the agencies, the case's granted measures and the seats'
// names.
func (db *DB) letterSources(ctx context.Context, sessionID, itemID int64) (LetterSources, error) {
	src := LetterSources{Agencies: map[int64]escudo.Agency{}, Granted: map[int64]escudo.GrantedMeasure{}, Seats: map[string]string{}, Lang: "es-MX"}
	var caseID int64
	err := db.readRow(ctx, `SELECT case_id FROM board_agenda_items WHERE id = ? AND session_id = ?`, itemID, sessionID).Scan(&caseID)
	if isNoRows(err) {
		return src, errNotFound()
	} else if err != nil {
		return src, err
	}
	agencies, err := db.Agencies(ctx)
	if err != nil {
		return src, err
	}
	for _, a := range agencies {
		src.Agencies[a.ID] = a
	}
	granted, err := db.CaseMeasures(ctx, caseID)
	if err != nil {
		return src, err
	}
	for _, g := range granted {
		src.Granted[g.ID] = g
	}
	for _, s := range db.board.Seats {
		src.Seats[s.ID] = s.Institution.ES
	}
	return src, nil
}

func adoptedWord(b bool) string {
	if b {
		return "adopted"
	}
	return "rejected"
}

// nextIdentifier numbers the resolutions of the month of the session:
// JG-2026-07-003. It counts through the sessions of that month, so it reads
// only their resolutions.
func (tx *Tx) nextIdentifier(ctx context.Context, at time.Time) (string, error) {
	from := time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC)
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM board_resolutions r JOIN board_sessions s ON s.id = r.session_id WHERE s.scheduled_at >= ? AND s.scheduled_at < ?`,
		micros(from), micros(from.AddDate(0, 1, 0))).Scan(&n); err != nil {
		return "", err
	}
	return tx.db.board.Identifier(at, n+1), nil
}

func (tx *Tx) insertResolution(ctx context.Context, r escudo.Resolution, qid int64, imported bool) (int64, error) {
	ms, err := json.Marshal(r.Measures)
	if err != nil {
		return 0, err
	}
	sealedM, err := tx.seal(vault.Risk, "board_resolutions.measures", string(ms))
	if err != nil {
		return 0, err
	}
	reasons, err := tx.seal(vault.Risk, "board_resolutions.reasons", strings.TrimSpace(r.Reasons))
	if err != nil {
		return 0, err
	}
	brief, err := tx.seal(vault.Risk, "board_resolutions.threat_brief", strings.TrimSpace(r.ThreatBrief))
	if err != nil {
		return 0, err
	}
	f, a, ab := board.Tally(r.Votes)
	id, err := tx.InsertID(ctx, `INSERT INTO board_resolutions (identifier, session_id, case_id, evaluation_id, level, measures_enc, reasons_enc, threat_brief_enc, adopted, votes_for, votes_against, votes_abstain, quorum_check_id, supersedes, recorded_by, recorded_at, imported)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Identifier, r.SessionID, r.CaseID, nullID(r.EvaluationID), string(r.Level), sealedM, reasons, brief, boolInt(r.Adopted), f, a, ab, qid, nullID(r.Supersedes), nullID(r.RecordedBy), micros(r.RecordedAt), boolInt(imported))
	if err != nil {
		return 0, fmt.Errorf("store: resolution: %w", err)
	}
	for _, v := range r.Votes {
		if _, err := tx.Exec(ctx, `INSERT INTO board_votes (resolution_id, seat, member_id, alternate, choice) VALUES (?, ?, ?, ?, ?)`,
			id, v.Seat, v.MemberID, boolInt(v.Alternate), string(v.Choice)); err != nil {
			return 0, fmt.Errorf("store: vote: %w", err)
		}
	}
	return id, nil
}

const resolutionColumns = `r.id, r.identifier, r.session_id, s.scheduled_at, r.case_id, c.reference, r.evaluation_id, r.level, r.measures_enc, r.reasons_enc, r.threat_brief_enc, r.adopted, r.supersedes, r.recorded_by, r.recorded_at`

func (db *DB) scanResolutions(ctx context.Context, q querier, where string, args ...any) ([]escudo.Resolution, error) {
	rows, err := q.Query(ctx, `SELECT `+resolutionColumns+` FROM board_resolutions r JOIN board_sessions s ON s.id = r.session_id JOIN cases c ON c.id = r.case_id WHERE `+where+` ORDER BY r.recorded_at DESC, r.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: resolutions: %w", err)
	}
	var out []escudo.Resolution
	for rows.Next() {
		var r escudo.Resolution
		var at, rec int64
		var ms, reasons, brief []byte
		var adopted int
		var sup, by, eval sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Identifier, &r.SessionID, &at, &r.CaseID, &r.CaseReference, &eval, &r.Level, &ms, &reasons, &brief, &adopted, &sup, &by, &rec); err != nil {
			rows.Close()
			return nil, err
		}
		r.SessionDate, r.RecordedAt, r.Adopted, r.Supersedes, r.RecordedBy = fromMicros(at), fromMicros(rec), adopted == 1, sup.Int64, by.Int64
		r.EvaluationID = eval.Int64
		m, err := db.open("board_resolutions.measures", ms)
		if err != nil {
			rows.Close()
			return nil, err
		}
		if err := json.Unmarshal([]byte(m), &r.Measures); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: resolution measures: %w", err)
		}
		if r.Reasons, err = db.open("board_resolutions.reasons", reasons); err != nil {
			rows.Close()
			return nil, err
		}
		if r.ThreatBrief, err = db.open("board_resolutions.threat_brief", brief); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The named votes of all of them in one query.
	idx := make(map[int64]int, len(out))
	for i := range out {
		idx[out[i].ID] = i
	}
	if len(out) > 0 {
		vr, err := q.Query(ctx, `SELECT v.resolution_id, v.seat, v.member_id, u.display_name, v.alternate, v.choice FROM board_votes v JOIN users u ON u.id = v.member_id
			WHERE v.resolution_id IN (SELECT r.id FROM board_resolutions r WHERE `+where+`)`, args...)
		if err != nil {
			return nil, err
		}
		for vr.Next() {
			var v escudo.Vote
			var rid int64
			var alt int
			if err := vr.Scan(&rid, &v.Seat, &v.MemberID, &v.MemberName, &alt, &v.Choice); err != nil {
				vr.Close()
				return nil, err
			}
			v.Alternate = alt == 1
			if i, ok := idx[rid]; ok {
				out[i].Votes = append(out[i].Votes, v)
			}
		}
		vr.Close()
		if err := vr.Err(); err != nil {
			return nil, err
		}
	}
	order := map[string]int{}
	for j, s := range db.board.Seats {
		order[s.ID] = j
	}
	for i := range out {
		sort.Slice(out[i].Votes, func(a, b int) bool { return order[out[i].Votes[a].Seat] < order[out[i].Votes[b].Seat] })
	}
	return out, nil
}

// CaseResolutions lists a case's resolutions, newest first; the read of
// their sealed reasons, threat brief and measures is audited.
func (db *DB) CaseResolutions(ctx context.Context, caseID int64) ([]escudo.Resolution, error) {
	out, err := db.scanResolutions(ctx, dbReader{db}, "r.case_id = ?", caseID)
	if err != nil {
		return nil, err
	}
	return out, db.Audit(ctx, AuditEntry{Action: "board.read", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: "resolutions"})
}

// SessionResolutions lists the resolutions of a session, audited.
func (db *DB) SessionResolutions(ctx context.Context, sessionID int64) ([]escudo.Resolution, error) {
	out, err := db.scanResolutions(ctx, dbReader{db}, "r.session_id = ?", sessionID)
	if err != nil {
		return nil, err
	}
	return out, db.Audit(ctx, AuditEntry{Action: "board.read", ObjectType: "board_session", ObjectID: fmt.Sprint(sessionID), Fields: "resolutions"})
}

// Resolution returns one resolution (letters are generated from it),
// audited.
func (db *DB) Resolution(ctx context.Context, id int64) (*escudo.Resolution, error) {
	out, err := db.scanResolutions(ctx, dbReader{db}, "r.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errNotFound()
	}
	return &out[0], db.Audit(ctx, AuditEntry{Action: "board.read", ObjectType: "case", ObjectID: fmt.Sprint(out[0].CaseID), Fields: "resolution:" + out[0].Identifier})
}

// ResolutionByIdentifier finds a resolution's id by its printed identifier.
func (db *DB) ResolutionByIdentifier(ctx context.Context, identifier string) (int64, error) {
	var id int64
	err := db.readRow(ctx, `SELECT id FROM board_resolutions WHERE identifier = ?`, identifier).Scan(&id)
	if isNoRows(err) {
		return 0, errNotFound()
	}
	return id, err
}

// SupersededBy returns the adopted resolution that superseded id, if any.
func (db *DB) SupersededBy(ctx context.Context, id int64) (string, error) {
	var ident string
	err := db.readRow(ctx, `SELECT identifier FROM board_resolutions WHERE supersedes = ? AND adopted = 1 ORDER BY id LIMIT 1`, id).Scan(&ident)
	if isNoRows(err) {
		return "", nil
	}
	return ident, err
}

// SaveMinutes rewrites the draft minutes, while they are not final.
func (db *DB) SaveMinutes(ctx context.Context, sessionID int64, text string) error {
	if err := checkLongText("minutes", text, true); err != nil {
		return err
	}
	return db.minutesStep(ctx, sessionID, func(tx *Tx, st board.MinutesState) (board.MinutesState, string, error) {
		if err := board.MayEditMinutes(st); err != nil {
			return st, "", err
		}
		sealed, err := tx.seal(vault.Risk, "board_sessions.minutes", strings.TrimSpace(text))
		if err != nil {
			return st, "", err
		}
		_, err = tx.Exec(ctx, `UPDATE board_sessions SET minutes_enc = ? WHERE id = ?`, sealed, sessionID)
		return st, "minutes", err
	})
}

// AmendMinutes records an attendee's proposed amendment, with its author.
func (db *DB) AmendMinutes(ctx context.Context, sessionID int64, text string) error {
	if err := checkLongText("amendment", text, true); err != nil {
		return err
	}
	uid := escudo.UserIDFromContext(ctx)
	return db.minutesStep(ctx, sessionID, func(tx *Tx, st board.MinutesState) (board.MinutesState, string, error) {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM board_attendance WHERE session_id = ? AND user_id = ? AND attendance <> 'absent'`, sessionID, uid).Scan(&n); err != nil {
			return st, "", err
		}
		next, err := board.Amend(st, uid != 0 && n > 0)
		if err != nil {
			return st, "", err
		}
		sealed, err := tx.seal(vault.Risk, "board_minutes_amendments.text", strings.TrimSpace(text))
		if err != nil {
			return st, "", err
		}
		_, err = tx.Exec(ctx, `INSERT INTO board_minutes_amendments (session_id, author_id, text_enc, created_at) VALUES (?, ?, ?, ?)`, sessionID, uid, sealed, micros(tx.now))
		return next, "amendment", err
	})
}

// FinaliseMinutes makes the minutes final; they never change again.
func (db *DB) FinaliseMinutes(ctx context.Context, sessionID int64) error {
	return db.minutesStep(ctx, sessionID, func(tx *Tx, st board.MinutesState) (board.MinutesState, string, error) {
		var enc []byte
		if err := tx.QueryRow(ctx, `SELECT minutes_enc FROM board_sessions WHERE id = ?`, sessionID).Scan(&enc); err != nil {
			return st, "", err
		}
		text := ""
		if len(enc) > 0 {
			var err error
			if text, err = db.open("board_sessions.minutes", enc); err != nil {
				return st, "", err
			}
		}
		next, err := board.Finalise(st, text)
		if err != nil {
			return st, "", err
		}
		_, err = tx.Exec(ctx, `UPDATE board_sessions SET minutes_final_at = ?, minutes_final_by = ? WHERE id = ?`, micros(tx.now), nullID(escudo.UserIDFromContext(ctx)), sessionID)
		return next, "minutes_final", err
	})
}

func (db *DB) minutesStep(ctx context.Context, sessionID int64, fn func(*Tx, board.MinutesState) (board.MinutesState, string, error)) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var st string
		err := tx.QueryRow(ctx, `SELECT minutes_state FROM board_sessions WHERE id = ?`, sessionID).Scan(&st)
		if isNoRows(err) {
			return errNotFound()
		} else if err != nil {
			return err
		}
		next, field, err := fn(tx, board.MinutesState(st))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE board_sessions SET minutes_state = ?, updated_at = ? WHERE id = ?`, string(next), micros(tx.now), sessionID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "board.minutes", ObjectType: "board_session", ObjectID: fmt.Sprint(sessionID), Fields: field})
	})
}

// CloseSession closes a session: no more attendance, votes or hearings.
func (db *DB) CloseSession(ctx context.Context, sessionID int64) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		state, _, err := tx.sessionState(ctx, sessionID)
		if err != nil {
			return err
		}
		if state == escudo.SessionClosed {
			return escudo.Errorf(escudo.ECONFLICT, "board.session_closed")
		}
		if _, err := tx.Exec(ctx, `UPDATE board_sessions SET state = ?, updated_at = ? WHERE id = ?`, string(escudo.SessionClosed), micros(tx.now), sessionID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "board.manage", ObjectType: "board_session", ObjectID: fmt.Sprint(sessionID), Fields: "closed"})
	})
}

// BoardCaseIDs returns the cases on any session's agenda: what Board
// members may open from the Board's pages.
func (db *DB) OnAgenda(ctx context.Context, caseID int64) (bool, error) {
	var n int
	err := db.readRow(ctx, `SELECT COUNT(*) FROM board_agenda_items WHERE case_id = ?`, caseID).Scan(&n)
	return n > 0, err
}

// CaseIDByReference finds a case by its reference, for the agenda form.
func (db *DB) CaseIDByReference(ctx context.Context, ref string) (int64, error) {
	var id int64
	err := db.readRow(ctx, `SELECT id FROM cases WHERE reference = ?`, NormalizeReference(ref)).Scan(&id)
	if isNoRows(err) {
		return 0, errNotFound()
	}
	return id, err
}

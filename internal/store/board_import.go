package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"escudo"
	"escudo/internal/board"
	"escudo/internal/procedure"
	"escudo/internal/vault"
)

// ImportPlace is where imported past sessions are said to have met.
const ImportPlace = "Sesión ordinaria (registro importado)"

// ImportResolution loads one past decision of the Board on a case, for
// imports of the Board's history and the demo: it is a real resolution in a
// real session (the week's ordinary session, created closed with its
// agenda published ahead, every seat held present and a met quorum check
// when it is the week's first), voted for by every seat, resting on the
// case's latest submitted evaluation when there is one, and it records the
// milestone resolved. It never replaces the live procedure: the session is
// closed, so nothing else can be decided in it. level empty: the level of
// that evaluation, or ordinario.
func (db *DB) ImportResolution(ctx context.Context, caseID int64, level escudo.RiskLevel, reasons string) (string, error) {
	defer db.backlogFigures.invalidate()
	var ident string
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		s, err := tx.caseForUpdate(ctx, caseID)
		if err != nil {
			return err
		}
		var ref string
		if err := tx.QueryRow(ctx, `SELECT reference FROM cases WHERE id = ?`, caseID).Scan(&ref); err != nil {
			return err
		}
		actor := escudo.UserIDFromContext(ctx)
		ident, err = tx.importResolution(ctx, caseID, ref, s, actor, level, reasons, nil)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "board.record", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: "resolution:" + ident + ",imported"})
	})
	return ident, err
}

// importResolution writes an imported resolution and its milestone; the
// caller audits. c, when set, is the bulk loader's tracked case.
func (tx *Tx) importResolution(ctx context.Context, caseID int64, ref string, s procedure.State, actor int64, level escudo.RiskLevel, reasons string, c *escudo.Case) (string, error) {
	if s.Stage == escudo.StageClosed {
		return "", escudo.Errorf(escudo.ECONFLICT, "error.case_closed")
	}
	if strings.TrimSpace(reasons) == "" {
		reasons = "Resolución de la Junta de Gobierno."
	}
	var eval sql.NullInt64
	var evalLevel sql.NullString
	err := tx.QueryRow(ctx, `SELECT id, level FROM risk_evaluations WHERE case_id = ? AND state = 'submitted' ORDER BY submitted_at DESC, id DESC LIMIT 1`, caseID).Scan(&eval, &evalLevel)
	if err != nil && !isNoRows(err) {
		return "", err
	}
	if level == "" {
		level = escudo.RiskLevel(evalLevel.String)
	}
	if level.Rank() < 0 {
		level = escudo.RiskOrdinary
	}
	sid, qid, votes, at, err := tx.importSession(ctx, actor)
	if err != nil {
		return "", err
	}
	r := escudo.Resolution{SessionID: sid, SessionDate: at, CaseID: caseID, CaseReference: ref, EvaluationID: eval.Int64, Level: level,
		Reasons: reasons, Votes: votes, Adopted: true, RecordedBy: actor, RecordedAt: tx.now}
	var prev sql.NullInt64
	if err := tx.QueryRow(ctx, `SELECT MAX(id) FROM board_resolutions WHERE case_id = ? AND adopted = 1`, caseID).Scan(&prev); err != nil {
		return "", err
	}
	r.Supersedes = prev.Int64
	if r.Identifier, err = tx.nextIdentifier(ctx, at); err != nil {
		return "", err
	}
	if r.ID, err = tx.insertResolution(ctx, r, qid, true); err != nil {
		return "", err
	}
	var pos int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) FROM board_agenda_items WHERE session_id = ?`, sid).Scan(&pos); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO board_agenda_items (session_id, case_id, evaluation_id, position, resolution_id) VALUES (?, ?, ?, ?, ?)`,
		sid, caseID, nullID(eval.Int64), pos+1, r.ID); err != nil {
		return "", fmt.Errorf("store: imported agenda item: %w", err)
	}
	step, err := procedure.SubmitStep(s, escudo.MilestoneResolved, tx.now)
	if err != nil {
		return "", err
	}
	if err := tx.applyStep(ctx, caseID, s.Procedure, escudo.MilestoneResolved, step); err != nil {
		return "", err
	}
	if c != nil {
		c.Stage = step.Stage
	}
	if err := tx.addEvent(ctx, caseID, actor, escudo.EventMilestone, string(escudo.MilestoneResolved), reasons); err != nil {
		return "", err
	}
	f, a, ab := board.Tally(votes)
	if err := tx.addEvent(ctx, caseID, actor, escudo.EventResolution, fmt.Sprintf("%s:%s:%d-%d-%d", r.Identifier, adoptedWord(true), f, a, ab), ""); err != nil {
		return "", err
	}
	return r.Identifier, nil
}

// importSession returns the week's imported session (created closed, with
// full attendance of the seat holders and a met quorum check, the first
// time), its quorum check, the votes for of its attendance and its date.
func (tx *Tx) importSession(ctx context.Context, actor int64) (int64, int64, []escudo.Vote, time.Time, error) {
	day := time.Date(tx.now.Year(), tx.now.Month(), tx.now.Day(), 0, 0, 0, 0, time.UTC)
	week := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)) // Monday
	var sid, at int64
	var qid sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT id, scheduled_at, quorum_check_id FROM board_sessions WHERE place = ? AND scheduled_at >= ? AND scheduled_at < ? ORDER BY id LIMIT 1`,
		ImportPlace, micros(week), micros(week.AddDate(0, 0, 7))).Scan(&sid, &at, &qid)
	if err != nil && !isNoRows(err) {
		return 0, 0, nil, time.Time{}, err
	}
	if err == nil {
		votes, err := tx.importVotes(ctx, sid)
		return sid, qid.Int64, votes, fromMicros(at), err
	}
	holders := map[string]int64{}
	rows, err := tx.Query(ctx, `SELECT seat, alternate, user_id FROM board_seat_members`)
	if err != nil {
		return 0, 0, nil, time.Time{}, err
	}
	for rows.Next() {
		var seat string
		var alt int
		var uid int64
		if err := rows.Scan(&seat, &alt, &uid); err != nil {
			rows.Close()
			return 0, 0, nil, time.Time{}, err
		}
		if _, taken := holders[seat]; !taken || alt == 0 {
			holders[seat] = uid
		}
	}
	rows.Close()
	p := board.Presence{}
	for seat := range holders {
		p[seat] = escudo.AttendMember
	}
	q := tx.db.board.CheckQuorum(p)
	if !q.Met {
		return 0, 0, nil, time.Time{}, fmt.Errorf("store: imported resolution: the seat holders do not make a quorum (%d present, %d of the Council)", q.Present, q.Council)
	}
	minutes, err := tx.seal(vault.Risk, "board_sessions.minutes", "Acta de la sesión ordinaria de la Junta de Gobierno (registro importado).")
	if err != nil {
		return 0, 0, nil, time.Time{}, err
	}
	now := micros(tx.now)
	sid, err = tx.InsertID(ctx, `INSERT INTO board_sessions (scheduled_at, place, kind, state, quorum_rule, quorum_rule_en, published_at, published_by, minutes_state, minutes_enc, minutes_final_at, minutes_final_by, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		now, ImportPlace, string(escudo.SessionOrdinary), string(escudo.SessionClosed), tx.db.board.DescribeQuorum("es-MX"), tx.db.board.DescribeQuorum("en"),
		micros(tx.now.Add(-tx.db.board.Notice()-24*time.Hour)), nullID(actor), string(board.MinutesFinal), minutes, now, nullID(actor), nullID(actor), now, now)
	if err != nil {
		return 0, 0, nil, time.Time{}, fmt.Errorf("store: imported session: %w", err)
	}
	for seat, uid := range holders {
		if _, err := tx.Exec(ctx, `INSERT INTO board_attendance (session_id, seat, attendance, user_id, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)`,
			sid, seat, string(escudo.AttendMember), uid, nullID(actor), now); err != nil {
			return 0, 0, nil, time.Time{}, err
		}
	}
	check, err := tx.InsertID(ctx, `INSERT INTO board_quorum_checks (session_id, checked_by, checked_at, present, council, need_seats, need_council, met, reasons) VALUES (?, ?, ?, ?, ?, ?, ?, 1, '')`,
		sid, nullID(actor), now, q.Present, q.Council, q.NeedSeats, q.NeedCouncil)
	if err != nil {
		return 0, 0, nil, time.Time{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE board_sessions SET quorum_check_id = ? WHERE id = ?`, check, sid); err != nil {
		return 0, 0, nil, time.Time{}, err
	}
	votes, err := tx.importVotes(ctx, sid)
	return sid, check, votes, tx.now, err
}

func (tx *Tx) importVotes(ctx context.Context, sessionID int64) ([]escudo.Vote, error) {
	rows, err := tx.Query(ctx, `SELECT a.seat, a.user_id, u.display_name FROM board_attendance a JOIN users u ON u.id = a.user_id WHERE a.session_id = ? AND a.attendance = 'member' ORDER BY a.seat`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []escudo.Vote
	for rows.Next() {
		v := escudo.Vote{Choice: escudo.VoteFor}
		if err := rows.Scan(&v.Seat, &v.MemberID, &v.MemberName); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

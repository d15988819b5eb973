package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"escudo"
)

// Sealed months (issue 17; docs/statistics.md, "Backdated records"). The
// first time the sweep counts a population's records of a month (for the
// month's own tables) it writes which records it counted (migration 1150);
// the month's quarter and year count exactly those records again. A record
// written later with a date in a month already counted (a bulk import) is
// therefore in none of its tables: were it counted in the quarter or the
// year, the difference from the months would publish a count of late
// entries.

// decisionRule is the admission decision a case's milestone records: the
// milestone admitted of an admitted case, closed of one not admitted. It is
// the one rule for the decisions counted and the time to the first
// response; it refers to the milestone as m and the case as c.
const decisionRule = `m.milestone IN ('admitted', 'closed')
	AND ((m.milestone = 'admitted' AND c.admission = 'admitted') OR (m.milestone = 'closed' AND c.admission = 'not_admitted'))`

// statSeals select (after SELECT), for each population, the records of
// [from, to): their id and, for a decision, the milestone that took it.
var statSeals = map[string]string{
	SeriesRequests: `id, '' FROM cases WHERE received_at >= ? AND received_at < ?`,
	"decisions": `c.id, m.milestone FROM case_milestones m JOIN cases c ON c.id = m.case_id
		WHERE m.at >= ? AND m.at < ? AND ` + decisionRule,
	"grants": `id, '' FROM granted_measures WHERE granted_at >= ? AND granted_at < ?`,
	"alerts": `id, '' FROM alerts WHERE received_at >= ? AND received_at < ? AND type <> 'test'`,
	// Incidents recorded in the month that happened after the person had
	// asked for protection.
	"incidents": `i.id, '' FROM incidents i JOIN cases c ON c.id = i.case_id
		WHERE i.recorded_at >= ? AND i.recorded_at < ? AND i.occurred_at >= c.received_at`,
}

// sealMonth writes which of the population's records the month holds,
// unless they were written before (by this run or another node's).
func (db *DB) sealMonth(ctx context.Context, pop, month string, from, to time.Time) error {
	var n int
	if err := db.readRow(ctx, `SELECT COUNT(*) FROM stat_seals WHERE pop = ? AND month = ?`, pop, month).Scan(&n); err != nil {
		return fmt.Errorf("store: statistics seal: %w", err)
	}
	if n > 0 {
		return nil
	}
	sel, ok := statSeals[pop]
	if !ok {
		return escudo.Errorf(escudo.EINTERNAL, "error.internal")
	}
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO stat_seals (pop, month, sealed_at) VALUES (?, ?, ?) ON CONFLICT (pop, month) DO NOTHING`,
			pop, month, micros(db.Now()))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO stat_sealed_records (pop, month, record_id, milestone)
			SELECT CAST(? AS TEXT), CAST(? AS TEXT), `+sel, pop, month, micros(from), micros(to))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: statistics seal %s %s: %w", pop, month, err)
	}
	return nil
}

// sealed begins the join from a month's sealed records (s) to the
// population's table; the query keeps s.pop and s.month.
const sealed = ` FROM stat_sealed_records s JOIN `

func monthOf(from time.Time) string { return from.In(statZone).Format("2006-01") }

// The sealed records of a month, by their labels.

func (db *DB) sealedRequests(ctx context.Context, from, _ time.Time) (map[string]int64, error) {
	entityOf := db.entityByIndex()
	rows, err := db.readQuery(ctx, `SELECT c.entity_bidx, c.procedure, COUNT(*)`+sealed+`cases c ON c.id = s.record_id
		WHERE s.pop = ? AND s.month = ? GROUP BY c.entity_bidx, c.procedure`, SeriesRequests, monthOf(from))
	if err != nil {
		return nil, fmt.Errorf("store: request counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var idx []byte
		var proc string
		var n int64
		if err := rows.Scan(&idx, &proc, &n); err != nil {
			return nil, err
		}
		if proc != string(escudo.ProcedureExtraordinary) {
			proc = string(escudo.ProcedureOrdinary)
		}
		out[labelKey(entityOf(idx), proc)] += n
	}
	return out, rows.Err()
}

func (db *DB) sealedGrants(ctx context.Context, from, _ time.Time) (map[string]int64, error) {
	return db.groupRecords(ctx, `SELECT g.kind, g.source, COUNT(*)`+sealed+`granted_measures g ON g.id = s.record_id
		WHERE s.pop = ? AND s.month = ? GROUP BY g.kind, g.source`,
		func(v []string) []string {
			v[0] = grantKindGroup(v[0])
			if v[1] != string(escudo.SourceUrgent) {
				v[1] = string(escudo.SourceBoard)
			}
			return v
		}, "grants", monthOf(from))
}

// sealedAlerts counts each alert's response as it stood at the end of the
// month, so that a month's count never changes once the month is over.
func (db *DB) sealedAlerts(ctx context.Context, from, to time.Time) (map[string]int64, error) {
	return db.groupRecords(ctx, `SELECT a.type, CASE WHEN a.acknowledged_at IS NULL OR a.acknowledged_at >= ? THEN 'unacknowledged'
		WHEN a.acknowledged_at - a.received_at <= ? THEN 'within_target' ELSE 'late' END AS response, COUNT(*)`+sealed+`alerts a ON a.id = s.record_id
		WHERE s.pop = ? AND s.month = ? GROUP BY a.type, response`,
		func(v []string) []string { v[0] = alertGroup(v[0]); return v },
		micros(to), AckTarget.Microseconds(), "alerts", monthOf(from))
}

func (db *DB) sealedIncidents(ctx context.Context, from, _ time.Time) (map[string]int64, error) {
	return db.groupRecords(ctx, `SELECT p.profile, i.kind, COUNT(*)`+sealed+`incidents i ON i.id = s.record_id
		JOIN cases c ON c.id = i.case_id JOIN people p ON p.id = c.person_id
		WHERE s.pop = ? AND s.month = ? GROUP BY p.profile, i.kind`,
		func(v []string) []string { v[1] = incidentGroup(v[1]); return v }, "incidents", monthOf(from))
}

// sealedDecisions are the admission decisions sealed in the month, with the
// person's profile, gender, ethnic identity and the case's entity; the
// decision is the sealed milestone's, whatever the case holds now.
func (db *DB) sealedDecisions(ctx context.Context, from, _ time.Time) (map[string]int64, error) {
	entityOf := db.entityByIndex()
	rows, err := db.readQuery(ctx, `SELECT s.milestone, c.procedure, p.profile, p.gender_enc, p.ethnicity_enc, c.entity_bidx`+sealed+
		`cases c ON c.id = s.record_id JOIN people p ON p.id = c.person_id
		WHERE s.pop = ? AND s.month = ?`, "decisions", monthOf(from))
	if err != nil {
		return nil, fmt.Errorf("store: statistics decisions: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var ms, proc, profile string
		var gender, ethnicity, idx []byte
		if err := rows.Scan(&ms, &proc, &profile, &gender, &ethnicity, &idx); err != nil {
			return nil, err
		}
		g, err := db.open("people.gender", gender)
		if err != nil {
			return nil, err
		}
		e, err := db.open("people.ethnicity", ethnicity)
		if err != nil {
			return nil, err
		}
		adm := string(escudo.AdmissionAdmitted)
		if ms == "closed" {
			adm = string(escudo.AdmissionNotAdmitted)
		}
		if proc != string(escudo.ProcedureExtraordinary) {
			proc = string(escudo.ProcedureOrdinary)
		}
		switch profile {
		case string(escudo.ProfileDefender), string(escudo.ProfileJournalist), string(escudo.ProfileBoth):
		default:
			profile = string(escudo.ProfileDefender)
		}
		out[labelKey(adm, proc, profile, genderGroup(g), ethnicityGroup(e), entityOf(idx))]++
	}
	return out, rows.Err()
}

// parseStatYear parses a year "2026": its twelve months.
func parseStatYear(s string) (StatPeriod, error) {
	y, err := strconv.Atoi(s)
	if err != nil || s[0] < '0' || s[0] > '9' || y < 1900 {
		return StatPeriod{}, escudo.FieldError("period", "stats.bad_period", nil)
	}
	from := time.Date(y, time.January, 1, 0, 0, 0, 0, statZone)
	p := StatPeriod{Name: s, Grain: GrainYear, From: from, To: from.AddDate(1, 0, 0)}
	for m := from; m.Before(p.To); m = m.AddDate(0, 1, 0) {
		p.Months = append(p.Months, m.Format("2006-01"))
	}
	return p, nil
}

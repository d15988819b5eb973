package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"escudo"
)

// GrantConsent records a beneficiary's consent. The grantee user, when
// named, must exist; the person must exist.
func (db *DB) GrantConsent(ctx context.Context, c *escudo.Consent) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		if err := c.Validate(tx.now); err != nil {
			return err
		}
		if err := tx.mustExist(ctx, "people", c.PersonID, "person_id"); err != nil {
			return err
		}
		if c.GranteeUser != 0 {
			if err := tx.mustExist(ctx, "users", c.GranteeUser, "grantee_user"); err != nil {
				return err
			}
		}
		c.GrantedBy, c.GrantedAt = escudo.UserIDFromContext(ctx), tx.now
		var err error
		c.ID, err = tx.InsertID(ctx, `INSERT INTO consents (person_id, grantee_user, grantee_org, scope, purpose, granted_by, granted_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.PersonID, nullID(c.GranteeUser), c.GranteeOrg, strings.Join(c.Scope, ","), c.Purpose, nullID(c.GrantedBy), micros(tx.now), micros(c.Expires))
		if err != nil {
			return fmt.Errorf("store: grant consent: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "consent.grant", ObjectType: "person", ObjectID: fmt.Sprint(c.PersonID),
			Fields: "consent:" + fmt.Sprint(c.ID) + ":" + strings.Join(c.Scope, "+")})
	})
}

func (tx *Tx) mustExist(ctx context.Context, table string, id int64, field string) error {
	var n int
	// table is one of a fixed set of names chosen by the caller, never input.
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = ?`, id).Scan(&n); err != nil { // #nosec G202
		return err
	}
	if n == 0 {
		return escudo.FieldError(field, "validation.not_found", nil)
	}
	return nil
}

// RevokeConsent ends a consent record of the person at once. Revoking an
// already revoked record changes nothing and is not an error; a record of
// another person is not found.
func (db *DB) RevokeConsent(ctx context.Context, personID, consentID int64) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE consents SET revoked_at = ?, revoked_by = ? WHERE id = ? AND person_id = ? AND revoked_at IS NULL`,
			micros(tx.now), nullID(escudo.UserIDFromContext(ctx)), consentID, personID)
		if err != nil {
			return fmt.Errorf("store: revoke consent: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var k int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM consents WHERE id = ? AND person_id = ?`, consentID, personID).Scan(&k); err != nil {
				return err
			}
			if k == 0 {
				return escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
			}
			return nil
		}
		return tx.Audit(ctx, AuditEntry{Action: "consent.revoke", ObjectType: "person", ObjectID: fmt.Sprint(personID), Fields: "consent:" + fmt.Sprint(consentID)})
	})
}

// Consents lists a person's consent records, newest first, active or not.
func (db *DB) Consents(ctx context.Context, personID int64) ([]escudo.Consent, error) {
	rows, err := db.readQuery(ctx, `SELECT id, person_id, grantee_user, grantee_org, scope, purpose, granted_by, granted_at, expires_at, revoked_at
		FROM consents WHERE person_id = ? ORDER BY granted_at DESC, id DESC`, personID)
	if err != nil {
		return nil, fmt.Errorf("store: consents: %w", err)
	}
	defer rows.Close()
	var out []escudo.Consent
	for rows.Next() {
		var c escudo.Consent
		var user, by, revoked sql.NullInt64
		var scope string
		var granted, expires int64
		if err := rows.Scan(&c.ID, &c.PersonID, &user, &c.GranteeOrg, &scope, &c.Purpose, &by, &granted, &expires, &revoked); err != nil {
			return nil, err
		}
		c.GranteeUser, c.GrantedBy = user.Int64, by.Int64
		c.Scope = splitScope(scope)
		c.GrantedAt, c.Expires, c.RevokedAt = fromMicros(granted), fromMicros(expires), ptrMicros(revoked)
		out = append(out, c)
	}
	return out, rows.Err()
}

func splitScope(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// orgKey folds organisation names so "Defensa Legal A.C." and
// " defensa legal a.c." are the same grantee.
func orgKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// ConsentScope implements access.Grants: the union of the compartments that
// active consent records of the person grant to u, by user id or by u's
// organisation; nil when none. It reads the table on every call, so a
// revocation or an expiry takes effect on the next request.
func (db *DB) ConsentScope(ctx context.Context, u *escudo.User, personID int64) ([]string, error) {
	if u == nil || personID == 0 {
		return nil, nil
	}
	rows, err := db.readQuery(ctx, `SELECT grantee_user, grantee_org, scope FROM consents
		WHERE person_id = ? AND revoked_at IS NULL AND expires_at > ?`, personID, micros(db.Now()))
	if err != nil {
		return nil, fmt.Errorf("store: consent scope: %w", err)
	}
	defer rows.Close()
	var out []string
	found := false
	for rows.Next() {
		var user sql.NullInt64
		var org, scope string
		if err := rows.Scan(&user, &org, &scope); err != nil {
			return nil, err
		}
		match := user.Valid && user.Int64 == u.ID ||
			!user.Valid && org != "" && u.Organization != "" && orgKey(org) == orgKey(u.Organization)
		if !match {
			continue
		}
		found = true
		for _, c := range splitScope(scope) {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !found {
		return nil, nil
	}
	return out, nil
}

// AssignTask gives a task on a case to a contractor or to an implementing
// agency's liaison: what the task names is all either may reach.
func (db *DB) AssignTask(ctx context.Context, t *escudo.ContractorTask) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		if err := tx.mustExist(ctx, "cases", t.CaseID, "case_id"); err != nil {
			return err
		}
		var role string
		err := tx.QueryRow(ctx, `SELECT role FROM users WHERE id = ?`, t.UserID).Scan(&role)
		if isNoRows(err) || err == nil && escudo.Role(role) != escudo.RoleContractor && escudo.Role(role) != escudo.RoleLiaison {
			return escudo.FieldError("user_id", "validation.contractor", nil)
		} else if err != nil {
			return err
		}
		t.CreatedAt = tx.now
		var exp any
		if t.Expires != nil {
			exp = micros(*t.Expires)
		}
		t.ID, err = tx.InsertID(ctx, `INSERT INTO contractor_tasks (case_id, user_id, scope, description, assigned_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			t.CaseID, t.UserID, strings.Join(t.Scope, ","), t.Description, nullID(escudo.UserIDFromContext(ctx)), micros(tx.now), exp)
		if err != nil {
			return fmt.Errorf("store: assign task: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "task.assign", ObjectType: "case", ObjectID: fmt.Sprint(t.CaseID),
			Fields: "task:" + fmt.Sprint(t.ID) + ":" + strings.Join(t.Scope, "+")})
	})
}

// CloseTask ends a contractor's task; the contractor loses access at once.
func (db *DB) CloseTask(ctx context.Context, id int64) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var caseID int64
		err := tx.QueryRow(ctx, `SELECT case_id FROM contractor_tasks WHERE id = ?`, id).Scan(&caseID)
		if isNoRows(err) {
			return escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE contractor_tasks SET closed_at = ? WHERE id = ? AND closed_at IS NULL`, micros(tx.now), id); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "task.close", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: "task:" + fmt.Sprint(id)})
	})
}

// TaskScope implements access.Grants: the compartments open tasks of u grant
// on the case, or on any case of the person when caseID is 0; nil when none.
func (db *DB) TaskScope(ctx context.Context, u *escudo.User, personID, caseID int64) ([]string, error) {
	if u == nil || personID == 0 && caseID == 0 {
		return nil, nil
	}
	q := `SELECT t.scope FROM contractor_tasks t JOIN cases c ON c.id = t.case_id
		WHERE t.user_id = ? AND t.closed_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)`
	args := []any{u.ID, micros(db.Now())}
	if caseID != 0 {
		q += ` AND t.case_id = ?`
		args = append(args, caseID)
	}
	if personID != 0 {
		q += ` AND c.person_id = ?`
		args = append(args, personID)
	}
	rows, err := db.readQuery(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: task scope: %w", err)
	}
	defer rows.Close()
	var out []string
	found := false
	for rows.Next() {
		var scope string
		if err := rows.Scan(&scope); err != nil {
			return nil, err
		}
		found = true
		for _, c := range splitScope(scope) {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	if err := rows.Err(); err != nil || !found {
		return nil, err
	}
	return out, nil
}

// ReadsOfPerson lists who read a person's data, and when: every audited read
// of the person and of their cases, devices and alerts (one by one or in a
// list or search), and every refused attempt on them, newest first. It is
// the beneficiary's "who read my data" page; the log holds names of fields,
// never values.
func (db *DB) ReadsOfPerson(ctx context.Context, personID int64, limit int) ([]escudo.DataRead, error) {
	return db.ReadsOfPersonBefore(ctx, personID, 0, limit)
}

// readAction tells the audit actions that show data (the read, list,
// search, export and timeline actions) from those that change it.
const readAction = `(a.action LIKE '%.read%' OR a.action LIKE '%.export%' OR a.action LIKE '%.list' OR a.action LIKE '%.search'
	OR a.action IN ('case.backlog', 'case.timeline', 'case.status'))`

// ReadsOfPersonBefore is one page of ReadsOfPerson: the entries older than
// the audit sequence number before (all when 0), at most limit of them.
//
// The person's objects (the person, their cases, devices and alerts) are
// listed first; each object's newest entries are then read from
// audit_log_object (migration 0520) backwards, at most limit of them, and
// the lists are merged. One query over all objects at once would sort every
// read the person ever had before keeping the newest page, and a person
// under protection for years is read thousands of times.
func (db *DB) ReadsOfPersonBefore(ctx context.Context, personID, before int64, limit int) ([]escudo.DataRead, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	objects, err := db.personObjects(ctx, personID)
	if err != nil {
		return nil, err
	}
	if before <= 0 {
		before = math.MaxInt64
	}
	// Ids are stored as text in the log.
	const q = `SELECT a.seq, a.at, a.actor_id, a.actor_role, a.action, a.object_type, a.object_id, a.fields, a.outcome, u.display_name, u.organization
		FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
		WHERE a.object_type = ? AND a.object_id = ? AND a.seq < ?
		AND (a.outcome = 'denied' OR (a.outcome = 'ok' AND ` + readAction + `))
		ORDER BY a.seq DESC LIMIT ?`
	var out []escudo.DataRead
	for _, o := range objects {
		rows, err := db.readQuery(ctx, q, o.kind, o.id, before, limit)
		if err != nil {
			return nil, fmt.Errorf("store: reads of person: %w", err)
		}
		for rows.Next() {
			var r escudo.DataRead
			var at int64
			var actor sql.NullInt64
			var name, org sql.NullString
			if err := rows.Scan(&r.Seq, &at, &actor, &r.ActorRole, &r.Action, &r.ObjectType, &r.ObjectID, &r.Fields, &r.Outcome, &name, &org); err != nil {
				rows.Close()
				return nil, err
			}
			r.At, r.ActorID, r.ActorName, r.Organization = fromMicros(at), actor.Int64, name.String, org.String
			out = append(out, r)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: reads of person: %w", err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// personObject is one thing of a person's that the audit log names.
type personObject struct{ kind, id string }

// personObjects lists the person and their cases, devices and alerts.
func (db *DB) personObjects(ctx context.Context, personID int64) ([]personObject, error) {
	objects := []personObject{{"person", strconv.FormatInt(personID, 10)}}
	rows, err := db.readQuery(ctx, `SELECT 'case', id FROM cases WHERE person_id = ?
		UNION ALL SELECT 'device', id FROM devices WHERE person_id = ?
		UNION ALL SELECT 'alert', id FROM alerts WHERE person_id = ?`, personID, personID, personID)
	if err != nil {
		return nil, fmt.Errorf("store: objects of person: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var id int64
		if err := rows.Scan(&kind, &id); err != nil {
			return nil, err
		}
		objects = append(objects, personObject{kind, strconv.FormatInt(id, 10)})
	}
	return objects, rows.Err()
}

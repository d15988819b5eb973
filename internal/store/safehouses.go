package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/vault"
)

// Safe houses (issue 14 item 5; docs/safehouses.md). What locates a house
// (name, address, coordinates, phone) and a request's note are sealed in
// the safehouse compartment, whose key no other field shares. Every read
// of the registry is audited per object with the names of the fields
// shown; no audit entry, notification or timeline line carries a value.

// safeHouseFields are the sealed fields a registry reader sees of a house.
const safeHouseFields = "name,address,coordinates,phone,capacity,operator,occupied"

// Named implements access.Grants: whether u is on the registry's list now.
// It is read on every decision, so un-naming takes effect on the next
// request.
func (db *DB) Named(ctx context.Context, u *escudo.User) (bool, error) {
	if u == nil || u.ID == 0 {
		return false, nil
	}
	var n int
	if err := db.readRow(ctx, `SELECT COUNT(*) FROM safe_house_named WHERE user_id = ?`, u.ID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: safe-house list: %w", err)
	}
	return n > 0, nil
}

// NamedForSafeHouses returns the accounts on the registry's list, for the
// administrator's accounts page: who is named, not what they see.
func (db *DB) NamedForSafeHouses(ctx context.Context) (map[int64]bool, error) {
	rows, err := db.readQuery(ctx, `SELECT user_id FROM safe_house_named`)
	if err != nil {
		return nil, fmt.Errorf("store: safe-house list: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// SetSafeHouseNamed names (named true) or un-names an account on the
// registry's list, audited. Only accounts whose role the permission table
// lets be named (the cells of scope Named) may be; naming someone already
// named, or un-naming someone who is not, changes nothing.
func (db *DB) SetSafeHouseNamed(ctx context.Context, userID int64, named bool) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var role string
		var disabled int
		err := tx.QueryRow(ctx, `SELECT role, disabled FROM users WHERE id = ?`, userID).Scan(&role, &disabled)
		if isNoRows(err) {
			return escudo.FieldError("username", "validation.account_unknown", nil)
		} else if err != nil {
			return err
		}
		if rule, _ := access.RuleFor(escudo.Role(role), access.SafeHouseRead); named && rule.Scope != access.Named {
			return escudo.FieldError("username", "validation.safehouse_role", nil)
		}
		action := "safehouse.unname"
		var res sql.Result
		if named {
			action = "safehouse.name"
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM safe_house_named WHERE user_id = ?`, userID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			res, err = tx.Exec(ctx, `INSERT INTO safe_house_named (user_id, named_by, named_at) VALUES (?, ?, ?)`,
				userID, nullID(escudo.UserIDFromContext(ctx)), micros(tx.now))
		} else {
			res, err = tx.Exec(ctx, `DELETE FROM safe_house_named WHERE user_id = ?`, userID)
		}
		if err != nil {
			return fmt.Errorf("store: %s: %w", action, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return tx.Audit(ctx, AuditEntry{Action: action, ObjectType: "user", ObjectID: strconv.FormatInt(userID, 10)})
	})
}

// CreateSafeHouse adds a house to the registry, sealed, and returns its id.
func (db *DB) CreateSafeHouse(ctx context.Context, h *escudo.SafeHouse) error {
	if err := h.Validate(); err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var name, addr, coords, phone []byte
		var err error
		seal := func(dst *[]byte, field, s string) {
			if err == nil {
				*dst, err = tx.seal(vault.SafeHouse, field, s)
			}
		}
		seal(&name, "safe_houses.name", h.Name)
		seal(&addr, "safe_houses.address", h.Address)
		seal(&coords, "safe_houses.coordinates", h.Coordinates)
		seal(&phone, "safe_houses.phone", h.Phone)
		if err != nil {
			return err
		}
		h.Active, h.CreatedAt = true, tx.now
		h.ID, err = tx.InsertID(ctx, `INSERT INTO safe_houses (name_enc, address_enc, coordinates_enc, phone_enc, capacity, operator, active, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`, name, addr, coords, phone, h.Capacity, h.Operator,
			nullID(escudo.UserIDFromContext(ctx)), micros(tx.now), micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: create safe house: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "safehouse.manage", ObjectType: "safe_house", ObjectID: strconv.FormatInt(h.ID, 10),
			Fields: "name,address,coordinates,phone,capacity,operator"})
	})
}

// SetSafeHouseActive takes a house out of service or back into it. A house
// where people are staying stays in service until they are released.
func (db *DB) SetSafeHouseActive(ctx context.Context, id int64, active bool) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		occupied, err := tx.houseOccupancy(ctx, id)
		if err != nil {
			return err
		}
		if !active && occupied > 0 {
			return escudo.Errorf(escudo.ECONFLICT, "safehouse.occupied")
		}
		res, err := tx.Exec(ctx, `UPDATE safe_houses SET active = ?, updated_at = ? WHERE id = ?`, boolInt(active), micros(tx.now), id)
		if err != nil {
			return fmt.Errorf("store: safe house state: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound()
		}
		return tx.Audit(ctx, AuditEntry{Action: "safehouse.manage", ObjectType: "safe_house", ObjectID: strconv.FormatInt(id, 10), Fields: "active"})
	})
}

// houseOccupancy is the number of people staying in the house now.
func (tx *Tx) houseOccupancy(ctx context.Context, id int64) (int, error) {
	var n sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT SUM(people) FROM safe_house_assignments WHERE house_id = ? AND released_at IS NULL`, id).Scan(&n)
	return int(n.Int64), err
}

// SafeHouses lists the registry's houses, in service first, with their
// sealed fields open and their occupancy; each house shown is audited.
func (db *DB) SafeHouses(ctx context.Context) ([]escudo.SafeHouse, error) {
	rows, err := db.readQuery(ctx, `SELECT h.id, h.name_enc, h.address_enc, h.coordinates_enc, h.phone_enc, h.capacity, h.operator, h.active, h.created_at,
		(SELECT COALESCE(SUM(a.people), 0) FROM safe_house_assignments a WHERE a.house_id = h.id AND a.released_at IS NULL)
		FROM safe_houses h ORDER BY h.active DESC, h.id`)
	if err != nil {
		return nil, fmt.Errorf("store: safe houses: %w", err)
	}
	defer rows.Close()
	var out []escudo.SafeHouse
	var seen []AuditObject
	for rows.Next() {
		var h escudo.SafeHouse
		var name, addr, coords, phone []byte
		var active int
		var created int64
		if err := rows.Scan(&h.ID, &name, &addr, &coords, &phone, &h.Capacity, &h.Operator, &active, &created, &h.Occupied); err != nil {
			return nil, err
		}
		h.Active, h.CreatedAt = active == 1, fromMicros(created)
		for _, f := range []struct {
			dst   *string
			field string
			b     []byte
		}{{&h.Name, "safe_houses.name", name}, {&h.Address, "safe_houses.address", addr}, {&h.Coordinates, "safe_houses.coordinates", coords}, {&h.Phone, "safe_houses.phone", phone}} {
			if *f.dst, err = db.open(f.field, f.b); err != nil {
				return nil, err
			}
		}
		out = append(out, h)
		seen = append(seen, AuditObject{Type: "safe_house", ID: h.ID, Fields: safeHouseFields})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.AuditReads(ctx, "safehouse.read", seen)
}

// RequestSafeHouse records a case's request for a place, with the note
// sealed, and tells the people on the registry's list in their inbox (the
// case's folio only). A case has at most one request waiting or housed at a
// time.
func (db *DB) RequestSafeHouse(ctx context.Context, r *escudo.SafeHouseRequest) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		st, err := tx.caseForUpdate(ctx, r.CaseID)
		if err != nil {
			return err
		}
		if st.Stage == escudo.StageClosed {
			return escudo.Errorf(escudo.ECONFLICT, "safehouse.case_closed")
		}
		var open int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM safe_house_requests WHERE case_id = ? AND state IN ('pending', 'assigned')`, r.CaseID).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return escudo.Errorf(escudo.ECONFLICT, "safehouse.request_open")
		}
		note, err := tx.seal(vault.SafeHouse, "safe_house_requests.note", r.Note)
		if err != nil {
			return err
		}
		needs := make([]string, len(r.Needs))
		for i, n := range r.Needs {
			needs[i] = string(n)
		}
		uid := escudo.UserIDFromContext(ctx)
		r.State, r.CreatedAt, r.RequestedBy = escudo.SafeHousePending, tx.now, uid
		r.ID, err = tx.InsertID(ctx, `INSERT INTO safe_house_requests (case_id, requested_by, people, urgency, needs, note_enc, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`, r.CaseID, nullID(uid), r.People, string(r.Urgency), strings.Join(needs, ","), note, micros(tx.now), micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: request safe house: %w", err)
		}
		var ref string
		if err := tx.QueryRow(ctx, `SELECT reference FROM cases WHERE id = ?`, r.CaseID).Scan(&ref); err != nil {
			return err
		}
		// Everyone named who may still read the registry hears of it.
		rows, err := tx.Query(ctx, `SELECT u.id, u.role FROM safe_house_named n JOIN users u ON u.id = n.user_id WHERE u.disabled = 0 ORDER BY u.id`)
		if err != nil {
			return err
		}
		var notify []int64
		for rows.Next() {
			var id int64
			var role string
			if err := rows.Scan(&id, &role); err != nil {
				rows.Close()
				return err
			}
			if rule, _ := access.RuleFor(escudo.Role(role), access.SafeHouseRead); rule.Scope == access.Named && id != uid {
				notify = append(notify, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range notify {
			if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: id, Kind: "safehouse_request", CaseID: r.CaseID, Subject: ref,
				DedupKey: fmt.Sprintf("safehouse_request:%d:%d", r.ID, id)}); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, AuditEntry{Action: "safehouse.request", ObjectType: "case", ObjectID: strconv.FormatInt(r.CaseID, 10),
			Fields: "safehouse_request:" + strconv.FormatInt(r.ID, 10) + ",people,urgency,needs,note"})
	})
}

// CaseSafeHouseStatus is what the people who may ask for a place on the
// case see: the state of its latest request, never the house; nil when the
// case has none. The view is audited on the case.
func (db *DB) CaseSafeHouseStatus(ctx context.Context, caseID int64) (*escudo.SafeHouseStatus, error) {
	var s escudo.SafeHouseStatus
	var created int64
	err := db.readRow(ctx, `SELECT id, state, people, urgency, created_at FROM safe_house_requests WHERE case_id = ? ORDER BY created_at DESC, id DESC LIMIT 1`, caseID).
		Scan(&s.RequestID, &s.State, &s.People, &s.Urgency, &created)
	if isNoRows(err) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("store: safe-house status: %w", err)
	}
	s.RequestedAt = fromMicros(created)
	return &s, db.Audit(ctx, AuditEntry{Action: "safehouse.status", ObjectType: "case", ObjectID: strconv.FormatInt(caseID, 10),
		Fields: "safehouse_request:" + strconv.FormatInt(s.RequestID, 10) + ",state"})
}

// SafeHouseRequests lists the requests waiting for a place and the stays
// under way (state pending or assigned), most urgent and oldest first,
// with each case's folio, who asked, the note open and, for a stay, its
// house; each request shown is audited.
func (db *DB) SafeHouseRequests(ctx context.Context) ([]escudo.SafeHouseRequest, error) {
	rows, err := db.readQuery(ctx, `SELECT r.id, r.case_id, c.reference, c.procedure, r.requested_by, u.display_name, r.people, r.urgency, r.needs, r.note_enc, r.state, r.created_at,
		a.id, a.house_id, h.name_enc, a.people, a.date_in, a.date_out, a.assigned_at
		FROM safe_house_requests r JOIN cases c ON c.id = r.case_id LEFT JOIN users u ON u.id = r.requested_by
		LEFT JOIN safe_house_assignments a ON a.request_id = r.id AND a.released_at IS NULL
		LEFT JOIN safe_houses h ON h.id = a.house_id
		WHERE r.state IN ('pending', 'assigned')
		ORDER BY CASE r.state WHEN 'pending' THEN 0 ELSE 1 END, CASE r.urgency WHEN 'today' THEN 0 WHEN 'days' THEN 1 ELSE 2 END, r.created_at, r.id`)
	if err != nil {
		return nil, fmt.Errorf("store: safe-house requests: %w", err)
	}
	defer rows.Close()
	var out []escudo.SafeHouseRequest
	var seen []AuditObject
	for rows.Next() {
		var r escudo.SafeHouseRequest
		var by sql.NullInt64
		var byName sql.NullString
		var needs string
		var note, house []byte
		var created int64
		var aID, aHouse, aPeople, aIn, aOut, aAt sql.NullInt64
		if err := rows.Scan(&r.ID, &r.CaseID, &r.Reference, &r.Procedure, &by, &byName, &r.People, &r.Urgency, &needs, &note, &r.State, &created,
			&aID, &aHouse, &house, &aPeople, &aIn, &aOut, &aAt); err != nil {
			return nil, err
		}
		r.RequestedBy, r.Requester, r.CreatedAt = by.Int64, byName.String, fromMicros(created)
		for _, n := range splitScope(needs) {
			r.Needs = append(r.Needs, escudo.SafeHouseNeed(n))
		}
		if r.Note, err = db.open("safe_house_requests.note", note); err != nil {
			return nil, err
		}
		fields := "people,urgency,needs,note"
		if aID.Valid {
			a := &escudo.SafeHouseAssignment{ID: aID.Int64, RequestID: r.ID, HouseID: aHouse.Int64, People: int(aPeople.Int64),
				DateIn: fromMicros(aIn.Int64), AssignedAt: fromMicros(aAt.Int64)}
			if aOut.Valid {
				t := fromMicros(aOut.Int64)
				a.DateOut = &t
			}
			if a.HouseName, err = db.open("safe_houses.name", house); err != nil {
				return nil, err
			}
			r.Assignment = a
			fields += ",house,date_in,date_out"
		}
		out = append(out, r)
		seen = append(seen, AuditObject{Type: "safe_house_request", ID: r.ID, Fields: fields})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.AuditReads(ctx, "safehouse.read", seen)
}

// AssignSafeHouse places a waiting request's people in a house in service
// with room for them all, from DateIn; the request is then assigned, and
// whoever asked is told in their inbox that a place is assigned (the
// folio only, never where).
func (db *DB) AssignSafeHouse(ctx context.Context, a *escudo.SafeHouseAssignment) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		// The updates take the rows' locks first, so two assignments to
		// one house on PostgreSQL count its occupancy one after the other.
		res, err := tx.Exec(ctx, `UPDATE safe_house_requests SET state = 'assigned', updated_at = ? WHERE id = ? AND state = 'pending'`, micros(tx.now), a.RequestID)
		if err != nil {
			return fmt.Errorf("store: assign safe house: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var state string
			if err := tx.QueryRow(ctx, `SELECT state FROM safe_house_requests WHERE id = ?`, a.RequestID).Scan(&state); isNoRows(err) {
				return escudo.FieldError("request", "validation.choice", nil)
			} else if err != nil {
				return err
			}
			return escudo.Errorf(escudo.ECONFLICT, "safehouse.not_pending")
		}
		if res, err = tx.Exec(ctx, `UPDATE safe_houses SET updated_at = ? WHERE id = ? AND active = 1`, micros(tx.now), a.HouseID); err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return escudo.FieldError("house", "validation.safehouse_inactive", nil)
		}
		var capacity int
		if err := tx.QueryRow(ctx, `SELECT capacity FROM safe_houses WHERE id = ?`, a.HouseID).Scan(&capacity); err != nil {
			return err
		}
		var caseID int64
		var requester sql.NullInt64
		if err := tx.QueryRow(ctx, `SELECT case_id, people, requested_by FROM safe_house_requests WHERE id = ?`, a.RequestID).Scan(&caseID, &a.People, &requester); err != nil {
			return err
		}
		occupied, err := tx.houseOccupancy(ctx, a.HouseID)
		if err != nil {
			return err
		}
		if occupied+a.People > capacity {
			return escudo.FieldError("house", "validation.safehouse_full", map[string]any{"Free": max(0, capacity-occupied), "People": a.People})
		}
		uid := escudo.UserIDFromContext(ctx)
		a.AssignedBy, a.AssignedAt = uid, tx.now
		a.ID, err = tx.InsertID(ctx, `INSERT INTO safe_house_assignments (request_id, house_id, people, date_in, date_out, assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			a.RequestID, a.HouseID, a.People, micros(a.DateIn), nullMicros(a.DateOut), nullID(uid), micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: assign safe house: %w", err)
		}
		if requester.Valid && requester.Int64 != uid {
			var ref string
			if err := tx.QueryRow(ctx, `SELECT reference FROM cases WHERE id = ?`, caseID).Scan(&ref); err != nil {
				return err
			}
			if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: requester.Int64, Kind: "safehouse_assigned", CaseID: caseID, Subject: ref,
				DedupKey: fmt.Sprintf("safehouse_assigned:%d", a.ID)}); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, AuditEntry{Action: "safehouse.assign", ObjectType: "safe_house_request", ObjectID: strconv.FormatInt(a.RequestID, 10),
			Fields: "safe_house:" + strconv.FormatInt(a.HouseID, 10) + ",people,date_in,date_out"})
	})
}

// ReleaseSafeHouse ends the stay of a request under way: its places are
// free again and the request is released.
func (db *DB) ReleaseSafeHouse(ctx context.Context, requestID int64) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE safe_house_requests SET state = 'released', updated_at = ? WHERE id = ? AND state = 'assigned'`, micros(tx.now), requestID)
		if err != nil {
			return fmt.Errorf("store: release safe house: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM safe_house_requests WHERE id = ?`, requestID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return errNotFound()
			}
			return escudo.Errorf(escudo.ECONFLICT, "safehouse.not_assigned")
		}
		if _, err := tx.Exec(ctx, `UPDATE safe_house_assignments SET released_at = ?, released_by = ? WHERE request_id = ? AND released_at IS NULL`,
			micros(tx.now), nullID(escudo.UserIDFromContext(ctx)), requestID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "safehouse.release", ObjectType: "safe_house_request", ObjectID: strconv.FormatInt(requestID, 10), Fields: "released_at"})
	})
}

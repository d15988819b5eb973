package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"escudo"
	"escudo/internal/procedure"
	"escudo/internal/vault"
)

var _ escudo.CaseService = (*DB)(nil)

// Crockford's base32 without I, L, O, U: easy to read aloud on a phone.
const refAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func randomCode(groups int) string {
	b := make([]byte, groups*4)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	var s strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			s.WriteByte('-')
		}
		s.WriteByte(refAlphabet[int(c)%len(refAlphabet)])
	}
	return s.String()
}

// NormalizeCode brings a typed reference or follow-up code to its stored
// form, however it was typed: case folded, look-alikes mapped (O→0, I and
// L→1), spaces, dashes and other separators dropped, then the dashes put back
// every four characters ("esc 7k2m 9qpx" and "ESC7K2M9QPX" give
// "ESC-7K2M-9QPX"; "7k2m9qpx" gives "7K2M-9QPX").
func NormalizeCode(s string) string {
	s = strings.NewReplacer("O", "0", "I", "1", "L", "1").Replace(strings.ToUpper(s))
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') {
			b = append(b, c)
		}
	}
	prefix := ""
	if len(b) == 11 && string(b[:3]) == "ESC" {
		prefix, b = "ESC-", b[3:]
	}
	var out strings.Builder
	out.WriteString(prefix)
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(c)
	}
	return out.String()
}

// NormalizeReference is NormalizeCode for a case reference, which may be
// typed without its "ESC" prefix.
func NormalizeReference(s string) string {
	ref := NormalizeCode(s)
	if !strings.HasPrefix(ref, "ESC-") && len(ref) == 9 && strings.Count(ref, "-") == 1 {
		ref = "ESC-" + ref
	}
	return ref
}

// FileRequest records a protection request: the petitioner, the case, the
// "received" milestone with its clocks, and the timeline entry, in one
// transaction. The follow-up code is returned once and stored as a MAC.
func (db *DB) FileRequest(ctx context.Context, c *escudo.Case, p *escudo.Person) (*escudo.Receipt, error) {
	defer db.backlogFigures.invalidate()
	var verrs escudo.ValidationErrors
	if err := p.Validate(); err != nil {
		v, ok := escudo.AsValidation(err)
		if !ok {
			return nil, err
		}
		verrs = append(verrs, v...)
	}
	if err := c.Validate(); err != nil {
		v, ok := escudo.AsValidation(err)
		if !ok {
			return nil, err
		}
		verrs = append(verrs, v...)
	}
	if err := verrs.Err(); err != nil {
		return nil, err
	}
	var rcpt escudo.Receipt
	var raised *escudo.Alert
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		raised = nil
		if c.ReceivedAt.IsZero() || c.ReceivedAt.After(tx.now) {
			c.ReceivedAt = tx.now
		}
		if err := tx.insertPerson(ctx, p); err != nil {
			return err
		}
		narrative, err := tx.seal(vault.Risk, "cases.narrative", c.Narrative)
		if err != nil {
			return err
		}
		aggressors, err := tx.seal(vault.Risk, "cases.aggressors", c.Aggressors)
		if err != nil {
			return err
		}
		referredBy, err := tx.seal(vault.Identity, "cases.referred_by", c.ReferredBy)
		if err != nil {
			return err
		}
		entityIdx := db.Keys.BlindIndex("entity", p.Entity)
		c.PersonID, c.Person, c.Entity = p.ID, p, p.Entity
		c.Admission, c.Stage = escudo.AdmissionPending, escudo.StageReception
		c.CreatedBy, c.CreatedAt, c.UpdatedAt = escudo.UserIDFromContext(ctx), tx.now, tx.now
		code := randomCode(4)
		for attempt := 0; ; attempt++ {
			c.Reference = "ESC-" + randomCode(2)
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE reference = ?`, c.Reference).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				break
			} else if attempt > 5 {
				return fmt.Errorf("store: could not draw a free reference")
			}
		}
		c.ID, err = tx.InsertID(ctx, `INSERT INTO cases (reference, code_mac, person_id, channel, referred_by, referred_by_enc, received_at, imminent_danger, procedure, admission, stage, entity, entity_bidx, assigned_to, narrative_enc, aggressors_enc, created_by, created_at, updated_at, pinned)
			VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Reference, db.Keys.MAC("followup", []byte(code)), p.ID, string(c.Channel), referredBy, micros(c.ReceivedAt), boolInt(c.ImminentDanger),
			string(c.Procedure), string(c.Admission), string(c.Stage), entityIdx, nullID(c.AssignedTo), narrative, aggressors, nullID(c.CreatedBy), micros(tx.now), micros(tx.now),
			boolInt(procedure.Pinned(c.ImminentDanger, c.Stage, c.AssignedTo, false)))
		if err != nil {
			return fmt.Errorf("store: insert case: %w", err)
		}
		if err := tx.recordMilestone(ctx, c.ID, c.Procedure, escudo.MilestoneReceived, c.ReceivedAt); err != nil {
			return err
		}
		if err := tx.addEvent(ctx, c.ID, c.CreatedBy, escudo.EventReceived, string(c.Channel)+":"+string(c.Procedure), ""); err != nil {
			return err
		}
		if c.AssignedTo != 0 {
			if err := tx.addEvent(ctx, c.ID, c.CreatedBy, escudo.EventAssigned, fmt.Sprint(c.AssignedTo), ""); err != nil {
				return err
			}
		}
		// Extraordinary requests go to the duty operators at once.
		if c.Procedure == escudo.ProcedureExtraordinary {
			duty, err := tx.usersWithRole(ctx, escudo.RoleDuty)
			if err != nil {
				return err
			}
			for _, uid := range duty {
				if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: uid, Kind: "extraordinary_request", CaseID: c.ID, Subject: c.Reference}); err != nil {
					return err
				}
			}
		}
		if c.ImminentDanger {
			if raised, err = tx.raiseRequestAlert(ctx, c); err != nil {
				return err
			}
		}
		rcpt = escudo.Receipt{CaseID: c.ID, Reference: c.Reference, Code: code}
		return tx.Audit(ctx, AuditEntry{Action: "case.create", ObjectType: "case", ObjectID: fmt.Sprint(c.ID), Fields: "narrative,aggressors," + personFields})
	})
	if err != nil {
		return nil, err
	}
	if raised != nil {
		db.requestAlerts.raised(raised)
	}
	return &rcpt, nil
}

const caseColumns = `c.id, c.reference, c.person_id, c.channel, c.referred_by_enc, c.received_at, c.imminent_danger, c.procedure, c.admission, c.admission_reason_enc,
	c.stage, p.entity_enc, c.assigned_to, c.narrative_enc, c.aggressors_enc, c.created_by, c.created_at, c.updated_at, u.display_name, p.name_enc`

const caseFrom = ` FROM cases c JOIN people p ON p.id = c.person_id LEFT JOIN users u ON u.id = c.assigned_to`

// scanCase reads a case; full also decrypts the narrative fields.
func (db *DB) scanCase(row interface{ Scan(...any) error }, full bool) (*escudo.Case, error) {
	var c escudo.Case
	var received, created, updated int64
	var imminent int
	var referredBy, reason, entity, narrative, aggressors, name []byte
	var assigned, createdBy sql.NullInt64
	var assignee sql.NullString
	if err := row.Scan(&c.ID, &c.Reference, &c.PersonID, &c.Channel, &referredBy, &received, &imminent, &c.Procedure, &c.Admission, &reason,
		&c.Stage, &entity, &assigned, &narrative, &aggressors, &createdBy, &created, &updated, &assignee, &name); err != nil {
		return nil, err
	}
	c.ReceivedAt, c.CreatedAt, c.UpdatedAt = fromMicros(received), fromMicros(created), fromMicros(updated)
	c.ImminentDanger, c.AssignedTo, c.CreatedBy, c.AssigneeName = imminent == 1, assigned.Int64, createdBy.Int64, assignee.String
	var err error
	c.Person = &escudo.Person{ID: c.PersonID}
	if c.Person.Name, err = db.open("people.name", name); err != nil {
		return nil, err
	}
	if c.Entity, err = db.open("people.entity", entity); err != nil {
		return nil, err
	}
	if c.ReferredBy, err = db.open("cases.referred_by", referredBy); err != nil {
		return nil, err
	}
	if full {
		if c.AdmissionReason, err = db.open("cases.admission_reason", reason); err != nil {
			return nil, err
		}
		if c.Narrative, err = db.open("cases.narrative", narrative); err != nil {
			return nil, err
		}
		if c.Aggressors, err = db.open("cases.aggressors", aggressors); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// FindCaseByID returns a case with its person and clocks, and audits the read.
func (db *DB) FindCaseByID(ctx context.Context, id int64) (*escudo.Case, error) {
	c, err := db.scanCase(db.readRow(ctx, `SELECT `+caseColumns+caseFrom+` WHERE c.id = ?`, id), true)
	if isNoRows(err) {
		return nil, escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
	} else if err != nil {
		return nil, fmt.Errorf("store: find case: %w", err)
	}
	if c.Person, err = db.scanPerson(db.readRow(ctx, `SELECT `+personColumns+` FROM people WHERE id = ?`, c.PersonID)); err != nil {
		return nil, fmt.Errorf("store: case person: %w", err)
	}
	if c.Clocks, err = db.CaseClocks(ctx, id); err != nil {
		return nil, err
	}
	if err := db.Audit(ctx, AuditEntry{Action: "case.read", ObjectType: "case", ObjectID: fmt.Sprint(id), Fields: "narrative,aggressors," + personFields}); err != nil {
		return nil, err
	}
	return c, nil
}

// caseWhere builds the WHERE clause of a filter. Every condition is on the
// cases table alone, so counts need no join. Search resolves the reference
// and the blind indexes to case ids first, so each side uses its own index
// instead of an OR across two tables that forces a scan. For a breached-only
// filter, a count starts from the clock index (ids), while a page scans
// newest cases and probes each one's running clocks (exists), which stops
// after one page.
func (db *DB) caseWhere(f escudo.CaseFilter, now time.Time, counting bool) (string, []any) {
	var where []string
	var args []any
	if q := strings.TrimSpace(f.Query); q != "" {
		ref := NormalizeReference(q)
		// A case is found by its reference, its person's phone (any way of
		// typing it), every word of the person's name, or every word of their
		// organisation or media outlet (search_index.go).
		sub := `SELECT r.id FROM cases r WHERE r.reference = ?
			UNION ALL SELECT n.id FROM cases n JOIN people q ON q.id = n.person_id WHERE q.phone_bidx = ?`
		args = append(args, ref, db.phoneIndex(q))
		for _, kind := range []string{"name_word", "organization_word"} {
			if cond, wargs := db.wordMatch(kind, q); cond != "" {
				sub += `
			UNION ALL SELECT w.id FROM cases w WHERE w.person_id IN (` + cond + `)`
				args = append(args, wargs...)
			}
		}
		where = append(where, `c.id IN (`+sub+`)`)
	}
	if f.Stage != "" {
		where = append(where, `c.stage = ?`)
		args = append(args, string(f.Stage))
	} else if f.Open {
		where = append(where, `c.stage <> ?`)
		args = append(args, string(escudo.StageClosed))
	}
	if f.Entity != "" {
		where = append(where, `c.entity_bidx = ?`)
		args = append(args, db.Keys.BlindIndex("entity", f.Entity))
	}
	if f.Procedure != "" {
		where = append(where, `c.procedure = ?`)
		args = append(args, string(f.Procedure))
	}
	if f.AssignedTo != 0 {
		where = append(where, `c.assigned_to = ?`)
		args = append(args, f.AssignedTo)
	} else if f.Unassigned {
		where = append(where, `c.assigned_to IS NULL`)
	}
	if f.Breached {
		if counting {
			where = append(where, `c.id IN (SELECT b.case_id FROM case_clocks b WHERE b.stopped_at IS NULL AND b.due_at < ?)`)
		} else {
			where = append(where, `EXISTS (SELECT 1 FROM case_clocks b WHERE b.case_id = c.id AND b.stopped_at IS NULL AND b.due_at < ?)`)
		}
		args = append(args, micros(now))
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

func clampPage(f *escudo.CaseFilter) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
}

// FindCases lists cases newest first, with the total that match. Only names
// are decrypted, for the rows of the page.
func (db *DB) FindCases(ctx context.Context, f escudo.CaseFilter) ([]*escudo.Case, int, error) {
	clampPage(&f)
	now := db.Now()
	if q := strings.TrimSpace(f.Query); q != "" {
		return db.searchCases(ctx, f, now)
	}
	where, args := db.caseWhere(f, now, false)
	// The people and users joins never change the count (every case has one
	// person, at most one assignee), so the count reads the cases indexes only.
	// It runs beside the page query, on another read connection.
	countWhere, countArgs := db.caseWhere(f, now, true)
	countQuery := `SELECT COUNT(*) FROM cases c` + countWhere
	if f.Breached && strings.TrimSpace(f.Query) == "" && f.Stage == "" && !f.Open && f.Entity == "" && f.Procedure == "" && f.AssignedTo == 0 && !f.Unassigned {
		// Breached alone: count the cases straight from the clock index.
		countQuery, countArgs = `SELECT COUNT(DISTINCT case_id) FROM case_clocks WHERE stopped_at IS NULL AND due_at < ?`, []any{micros(now)}
	}
	var total int
	counted := make(chan error, 1)
	go func() {
		err := db.readRow(ctx, countQuery, countArgs...).Scan(&total)
		if err != nil {
			err = fmt.Errorf("store: count cases: %w", err)
		}
		counted <- err
	}()
	out, err := db.casePage(ctx, where, args, f)
	if cerr := <-counted; err == nil {
		err = cerr
	}
	if err != nil {
		return nil, 0, err
	}
	if f.Query == "" {
		return out, total, db.AuditReads(ctx, "case.list", caseObjects(out))
	}
	if len(out) == 0 {
		// A search that found nobody still tells the searcher something.
		return out, total, db.Audit(ctx, AuditEntry{Action: "case.search", ObjectType: "case", Fields: "search"})
	}
	return out, total, db.AuditReads(ctx, "case.search", caseObjects(out))
}

// SearchCountCap is how far a search counts its matches: a word many people
// share (a common surname) can match thousands of cases, which nobody reads
// through; past the cap the page says "more than SearchCountCap" and asks
// for another word. FindCases then returns SearchCountCap+1 as the total.
const SearchCountCap = 500

// searchCountCap is SearchCountCap, lowered by tests.
var searchCountCap = SearchCountCap

// searchCases is FindCases with a search: the matches' ids and dates are read
// from covering indexes (cases_reference, people_phone_bidx, person_words and
// cases_person_received), so a common word costs an index range, not one
// read of every matching case; only the page's cases are read whole. Other
// filters are applied to the matches.
func (db *DB) searchCases(ctx context.Context, f escudo.CaseFilter, now time.Time) ([]*escudo.Case, int, error) {
	q := strings.TrimSpace(f.Query)
	// One source per way of being found. A case found several ways appears
	// once per source (UNION ALL, which streams; UNION would sort every
	// match to remove them), so duplicates are removed below: they sort
	// next to each other.
	matches := `SELECT r.id, r.received_at FROM cases r WHERE r.reference = ?
		UNION ALL SELECT n.id, n.received_at FROM cases n WHERE n.person_id IN (SELECT q.id FROM people q WHERE q.phone_bidx = ?)`
	margs := []any{NormalizeReference(q), db.phoneIndex(q)}
	sources := 2
	for _, kind := range []string{"name_word", "organization_word"} {
		if cond, wargs := db.wordMatch(kind, q); cond != "" {
			matches += `
		UNION ALL SELECT w.id, w.received_at FROM cases w WHERE w.person_id IN (` + cond + `)`
			margs = append(margs, wargs...)
			sources++
		}
	}
	rest := f
	rest.Query = ""
	where, wargs := db.caseWhere(rest, now, false)
	from := ` FROM (` + matches + `) m`
	if where != "" {
		// Other filters read the matching cases themselves.
		from += ` JOIN cases c ON c.id = m.id` + where
	}
	args := append(margs, wargs...)
	var total int
	counted := make(chan error, 1)
	go func() {
		err := db.readRow(ctx, `SELECT COUNT(*) FROM (SELECT DISTINCT m.id`+from+` LIMIT ?) k`, append(append([]any(nil), args...), searchCountCap+1)...).Scan(&total)
		if err != nil {
			err = fmt.Errorf("store: count search: %w", err)
		}
		counted <- err
	}()
	// Each source names a case at most once, so offset+limit distinct cases
	// lie within the first (offset+limit)×sources rows.
	out, err := db.searchPage(ctx, `SELECT m.id`+from+` ORDER BY m.received_at DESC, m.id DESC LIMIT ?`,
		append(args, (f.Offset+f.Limit)*sources), f.Offset, f.Limit)
	if cerr := <-counted; err == nil {
		err = cerr
	}
	if err != nil {
		return nil, 0, err
	}
	if len(out) == 0 {
		// A search that found nobody still tells the searcher something.
		return out, total, db.Audit(ctx, AuditEntry{Action: "case.search", ObjectType: "case", Fields: "search"})
	}
	return out, total, db.AuditReads(ctx, "case.search", caseObjects(out))
}

// searchPage reads the ids the query lists in order, drops repeated ones
// (adjacent), keeps limit of them after offset, and reads those cases.
func (db *DB) searchPage(ctx context.Context, query string, args []any, offset, limit int) ([]*escudo.Case, error) {
	rows, err := db.readQuery(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search cases: %w", err)
	}
	var ids []any
	var last int64
	seen := 0
	for rows.Next() && len(ids) < limit {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		if seen > 0 && id == last {
			continue
		}
		last = id
		if seen++; seen > offset {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return nil, err
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	rows, err = db.readQuery(ctx, `SELECT `+caseColumns+caseFrom+` WHERE c.id IN (`+marks+`)`, ids...)
	if err != nil {
		return nil, fmt.Errorf("store: search cases: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]*escudo.Case, len(ids))
	for rows.Next() {
		c, err := db.scanCase(rows, false)
		if err != nil {
			return nil, err
		}
		byID[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*escudo.Case, 0, len(ids))
	for _, id := range ids {
		if c := byID[id.(int64)]; c != nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// caseObjects names the cases of a page for the audit log: a list shows
// each case's reference and its person's name.
func caseObjects(cases []*escudo.Case) []AuditObject {
	objs := make([]AuditObject, len(cases))
	for i, c := range cases {
		objs[i] = AuditObject{Type: "case", ID: c.ID, Fields: "name"}
	}
	return objs
}

// casePage reads one page of cases, newest first.
func (db *DB) casePage(ctx context.Context, where string, args []any, f escudo.CaseFilter) ([]*escudo.Case, error) {
	rows, err := db.readQuery(ctx, `SELECT `+caseColumns+caseFrom+where+` ORDER BY c.received_at DESC, c.id DESC LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("store: find cases: %w", err)
	}
	defer rows.Close()
	var out []*escudo.Case
	for rows.Next() {
		c, err := db.scanCase(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PublicStatus returns the status of a request to whoever holds its reference
// and follow-up code. A wrong reference and a wrong code give the same error.
func (db *DB) PublicStatus(ctx context.Context, reference, code string) (*escudo.PublicStatus, error) {
	notFound := escudo.Errorf(escudo.ENOTFOUND, "error.status_not_found")
	ref, code := NormalizeReference(reference), NormalizeCode(code)
	if len(ref) > 20 || len(code) > 30 {
		return nil, notFound
	}
	var st escudo.PublicStatus
	var id, received int64
	var mac, reason []byte
	err := db.readRow(ctx, `SELECT id, reference, code_mac, received_at, stage, admission, procedure, admission_reason_enc FROM cases WHERE reference = ?`, ref).
		Scan(&id, &st.Reference, &mac, &received, &st.Stage, &st.Admission, &st.Procedure, &reason)
	want := db.Keys.MAC("followup", []byte(code))
	if err != nil || subtle.ConstantTimeCompare(mac, want) != 1 {
		if err != nil && !isNoRows(err) {
			return nil, err
		}
		_ = db.Audit(ctx, AuditEntry{Action: "case.status", ObjectType: "case", Outcome: OutcomeDenied})
		return nil, notFound
	}
	st.ReceivedAt = fromMicros(received)
	fields := ""
	if st.Admission == escudo.AdmissionInfoRequested && st.Stage == escudo.StageReception {
		// What staff asked the petitioner for is written to them.
		if st.InfoRequest, err = db.open("cases.admission_reason", reason); err != nil {
			return nil, err
		}
		fields = "reason"
	}
	events, err := db.timeline(ctx, id, false)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		switch e.Kind {
		case escudo.EventReceived, escudo.EventAdmission, escudo.EventMilestone, escudo.EventInfoAnswered:
			e.Note, e.ActorName, e.ActorID = "", "", 0
			st.Events = append(st.Events, e)
		}
	}
	return &st, db.Audit(ctx, AuditEntry{Action: "case.status", ObjectType: "case", ObjectID: fmt.Sprint(id), Fields: fields})
}

// AnswerInfoRequest takes the petitioner's answer to a request for more
// information, from whoever holds the reference and follow-up code: the
// answer lands on the timeline sealed like a note, the request waits for a
// new admission decision, the clocks configured in InfoAnswerRestarts start
// again from now, and the assignee (or reception) is told. A wrong pair reads
// like an unknown one, as in PublicStatus.
func (db *DB) AnswerInfoRequest(ctx context.Context, reference, code, answer string) error {
	defer db.backlogFigures.invalidate()
	answer = strings.TrimSpace(answer)
	if answer == "" {
		return escudo.FieldError("answer", "validation.required", nil)
	}
	if len(answer) > escudo.MaxLongText {
		return escudo.FieldError("answer", "validation.too_long", map[string]any{"Max": escudo.MaxLongText})
	}
	notFound := escudo.Errorf(escudo.ENOTFOUND, "error.status_not_found")
	ref, code := NormalizeCode(reference), NormalizeCode(code)
	if len(ref) > 20 || len(code) > 30 {
		return notFound
	}
	want := db.Keys.MAC("followup", []byte(code))
	denied := false
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		var id int64
		var mac []byte
		var stage, admission string
		var assigned sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT id, code_mac, stage, admission, assigned_to FROM cases WHERE reference = ?`, ref).Scan(&id, &mac, &stage, &admission, &assigned)
		if err != nil && !isNoRows(err) {
			return err
		}
		if err != nil || subtle.ConstantTimeCompare(mac, want) != 1 {
			denied = true
			return notFound
		}
		return tx.takeInfoAnswer(ctx, id, ref, escudo.Stage(stage), escudo.Admission(admission), assigned.Int64, answer)
	})
	if denied {
		_ = db.Audit(ctx, AuditEntry{Action: "case.info_answer", ObjectType: "case", Outcome: OutcomeDenied})
	}
	return err
}

// takeInfoAnswer records the answer to a request for more information on
// case id (reference ref): the request waits for a new admission decision,
// the clocks of InfoAnswerRestarts start again, the assignee (or reception)
// is told, all audited.
func (tx *Tx) takeInfoAnswer(ctx context.Context, id int64, ref string, stage escudo.Stage, admission escudo.Admission, assigned int64, answer string) error {
	db := tx.db
	var err error
	if admission != escudo.AdmissionInfoRequested || stage != escudo.StageReception {
		return escudo.Errorf(escudo.ECONFLICT, "error.info_not_requested")
	}
	if _, err := tx.Exec(ctx, `UPDATE cases SET admission = ?, updated_at = ? WHERE id = ?`, string(escudo.AdmissionPending), micros(tx.now), id); err != nil {
		return err
	}
	if err := tx.addEvent(ctx, id, escudo.UserIDFromContext(ctx), escudo.EventInfoAnswered, "", answer); err != nil {
		return err
	}
	for _, name := range db.infoRestart {
		for _, r := range db.rules {
			if r.Name != name {
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE case_clocks SET started_at = ?, due_at = ?, breached_at = NULL, escalation = 0, next_escalation_at = NULL
				WHERE case_id = ? AND rule = ? AND stopped_at IS NULL`, micros(tx.now), micros(procedure.Due(r, tx.now)), id, r.Name); err != nil {
				return fmt.Errorf("store: restart clock %s: %w", r.Name, err)
			}
		}
	}
	to := []int64{assigned}
	if assigned == 0 {
		if to, err = tx.usersWithRole(ctx, escudo.RoleReception); err != nil {
			return err
		}
	}
	for _, uid := range to {
		if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: uid, Kind: escudo.EventInfoAnswered, CaseID: id, Subject: ref}); err != nil {
			return err
		}
	}
	return tx.Audit(ctx, AuditEntry{Action: "case.info_answer", ObjectType: "case", ObjectID: fmt.Sprint(id), Fields: "answer"})
}

// caseForUpdate loads the procedural fields of a case inside a transaction.
func (tx *Tx) caseForUpdate(ctx context.Context, id int64) (procedure.State, error) {
	var s procedure.State
	var received int64
	var a sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT procedure, stage, received_at, assigned_to FROM cases WHERE id = ?`, id).Scan(&s.Procedure, &s.Stage, &received, &a)
	if isNoRows(err) {
		err = escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
	}
	s.ReceivedAt, s.AssignedTo = fromMicros(received), a.Int64
	return s, err
}

// DecideAdmission records the admission decision.
func (db *DB) DecideAdmission(ctx context.Context, caseID int64, d escudo.AdmissionDecision) error {
	defer db.backlogFigures.invalidate()
	if err := d.Validate(); err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		s, err := tx.caseForUpdate(ctx, caseID)
		if err != nil {
			return err
		}
		if _, err := tx.admit(ctx, caseID, escudo.UserIDFromContext(ctx), s, d); err != nil {
			return err
		}
		if d.Admission == escudo.AdmissionAdmitted {
			// The beneficiary's portal account and its invitation, sent in
			// this transaction (docs/accounts.md).
			if err := tx.inviteOnAdmission(ctx, caseID); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, AuditEntry{Action: "case.admission", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: "admission,reason"})
	})
}

// admit writes an admission decision as procedure.Admit decides it: the
// clocks re-planned for a change of procedure, the decision's milestone and
// the cancelled clocks of a refusal, the case row and the timeline entry.
func (tx *Tx) admit(ctx context.Context, caseID, actor int64, s procedure.State, d escudo.AdmissionDecision) (procedure.Admission, error) {
	a, err := procedure.Admit(s, d)
	if err != nil {
		return a, err
	}
	if a.ProcedureChanged {
		if err := tx.applyProcedure(ctx, caseID, a.Procedure); err != nil {
			return a, err
		}
	}
	reason, err := tx.seal(vault.Risk, "cases.admission_reason", d.Reason)
	if err != nil {
		return a, err
	}
	if a.Milestone != "" {
		if err := tx.recordMilestone(ctx, caseID, a.Procedure, a.Milestone, tx.now); err != nil {
			return a, err
		}
	}
	if a.CancelClocks {
		if err := tx.cancelClocks(ctx, caseID); err != nil {
			return a, err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE cases SET admission = ?, admission_reason_enc = ?, procedure = ?, stage = ?, updated_at = ? WHERE id = ?`,
		string(d.Admission), reason, string(a.Procedure), string(a.Stage), micros(tx.now), caseID); err != nil {
		return a, err
	}
	if err := tx.refreshPinned(ctx, caseID); err != nil {
		return a, err
	}
	if err := tx.addEvent(ctx, caseID, actor, escudo.EventAdmission, string(d.Admission)+":"+string(a.Procedure), d.Reason); err != nil {
		return a, err
	}
	about := AboutStage
	if d.Admission == escudo.AdmissionInfoRequested {
		about = AboutInfo
	}
	return a, tx.noticeBeneficiary(ctx, caseID, about, fmt.Sprintf("admission:%d:%s:%d", caseID, d.Admission, tx.now.UnixMicro()))
}

// AssignCase gives a case to a staff member, as procedure.Assign decides:
// taking a case from someone else needs a hand-over note.
func (db *DB) AssignCase(ctx context.Context, caseID, userID int64, note string) error {
	defer db.backlogFigures.invalidate()
	note, err := procedure.HandOverNote(note)
	if err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		s, err := tx.caseForUpdate(ctx, caseID)
		if err != nil {
			return err
		}
		var role string
		var disabled int
		var assignee *escudo.User
		if err := tx.QueryRow(ctx, `SELECT role, disabled FROM users WHERE id = ?`, userID).Scan(&role, &disabled); err == nil {
			assignee = &escudo.User{ID: userID, Role: escudo.Role(role), Disabled: disabled == 1}
		}
		if err := procedure.CheckAssignee(assignee); err != nil {
			return err
		}
		a, err := procedure.Assign(s, userID, note)
		if err != nil || !a.Changed {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET assigned_to = ?, updated_at = ? WHERE id = ?`, userID, micros(tx.now), caseID); err != nil {
			return err
		}
		if err := tx.refreshPinned(ctx, caseID); err != nil {
			return err
		}
		// A first assignment names only its assignee; a reassignment names both.
		detail := fmt.Sprint(userID)
		if a.Event == escudo.EventReassigned {
			detail = fmt.Sprintf("%d>%d", s.AssignedTo, userID)
		}
		if err := tx.addEvent(ctx, caseID, escudo.UserIDFromContext(ctx), a.Event, detail, a.Note); err != nil {
			return err
		}
		var ref string
		if err := tx.QueryRow(ctx, `SELECT reference FROM cases WHERE id = ?`, caseID).Scan(&ref); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: userID, Kind: a.Event, CaseID: caseID, Subject: ref}); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "case.assign", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: "assigned_to,note"})
	})
}

// RecordMilestone records a dated procedural step and moves the case's
// stage, as procedure.RecordMilestone decides.
func (db *DB) RecordMilestone(ctx context.Context, caseID int64, m escudo.Milestone, at time.Time, note string) error {
	defer db.backlogFigures.invalidate()
	if err := procedure.CheckMilestone(m, note); err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		s, err := tx.caseForUpdate(ctx, caseID)
		if err != nil {
			return err
		}
		var role escudo.Role
		if u := escudo.UserFromContext(ctx); u != nil {
			role = u.Role
		}
		if err := procedure.MayRecord(db.milestones, s, m, role); err != nil {
			return err
		}
		step, err := procedure.RecordMilestone(s, m, at, note, tx.now)
		if err != nil {
			return err
		}
		if err := tx.applyStep(ctx, caseID, s.Procedure, m, step); err != nil {
			return err
		}
		if err := tx.addEvent(ctx, caseID, escudo.UserIDFromContext(ctx), escudo.EventMilestone, string(m), note); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "case.milestone", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: string(m)})
	})
}

// applyStep writes a milestone step: the milestone with its clocks, the new
// stage and, for a case that closes, its cancelled clocks.
func (tx *Tx) applyStep(ctx context.Context, caseID int64, proc escudo.Procedure, m escudo.Milestone, step procedure.Step) error {
	if err := tx.recordMilestone(ctx, caseID, proc, m, step.At); err != nil {
		return err
	}
	if !step.SetsStage {
		return tx.refreshPinned(ctx, caseID)
	}
	var was string
	if err := tx.QueryRow(ctx, `SELECT stage FROM cases WHERE id = ?`, caseID).Scan(&was); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE cases SET stage = ?, updated_at = ? WHERE id = ?`, string(step.Stage), micros(tx.now), caseID); err != nil {
		return err
	}
	if err := tx.refreshPinned(ctx, caseID); err != nil {
		return err
	}
	if was != string(step.Stage) {
		if err := tx.noticeBeneficiary(ctx, caseID, AboutStage, fmt.Sprintf("stage:%d:%s:%d", caseID, step.Stage, tx.now.UnixMicro())); err != nil {
			return err
		}
	}
	if step.CancelClocks {
		return tx.cancelClocks(ctx, caseID)
	}
	return nil
}

// AddNote adds a free-text note to the timeline.
func (db *DB) AddNote(ctx context.Context, caseID int64, note string) error {
	note = strings.TrimSpace(note)
	if note == "" {
		return escudo.FieldError("note", "validation.required", nil)
	}
	if len(note) > escudo.MaxLongText {
		return escudo.FieldError("note", "validation.too_long", map[string]any{"Max": escudo.MaxLongText})
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		if _, err := tx.caseForUpdate(ctx, caseID); err != nil {
			return err
		}
		if err := tx.addEvent(ctx, caseID, escudo.UserIDFromContext(ctx), escudo.EventNote, "", note); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "case.note", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: "note"})
	})
}

func (tx *Tx) addEvent(ctx context.Context, caseID, actor int64, kind, detail, note string) error {
	sealed, err := tx.seal(vault.Risk, "case_events.note", note)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO case_events (case_id, at, actor_id, kind, detail, note_enc) VALUES (?, ?, ?, ?, ?, ?)`,
		caseID, micros(tx.now), nullID(actor), kind, detail, sealed)
	if err != nil {
		return fmt.Errorf("store: event: %w", err)
	}
	return nil
}

// Timeline returns a case's events, oldest first, and audits the read.
func (db *DB) Timeline(ctx context.Context, caseID int64) ([]escudo.Event, error) {
	ev, err := db.timeline(ctx, caseID, true)
	if err != nil {
		return nil, err
	}
	return ev, db.Audit(ctx, AuditEntry{Action: "case.timeline", ObjectType: "case", ObjectID: fmt.Sprint(caseID), Fields: "notes"})
}

func (db *DB) timeline(ctx context.Context, caseID int64, notes bool) ([]escudo.Event, error) {
	rows, err := db.readQuery(ctx, `SELECT e.id, e.case_id, e.at, e.actor_id, e.kind, e.detail, e.note_enc, u.display_name
		FROM case_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.case_id = ? ORDER BY e.at, e.id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []escudo.Event
	for rows.Next() {
		var e escudo.Event
		var at int64
		var actor sql.NullInt64
		var name sql.NullString
		var note []byte
		if err := rows.Scan(&e.ID, &e.CaseID, &at, &actor, &e.Kind, &e.Detail, &note, &name); err != nil {
			return nil, err
		}
		e.At, e.ActorID, e.ActorName = fromMicros(at), actor.Int64, name.String
		if notes {
			if e.Note, err = db.open("case_events.note", note); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Backlog lists open cases by their most urgent running clock, then by age,
// with counts per stage and of breached and soon-due cases.
func (db *DB) Backlog(ctx context.Context, f escudo.CaseFilter) (*escudo.Backlog, error) {
	clampPage(&f)
	now := db.Now()
	b := &escudo.Backlog{StageCounts: map[escudo.Stage]int{}}
	// The figures and the page are independent queries; each runs on its own
	// read connection, so the board costs about its slowest query.
	f.Open = true
	page := &escudo.Backlog{}
	var figErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		figErr = db.backlogFigures.get(now, b, func(fig *escudo.Backlog) error { return db.computeBacklogFigures(ctx, fig, now) })
	}()
	_, err := db.backlogByClock(ctx, f, page, now)
	<-done
	if err != nil {
		return nil, err
	}
	if figErr != nil {
		return nil, fmt.Errorf("store: backlog figures: %w", figErr)
	}
	b.Rows = page.Rows
	return b, nil
}

// computeBacklogFigures counts cases per stage, breached and due soon. The
// three are independent queries; each runs on its own read connection.
func (db *DB) computeBacklogFigures(ctx context.Context, b *escudo.Backlog, now time.Time) error {
	var wg sync.WaitGroup
	errs := make([]error, 4)
	wg.Add(4)
	go func() {
		defer wg.Done()
		errs[0] = db.backlogStageCounts(ctx, b)
	}()
	go func() {
		defer wg.Done()
		errs[1] = db.readRow(ctx, `SELECT COUNT(DISTINCT case_id) FROM case_clocks WHERE stopped_at IS NULL AND due_at < ?`, micros(now)).Scan(&b.BreachedCount)
	}()
	go func() {
		defer wg.Done()
		errs[2] = db.backlogDueSoon(ctx, b, now)
	}()
	go func() {
		defer wg.Done()
		errs[3] = db.backlogWorkload(ctx, b, now)
	}()
	wg.Wait()
	return errors.Join(errs...)
}

// Workload is each assignee's open and overdue cases, from the backlog's
// figures (kept for BacklogFiguresTTL), for the assignee menus.
func (db *DB) Workload(ctx context.Context) (map[int64]escudo.Workload, error) {
	now := db.Now()
	b := &escudo.Backlog{}
	if err := db.backlogFigures.get(now, b, func(fig *escudo.Backlog) error { return db.computeBacklogFigures(ctx, fig, now) }); err != nil {
		return nil, fmt.Errorf("store: workload: %w", err)
	}
	return b.Workload, nil
}

func (db *DB) backlogStageCounts(ctx context.Context, b *escudo.Backlog) error {
	rows, err := db.read.QueryContext(ctx, `SELECT stage, COUNT(*) FROM cases GROUP BY stage`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return err
		}
		b.StageCounts[escudo.Stage(s)] = n
		if escudo.Stage(s) != escudo.StageClosed {
			b.Total += n
		}
	}
	return rows.Err()
}

// backlogDueSoon counts cases with a clock within its due-soon window (the
// rule's warning share or escudo.DueSoonFloor, whichever is longer), not yet breached: one deadline range per rule, each read from the
// (rule, stopped_at, due_at, ...) index alone.
func (db *DB) backlogDueSoon(ctx context.Context, b *escudo.Backlog, now time.Time) error {
	var soon []string
	var args []any
	for _, r := range db.rules {
		until := now.Add(escudo.DueSoonWindow(time.Duration(r.Limit), r.WarnAt))
		soon = append(soon, `SELECT case_id FROM case_clocks WHERE rule = ? AND stopped_at IS NULL AND due_at >= ? AND due_at < ?`)
		args = append(args, r.Name, micros(now), micros(until))
	}
	return db.readRow(ctx, `SELECT COUNT(DISTINCT s.case_id) FROM (`+strings.Join(soon, " UNION ALL ")+`) s`, args...).Scan(&b.DueSoonCount)
}

// backlogWorkload counts each assignee's open and overdue cases.
func (db *DB) backlogWorkload(ctx context.Context, b *escudo.Backlog, now time.Time) (err error) {
	b.Workload, err = db.workload(ctx, now, "", nil)
	return err
}

// workload counts each assignee's open cases, from the assignee index, and
// those with a breached clock, from the running-clock index; cond (with
// args) narrows the cases, as the dashboard's entity scope does.
func (db *DB) workload(ctx context.Context, now time.Time, cond string, args []any) (map[int64]escudo.Workload, error) {
	out := map[int64]escudo.Workload{}
	rows, err := db.readQuery(ctx, `SELECT c.assigned_to, COUNT(*) FROM cases c
		WHERE c.assigned_to IS NOT NULL AND c.stage <> ?`+cond+` GROUP BY c.assigned_to`, append([]any{string(escudo.StageClosed)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: workload: %w", err)
	}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		w := out[id]
		w.Open = n
		out[id] = w
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.readQuery(ctx, `SELECT c.assigned_to, COUNT(DISTINCT c.id) FROM case_clocks k JOIN cases c ON c.id = k.case_id
		WHERE k.stopped_at IS NULL AND k.due_at < ? AND c.assigned_to IS NOT NULL AND c.stage <> ?`+cond+` GROUP BY c.assigned_to`,
		append([]any{micros(now), string(escudo.StageClosed)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: overdue workload: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		w := out[id]
		w.Overdue = n
		out[id] = w
	}
	return out, rows.Err()
}

// CasesByDeadline lists the open cases of a filter (a person's queue) in the
// order of their next deadline, each with that clock, then the cases with no
// running clock, oldest first.
func (db *DB) CasesByDeadline(ctx context.Context, f escudo.CaseFilter) ([]escudo.BacklogRow, error) {
	clampPage(&f)
	f.Open = true
	b := &escudo.Backlog{}
	if _, err := db.backlogByClock(ctx, f, b, db.Now()); err != nil {
		return nil, err
	}
	cases := make([]*escudo.Case, len(b.Rows))
	for i, r := range b.Rows {
		cases[i] = r.Case
	}
	return b.Rows, db.AuditReads(ctx, "case.list", caseObjects(cases))
}

// backlogByClock fills the page of the backlog: cases with a running clock in
// the order of their earliest deadline, read along the clock index, then
// cases with no running clock, oldest first.
func (db *DB) backlogByClock(ctx context.Context, f escudo.CaseFilter, b *escudo.Backlog, now time.Time) (*escudo.Backlog, error) {
	if f.Offset == 0 {
		if err := db.pinnedRows(ctx, f, b, now); err != nil {
			return nil, err
		}
	}
	where, args := db.caseWhere(f, now, false)
	// Pinned cases head the first page and are left out of the rest.
	cond := strings.Replace(where, " WHERE ", " AND ", 1) + ` AND NOT (` + pinnedCond + `)`
	// Clocks in deadline order; a case appears once, at its earliest running
	// clock (ties broken by rule name). Written as "no earlier running clock"
	// rather than "due_at = MIN(...)": PostgreSQL cannot estimate the
	// correlated MIN and then joins every running clock (seconds at 100,000
	// cases). Two NOT EXISTS rather than one with an OR: SQLite plans an OR
	// as a union of index ranges over everyone's deadlines.
	rows, err := db.readQuery(ctx, `SELECT `+caseColumns+caseFrom+` JOIN case_clocks k ON k.case_id = c.id
		WHERE k.stopped_at IS NULL`+cond+`
		AND NOT EXISTS (SELECT 1 FROM case_clocks k2 WHERE k2.case_id = k.case_id AND k2.stopped_at IS NULL AND k2.due_at < k.due_at)
		AND NOT EXISTS (SELECT 1 FROM case_clocks k3 WHERE k3.case_id = k.case_id AND k3.stopped_at IS NULL AND k3.due_at = k.due_at AND k3.rule < k.rule)
		ORDER BY k.due_at, k.case_id LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("store: backlog by clock: %w", err)
	}
	seen := map[int64]bool{}
	pinned := len(b.Rows)
	for rows.Next() {
		c, err := db.scanCase(rows, false)
		if err != nil {
			rows.Close()
			return nil, err
		}
		if !seen[c.ID] {
			seen[c.ID] = true
			b.Rows = append(b.Rows, escudo.BacklogRow{Case: c, Age: now.Sub(c.ReceivedAt)})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(b.Rows)-pinned < f.Limit {
		// The page runs past the cases with clocks: continue with those
		// without one, skipping what earlier pages of them showed.
		offset := 0
		if len(b.Rows) == pinned && f.Offset > 0 {
			var withClock int
			if err := db.readRow(ctx, `SELECT COUNT(*) FROM cases c WHERE EXISTS (SELECT 1 FROM case_clocks k WHERE k.case_id = c.id AND k.stopped_at IS NULL)`+cond,
				args...).Scan(&withClock); err != nil {
				return nil, err
			}
			offset = max(0, f.Offset-withClock)
		}
		rows, err := db.readQuery(ctx, `SELECT `+caseColumns+caseFrom+` WHERE NOT EXISTS (SELECT 1 FROM case_clocks k WHERE k.case_id = c.id AND k.stopped_at IS NULL)`+
			cond+` ORDER BY c.received_at, c.id LIMIT ? OFFSET ?`, append(args, f.Limit-(len(b.Rows)-pinned), offset)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			c, err := db.scanCase(rows, false)
			if err != nil {
				rows.Close()
				return nil, err
			}
			b.Rows = append(b.Rows, escudo.BacklogRow{Case: c, Age: now.Sub(c.ReceivedAt)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return b, db.fillBacklogClocks(ctx, b, now)
}

// pinnedCond selects the pinned cases: cases.pinned holds procedure.Pinned,
// written by refreshPinned in the transaction of every change it reads. The
// partial index cases_pinned (migration 0830) holds only those rows, so the
// pinned head of a page costs the same at 100,000 cases as at 100.
const pinnedCond = `c.pinned = 1`

// refreshPinned recomputes a case's pinned flag after a change of its
// stage, assignee or milestones (procedure.Pinned decides).
func (tx *Tx) refreshPinned(ctx context.Context, caseID int64) error {
	var imminent, was int
	var stage string
	var assigned sql.NullInt64
	if err := tx.QueryRow(ctx, `SELECT imminent_danger, stage, assigned_to, pinned FROM cases WHERE id = ?`, caseID).Scan(&imminent, &stage, &assigned, &was); err != nil {
		return fmt.Errorf("store: read pinned: %w", err)
	}
	if imminent == 0 && was == 0 {
		return nil
	}
	var urgent int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM case_milestones WHERE case_id = ? AND milestone = ?`, caseID, string(escudo.MilestoneUrgentIssued)).Scan(&urgent); err != nil {
		return fmt.Errorf("store: read pinned: %w", err)
	}
	now := boolInt(procedure.Pinned(imminent == 1, escudo.Stage(stage), assigned.Int64, urgent > 0))
	if now == was {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE cases SET pinned = ? WHERE id = ?`, now, caseID)
	return err
}

// maxPinned bounds the pinned head of a page; more than this many unattended
// imminent-danger requests is an emergency the dashboard shows by its count.
const maxPinned = 50

// pinnedRows puts the pinned cases a filter selects at the head of the page,
// oldest first. A queue of one person's cases also shows every pinned case
// assigned to nobody, so that each queue carries it until someone takes it.
func (db *DB) pinnedRows(ctx context.Context, f escudo.CaseFilter, b *escudo.Backlog, now time.Time) error {
	pf := f
	pf.AssignedTo, pf.Unassigned = 0, false
	where, args := db.caseWhere(pf, now, false)
	cond := strings.Replace(where, " WHERE ", " AND ", 1)
	if f.AssignedTo != 0 {
		cond += ` AND (c.assigned_to IS NULL OR c.assigned_to = ?)`
		args = append(args, f.AssignedTo)
	} else if f.Unassigned {
		cond += ` AND c.assigned_to IS NULL`
	}
	// The pinned cases are few: read them from their partial index first,
	// then apply the filter to those alone. One query with both would let
	// the planner walk a filter's index (all of a stage, an entity or a
	// person's cases) looking for the pinned ones.
	ids, err := db.pinnedIDs(ctx)
	if err != nil || len(ids) == 0 {
		return err
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	rows, err := db.readQuery(ctx, `SELECT `+caseColumns+caseFrom+` WHERE c.id IN (`+marks+`)`+cond+
		` ORDER BY c.received_at, c.id LIMIT ?`, append(append(ids, args...), maxPinned)...)
	if err != nil {
		return fmt.Errorf("store: pinned cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := db.scanCase(rows, false)
		if err != nil {
			return err
		}
		b.Rows = append(b.Rows, escudo.BacklogRow{Case: c, Age: now.Sub(c.ReceivedAt), Pinned: true})
	}
	return rows.Err()
}

// pinnedIDs lists the pinned cases, oldest first, from the partial index
// cases_pinned. More than maxPinnedScan of them is a national emergency the
// figures show; a page carries the oldest.
func (db *DB) pinnedIDs(ctx context.Context) ([]any, error) {
	rows, err := db.readQuery(ctx, `SELECT id FROM cases WHERE pinned = 1 ORDER BY received_at LIMIT ?`, maxPinnedScan)
	if err != nil {
		return nil, fmt.Errorf("store: pinned cases: %w", err)
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// maxPinnedScan bounds the pinned cases a filter is applied to.
const maxPinnedScan = 500

// fillBacklogClocks attaches each row's most urgent running clock and count of breaches.
func (db *DB) fillBacklogClocks(ctx context.Context, b *escudo.Backlog, now time.Time) error {
	if len(b.Rows) == 0 {
		return nil
	}
	ids := make([]any, len(b.Rows))
	marks := make([]string, len(b.Rows))
	byID := map[int64]*escudo.BacklogRow{}
	for i := range b.Rows {
		ids[i], marks[i] = b.Rows[i].Case.ID, "?"
		byID[b.Rows[i].Case.ID] = &b.Rows[i]
	}
	// Sorted here rather than in SQL: an ORDER BY due_at tempts the planner to
	// walk every running clock along case_clocks_due.
	rows, err := db.readQuery(ctx, `SELECT `+clockColumns+` FROM case_clocks WHERE case_id IN (`+strings.Join(marks, ",")+`) AND stopped_at IS NULL`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := db.scanClock(rows, now)
		if err != nil {
			return err
		}
		r := byID[c.CaseID]
		if r.NextClock == nil || c.DueAt.Before(r.NextClock.DueAt) {
			cc := c
			r.NextClock = &cc
		}
		if c.Status == escudo.ClockBreached {
			r.Breaches++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	cases := make([]*escudo.Case, len(b.Rows))
	for i := range b.Rows {
		cases[i] = b.Rows[i].Case
	}
	return db.AuditReads(ctx, "case.backlog", caseObjects(cases))
}

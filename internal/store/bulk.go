package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"escudo"
	"escudo/internal/procedure"
	"escudo/internal/vault"
)

// BulkRequest is one protection request with the procedural history that
// followed it, for FileRequests.
type BulkRequest struct {
	Case   *escudo.Case
	Person *escudo.Person
	Steps  []BulkStep // in time order, none before Case.ReceivedAt
}

// BulkStep is one later action on a bulk request. Exactly one of Admission,
// Milestone, AssignTo or a lone Note is set; Note is also the hand-over note
// of an assignment and the note of a milestone.
type BulkStep struct {
	At        time.Time
	Actor     int64
	Admission *escudo.AdmissionDecision
	Milestone escudo.Milestone
	AssignTo  int64
	Note      string
}

// bulkOp is one request or step, placed on the global time line.
type bulkOp struct {
	at   time.Time
	req  int
	step int // -1: the filing itself
}

// FileRequests stores many requests and their histories in few transactions,
// for imports and benchmark data sets. Every row is written as FileRequest,
// DecideAdmission, AssignCase, RecordMilestone and AddNote write it: sensitive
// fields sealed, blind indexes, milestones and clocks, timeline events, outbox
// entries and one audit entry per action, each at the action's own time.
// Actions are applied in global time order so the audit chain stays in time
// order too. batch is the number of actions per transaction (default 2,000).
// It returns the receipts in the order of reqs.
func (db *DB) FileRequests(ctx context.Context, reqs []BulkRequest, batch int) ([]escudo.Receipt, error) {
	defer db.backlogFigures.invalidate()
	if batch <= 0 {
		batch = 2000
	}
	ops := make([]bulkOp, 0, len(reqs)*4)
	for i, r := range reqs {
		if r.Case == nil || r.Person == nil {
			return nil, fmt.Errorf("store: bulk request %d: case and person required", i)
		}
		if err := r.Person.Validate(); err != nil {
			return nil, fmt.Errorf("store: bulk request %d: %w", i, err)
		}
		if err := r.Case.Validate(); err != nil {
			return nil, fmt.Errorf("store: bulk request %d: %w", i, err)
		}
		if r.Case.ReceivedAt.IsZero() {
			r.Case.ReceivedAt = db.Now()
		}
		ops = append(ops, bulkOp{at: r.Case.ReceivedAt, req: i, step: -1})
		for j, s := range r.Steps {
			if err := s.validate(); err != nil {
				return nil, fmt.Errorf("store: bulk request %d step %d: %w", i, j, err)
			}
			if s.At.Before(r.Case.ReceivedAt) {
				return nil, fmt.Errorf("store: bulk request %d step %d: before the request", i, j)
			}
			ops = append(ops, bulkOp{at: s.At, req: i, step: j})
		}
	}
	// Stable, so a request's steps at one instant keep their order.
	sort.SliceStable(ops, func(a, b int) bool { return ops[a].at.Before(ops[b].at) })
	receipts := make([]escudo.Receipt, len(reqs))
	roles := map[int64]string{}
	for start := 0; start < len(ops); start += batch {
		end := min(start+batch, len(ops))
		err := db.WithTx(ctx, true, func(tx *Tx) error {
			chain, err := tx.newAuditChain(ctx)
			if err != nil {
				return err
			}
			for _, op := range ops[start:end] {
				tx.now = op.at.UTC()
				r := reqs[op.req]
				var err error
				if op.step < 0 {
					receipts[op.req], err = tx.bulkFile(ctx, chain, roles, r.Case, r.Person)
				} else {
					err = tx.bulkStep(ctx, chain, roles, r.Case, r.Steps[op.step])
				}
				if err != nil {
					return fmt.Errorf("store: bulk request %d: %w", op.req, err)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return receipts, nil
}

func (s BulkStep) validate() error {
	n := 0
	if s.Admission != nil {
		n++
		if err := s.Admission.Validate(); err != nil {
			return err
		}
	}
	if s.Milestone != "" {
		n++
		if !procedure.Recordable(s.Milestone) && !escudo.ByMeasures(s.Milestone) {
			return escudo.FieldError("milestone", "validation.choice", nil)
		}
	}
	if s.AssignTo != 0 {
		n++
	}
	if n == 0 && strings.TrimSpace(s.Note) != "" {
		n++
	}
	if n != 1 || s.At.IsZero() {
		return fmt.Errorf("a step needs a time and exactly one action")
	}
	if len(s.Note) > escudo.MaxLongText {
		return escudo.FieldError("note", "validation.too_long", map[string]any{"Max": escudo.MaxLongText})
	}
	return nil
}

// bulkFile is the body of FileRequest's transaction.
func (tx *Tx) bulkFile(ctx context.Context, chain *auditChain, roles map[int64]string, c *escudo.Case, p *escudo.Person) (escudo.Receipt, error) {
	if err := tx.insertPerson(ctx, p); err != nil {
		return escudo.Receipt{}, err
	}
	narrative, err := tx.seal(vault.Risk, "cases.narrative", c.Narrative)
	if err != nil {
		return escudo.Receipt{}, err
	}
	aggressors, err := tx.seal(vault.Risk, "cases.aggressors", c.Aggressors)
	if err != nil {
		return escudo.Receipt{}, err
	}
	referredBy, err := tx.seal(vault.Identity, "cases.referred_by", c.ReferredBy)
	if err != nil {
		return escudo.Receipt{}, err
	}
	entityIdx := tx.db.Keys.BlindIndex("entity", p.Entity)
	c.PersonID, c.Person, c.Entity = p.ID, p, p.Entity
	c.Admission, c.Stage = escudo.AdmissionPending, escudo.StageReception
	c.CreatedAt, c.UpdatedAt = tx.now, tx.now
	code := randomCode(4)
	for attempt := 0; ; attempt++ {
		c.Reference = "ESC-" + randomCode(2)
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE reference = ?`, c.Reference).Scan(&n); err != nil {
			return escudo.Receipt{}, err
		}
		if n == 0 {
			break
		} else if attempt > 5 {
			return escudo.Receipt{}, fmt.Errorf("store: could not draw a free reference")
		}
	}
	c.ID, err = tx.InsertID(ctx, `INSERT INTO cases (reference, code_mac, person_id, channel, referred_by, referred_by_enc, received_at, imminent_danger, procedure, admission, stage, entity, entity_bidx, assigned_to, narrative_enc, aggressors_enc, created_by, created_at, updated_at, pinned)
		VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Reference, tx.db.Keys.MAC("followup", []byte(code)), p.ID, string(c.Channel), referredBy, micros(c.ReceivedAt), boolInt(c.ImminentDanger),
		string(c.Procedure), string(c.Admission), string(c.Stage), entityIdx, nullID(c.AssignedTo), narrative, aggressors, nullID(c.CreatedBy), micros(tx.now), micros(tx.now),
		boolInt(procedure.Pinned(c.ImminentDanger, c.Stage, c.AssignedTo, false)))
	if err != nil {
		return escudo.Receipt{}, fmt.Errorf("store: insert case: %w", err)
	}
	if err := tx.recordMilestone(ctx, c.ID, c.Procedure, escudo.MilestoneReceived, c.ReceivedAt); err != nil {
		return escudo.Receipt{}, err
	}
	if err := tx.addEvent(ctx, c.ID, c.CreatedBy, escudo.EventReceived, string(c.Channel)+":"+string(c.Procedure), ""); err != nil {
		return escudo.Receipt{}, err
	}
	if c.AssignedTo != 0 {
		if err := tx.addEvent(ctx, c.ID, c.CreatedBy, escudo.EventAssigned, fmt.Sprint(c.AssignedTo), ""); err != nil {
			return escudo.Receipt{}, err
		}
	}
	if c.Procedure == escudo.ProcedureExtraordinary {
		duty, err := tx.usersWithRole(ctx, escudo.RoleDuty)
		if err != nil {
			return escudo.Receipt{}, err
		}
		for _, uid := range duty {
			if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: uid, Kind: "extraordinary_request", CaseID: c.ID, Subject: c.Reference}); err != nil {
				return escudo.Receipt{}, err
			}
		}
	}
	role, err := tx.actorRole(ctx, roles, c.CreatedBy)
	if err != nil {
		return escudo.Receipt{}, err
	}
	if err := chain.append(ctx, tx, AuditEntry{ActorID: c.CreatedBy, ActorRole: role, Action: "case.create", ObjectType: "case", ObjectID: fmt.Sprint(c.ID), Fields: "narrative,aggressors," + personFields}); err != nil {
		return escudo.Receipt{}, err
	}
	return escudo.Receipt{CaseID: c.ID, Reference: c.Reference, Code: code}, nil
}

// bulkStep applies one step with the rules of the single-case methods.
// The case's procedural fields are tracked on c, so no step reads them back.
func (tx *Tx) bulkStep(ctx context.Context, chain *auditChain, roles map[int64]string, c *escudo.Case, s BulkStep) error {
	state := procedure.State{Procedure: c.Procedure, Stage: c.Stage, ReceivedAt: c.ReceivedAt, AssignedTo: c.AssignedTo}
	audit := AuditEntry{ActorID: s.Actor, ObjectType: "case", ObjectID: fmt.Sprint(c.ID)}
	var err error
	if audit.ActorRole, err = tx.actorRole(ctx, roles, s.Actor); err != nil {
		return err
	}
	switch {
	case s.Admission != nil:
		a, err := tx.admit(ctx, c.ID, s.Actor, state, *s.Admission)
		if err != nil {
			return err
		}
		c.Admission, c.Procedure, c.Stage = s.Admission.Admission, a.Procedure, a.Stage
		audit.Action, audit.Fields = "case.admission", "admission,reason"
	case s.Milestone != "":
		var step procedure.Step
		var err error
		if escudo.ByMeasures(s.Milestone) {
			// History imported with measures that predate escudo.
			step, err = procedure.SystemStep(state, s.Milestone, tx.now)
		} else {
			step, err = procedure.RecordMilestone(state, s.Milestone, tx.now, s.Note, tx.now)
		}
		if err != nil {
			return err
		}
		if err := tx.applyStep(ctx, c.ID, state.Procedure, s.Milestone, step); err != nil {
			return err
		}
		c.Stage = step.Stage
		if err := tx.addEvent(ctx, c.ID, s.Actor, escudo.EventMilestone, string(s.Milestone), s.Note); err != nil {
			return err
		}
		audit.Action, audit.Fields = "case.milestone", string(s.Milestone)
	case s.AssignTo != 0:
		a, err := procedure.Assign(state, s.AssignTo, s.Note)
		if err != nil || !a.Changed {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET assigned_to = ?, updated_at = ? WHERE id = ?`, s.AssignTo, micros(tx.now), c.ID); err != nil {
			return err
		}
		if err := tx.refreshPinned(ctx, c.ID); err != nil {
			return err
		}
		c.AssignedTo = s.AssignTo
		if err := tx.addEvent(ctx, c.ID, s.Actor, a.Event, fmt.Sprintf("%d>%d", state.AssignedTo, s.AssignTo), a.Note); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, Notification{Channel: ChannelInbox, UserID: s.AssignTo, Kind: a.Event, CaseID: c.ID, Subject: c.Reference}); err != nil {
			return err
		}
		audit.Action, audit.Fields = "case.assign", "assigned_to,note"
	default:
		if err := tx.addEvent(ctx, c.ID, s.Actor, escudo.EventNote, "", strings.TrimSpace(s.Note)); err != nil {
			return err
		}
		audit.Action, audit.Fields = "case.note", "note"
	}
	return chain.append(ctx, tx, audit)
}

// actorRole returns a user's role, read once per bulk load.
func (tx *Tx) actorRole(ctx context.Context, roles map[int64]string, id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	role, ok := roles[id]
	if !ok {
		if err := tx.QueryRow(ctx, `SELECT role FROM users WHERE id = ?`, id).Scan(&role); err != nil {
			return "", fmt.Errorf("actor %d: %w", id, err)
		}
		roles[id] = role
	}
	return role, nil
}

// auditChain appends audit entries as Tx.Audit does, keeping the chain's
// head in memory for the rest of the transaction instead of reading it back
// for every entry. The PostgreSQL advisory lock, taken once, is held until
// the transaction ends, so no other node appends in between.
type auditChain struct {
	seq  int64
	head []byte
	mac  *chainMAC
}

func (tx *Tx) newAuditChain(ctx context.Context) (*auditChain, error) {
	if tx.db.Dialect == Postgres {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7271002)`); err != nil {
			return nil, fmt.Errorf("store: audit lock: %w", err)
		}
	}
	if tx.db.auditKey == nil {
		return nil, fmt.Errorf("store: no audit chain key (the store was not initialised)")
	}
	a := &auditChain{head: make([]byte, sha256.Size), mac: newChainMAC(tx.db.auditKey)}
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&a.seq, &a.head)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("store: audit head: %w", err)
	}
	return a, nil
}

func (a *auditChain) append(ctx context.Context, tx *Tx, e AuditEntry) error {
	if e.Outcome == "" {
		e.Outcome = OutcomeOK
	}
	e.Remote = RemoteFromContext(ctx)
	e.PrevHash, e.Seq, e.At, e.Chain, e.Count = a.head, a.seq+1, tx.now, ChainKeyed, e.count()
	e.Hash = a.mac.sum(&e, nil)
	if _, err := tx.Exec(ctx, qAuditInsert+qAuditRow,
		e.Seq, micros(e.At), nullID(e.ActorID), e.ActorRole, e.Action, e.ObjectType, e.ObjectID, e.Fields, e.Outcome, e.Remote, e.PrevHash, e.Hash, e.Chain, e.Count); err != nil {
		return fmt.Errorf("store: audit append: %w", err)
	}
	a.seq, a.head = e.Seq, e.Hash
	tx.db.noteAuditWritten(e.Seq)
	return nil
}

// SchemaVersion identifies the embedded migrations (names and contents), so
// caches of prepared databases, such as benchmark data sets, can tell when
// they are stale.
func SchemaVersion() string {
	h := sha256.New()
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return "unknown"
	}
	for _, e := range entries {
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return "unknown"
		}
		fmt.Fprintf(h, "%s\x00%d\x00", e.Name(), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

package demo

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"escudo"
	"escudo/internal/demo/directory"
	"escudo/internal/demo/portal"
	"escudo/internal/demo/prevention"
	"escudo/internal/demo/requests"
	"escudo/internal/store"
)

// Clock is a store clock that seeding moves to each event's time; Live
// returns it to the wall clock for serving.
type Clock struct{ ns atomic.Int64 }

// Now returns the set time, or the wall clock when live.
func (c *Clock) Now() time.Time {
	if n := c.ns.Load(); n != 0 {
		return time.Unix(0, n).UTC()
	}
	return time.Now().UTC()
}

// Set fixes the clock at t.
func (c *Clock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Live returns the clock to the wall clock.
func (c *Clock) Live() { c.ns.Store(0) }

// User is a demo account.
type User struct {
	Username     string
	DisplayName  string
	Role         escudo.Role
	Supervisor   string // username
	Organization string
	Agency       string
	Entity       string
}

// BeneficiaryUsername is the demo account linked to a seeded beneficiary.
// Account names are not sealed, so the account carries no personal name.
const (
	BeneficiaryUsername    = "beneficiaria"
	beneficiaryDisplayName = "Persona beneficiaria (demo)"
)

// Users are the demo accounts: one per role (the first thirteen) and a few
// more staff so cases change hands. Supervisors come before the people they
// supervise.
var Users = []User{
	{Username: "coordinacion", DisplayName: "Patricia Leyva Ocampo", Role: escudo.RoleCoordinator, Organization: "Coordinación Ejecutiva Nacional"},
	{Username: "admin", DisplayName: "Rodrigo Tapia Mireles", Role: escudo.RoleAdmin, Supervisor: "coordinacion", Organization: "Coordinación Ejecutiva Nacional"},
	{Username: "recepcion", DisplayName: "Lucía Barrera Soto", Role: escudo.RoleReception, Supervisor: "coordinacion", Organization: "Unidad de Recepción de Casos y Reacción Rápida"},
	{Username: "guardia", DisplayName: "Ernesto Villalobos Cano", Role: escudo.RoleDuty, Supervisor: "coordinacion", Organization: "Unidad de Recepción de Casos y Reacción Rápida"},
	{Username: "analista", DisplayName: "Mariana Ochoa Ruelas", Role: escudo.RoleAnalyst, Supervisor: "coordinacion", Organization: "Unidad de Evaluación de Riesgos"},
	{Username: "seguimiento", DisplayName: "Héctor Arriaga Lozano", Role: escudo.RoleFollowUp, Supervisor: "coordinacion", Organization: "Unidad de Prevención, Seguimiento y Análisis"},
	{Username: "junta", DisplayName: "Consuelo Ibarra Meza", Role: escudo.RoleBoard, Organization: "Junta de Gobierno"},
	{Username: "consejo", DisplayName: "Joaquín Estrada Peña", Role: escudo.RoleCouncil, Organization: "Consejo Consultivo"},
	// Acts for Oaxaca's public security secretariat (ssp-oax), whose measures the demo seeds.
	{Username: "enlace", DisplayName: "Raúl Zamudio Téllez", Role: escudo.RoleLiaison, Agency: "ssp-oax", Entity: "OAX"},
	{Username: "tecnico", DisplayName: "Iván Cervantes Rubio", Role: escudo.RoleContractor, Organization: "Protección Integral del Sureste, S.A. (empresa ficticia)"},
	{Username: "revisor", DisplayName: "Adriana Solís Carmona", Role: escudo.RoleReviewer, Organization: "Revisión externa independiente"},
	{Username: BeneficiaryUsername, DisplayName: beneficiaryDisplayName, Role: escudo.RoleBeneficiary}, // linked to a seeded person
	{Username: "auditoria", DisplayName: "Gabriel Medina Quiroz", Role: escudo.RoleAuditor, Organization: "Órgano Interno de Control"},
	{Username: "recepcion2", DisplayName: "Jimena Arteaga Vela", Role: escudo.RoleReception, Supervisor: "recepcion", Organization: "Unidad de Recepción de Casos y Reacción Rápida"},
	{Username: "analista2", DisplayName: "Rebeca Fuentes Alcalá", Role: escudo.RoleAnalyst, Supervisor: "analista", Organization: "Unidad de Evaluación de Riesgos"},
	{Username: "analista3", DisplayName: "Óscar Lugo Bermúdez", Role: escudo.RoleAnalyst, Supervisor: "analista", Organization: "Unidad de Evaluación de Riesgos"},
	{Username: "seguimiento2", DisplayName: "Irene Cordero Beltrán", Role: escudo.RoleFollowUp, Supervisor: "seguimiento", Organization: "Unidad de Prevención, Seguimiento y Análisis"},
	// The rest of the Governing Board (internal/demo/board.go seats them).
	{Username: "junta2", DisplayName: "Alfonso Robledo Guerra", Role: escudo.RoleBoard, Organization: "Secretaría de Seguridad y Protección Ciudadana"},
	{Username: "junta3", DisplayName: "Verónica Paredes Lira", Role: escudo.RoleBoard, Organization: "Secretaría de Seguridad y Protección Ciudadana"},
	{Username: "junta4", DisplayName: "Daniela Orozco Vidal", Role: escudo.RoleBoard, Organization: "Secretaría de Relaciones Exteriores"},
	{Username: "junta5", DisplayName: "Mauricio Lara Esquivel", Role: escudo.RoleBoard, Organization: "Fiscalía General de la República"},
	{Username: "junta6", DisplayName: "Silvia Navarro Ponce", Role: escudo.RoleBoard, Organization: "Fiscalía General de la República"},
	{Username: "junta7", DisplayName: "Tomás Aguirre Castañeda", Role: escudo.RoleBoard, Organization: "Comisión Nacional de los Derechos Humanos"},
	{Username: "consejo2", DisplayName: "Elena Saucedo Ríos", Role: escudo.RoleCouncil, Organization: "Consejo Consultivo"},
	{Username: "consejo3", DisplayName: "Aurelio Benítez Mora", Role: escudo.RoleCouncil, Organization: "Consejo Consultivo"},
	{Username: "consejo4", DisplayName: "Guadalupe Zárate Ortiz", Role: escudo.RoleCouncil, Organization: "Consejo Consultivo"},
	{Username: "consejo5", DisplayName: "Ricardo Montaño Ávila", Role: escudo.RoleCouncil, Organization: "Consejo Consultivo"},
	// Named on the safe-house registry's list (safehouses.go).
	{Username: SafeHouseUsername, DisplayName: "Alma Robles Quintero", Role: escudo.RoleFollowUp, Supervisor: "seguimiento", Organization: "Unidad de Prevención, Seguimiento y Análisis"},
}

// CreateStaff creates every demo account except the beneficiary's, which
// needs a seeded person. Password hashing dominates, so accounts of one
// supervision level are created in parallel.
func CreateStaff(ctx context.Context, db *store.DB, password string) (map[string]*escudo.User, error) {
	created := map[string]*escudo.User{}
	pending := []User{}
	for _, u := range Users {
		if u.Username != BeneficiaryUsername {
			pending = append(pending, u)
		}
	}
	for len(pending) > 0 {
		var level, rest []User
		for _, u := range pending {
			if _, ok := created[u.Supervisor]; u.Supervisor == "" || ok {
				level = append(level, u)
			} else {
				rest = append(rest, u)
			}
		}
		if len(level) == 0 {
			return nil, fmt.Errorf("demo: supervisor chain has a cycle or an unknown supervisor")
		}
		// Supervisors are all in earlier levels, so their ids are known
		// before any account of this level is created.
		accounts := make([]*escudo.User, len(level))
		for i, d := range level {
			accounts[i] = &escudo.User{Username: d.Username, DisplayName: d.DisplayName, Role: d.Role, Organization: d.Organization,
				Agency: d.Agency, Entity: d.Entity, Locale: "es-MX", Email: d.Username + "@demo.escudo.example"}
			if s := created[d.Supervisor]; s != nil {
				accounts[i].SupervisorID = s.ID
			}
		}
		errs := make([]error, len(level))
		var wg sync.WaitGroup
		sem := make(chan struct{}, 2)
		for i, u := range accounts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				errs[i] = db.CreateUser(ctx, u, password)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				return nil, fmt.Errorf("demo: create user %s: %w", level[i].Username, err)
			}
			created[accounts[i].Username] = accounts[i]
		}
		pending = rest
	}
	if err := seatBoard(ctx, db, created); err != nil {
		return nil, err
	}
	return created, nil
}

// DefaultCases is how many fictional cases `escudo demo` seeds unless told
// otherwise; the test that no combination of clear columns singles a person
// out (internal/store, TestStolenDatabaseIdentifiesNobody) runs at this size.
const DefaultCases = 200

// recentShare of the demo's requests arrive in its last 60 days, so the
// backlog board has cases at every stage with running and breached clocks.
const recentShare = 0.3

// Options configure Seed.
type Options struct {
	Seed     uint64
	Cases    int
	Now      time.Time // end of the simulated period; defaults to the clock's time
	Password string    // for every demo account
	// Progress, when set, is called after each applied action.
	Progress func(done, total int)
}

// Result is what Seed created.
type Result struct {
	Users    map[string]*escudo.User
	Requests []Request
	Receipts []escudo.Receipt
	Console  *Console
	Task     int64 // the demo contractor's open task
	// WitnessKey is the authenticator app key of WitnessUsername.
	WitnessKey string
	// AgencyRequests are the requests to agencies in every entity.
	AgencyRequests *requests.Result
}

// Seed creates the demo accounts and replays the generated requests through
// the store's own methods (FileRequest, DecideAdmission, AssignCase,
// RecordMilestone, AddNote) in time order, with clock set to each action's
// time and the acting staff member in the context, so timelines, clocks,
// notifications and the audit log read as if the two years had happened. The
// clock scheduler's sweep runs along the way (every two weeks, then daily
// for the last month) so breaches and escalations appear when they would have. On return
// the clock stands at Now; call clock.Live before serving.
func Seed(ctx context.Context, db *store.DB, clock *Clock, o Options) (*Result, error) {
	if o.Now.IsZero() {
		o.Now = clock.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Minute)
	reqs := generate(o.Seed, o.Cases, o.Now, recentShare)
	start := o.Now.Add(-731 * day)
	clock.Set(start)
	users, err := CreateStaff(ctx, db, o.Password)
	if err != nil {
		return nil, err
	}
	ag, err := newAgencies(ctx, db)
	if err != nil {
		return nil, err
	}
	res := &Result{Users: users, Requests: reqs, Receipts: make([]escudo.Receipt, len(reqs))}

	type op struct {
		at   time.Time
		req  int
		step int // -1: filing
	}
	var ops []op
	for i, r := range reqs {
		ops = append(ops, op{r.Case.ReceivedAt, i, -1})
		for j, s := range r.Steps {
			ops = append(ops, op{s.At, i, j})
		}
	}
	sort.SliceStable(ops, func(a, b int) bool { return ops[a].at.Before(ops[b].at) })

	nextSweep := start.Add(14 * day)
	sweepUntil := func(t time.Time) error {
		for !nextSweep.After(t) {
			clock.Set(nextSweep)
			if err := sweep(ctx, db); err != nil {
				return err
			}
			if nextSweep.Before(o.Now.Add(-30 * day)) {
				nextSweep = nextSweep.Add(14 * day)
			} else {
				nextSweep = nextSweep.Add(day)
			}
		}
		return nil
	}
	cases := make([]*escudo.Case, len(reqs))
	people := make([]*escudo.Person, len(reqs))
	for k, op := range ops {
		if err := sweepUntil(op.at); err != nil {
			return nil, err
		}
		clock.Set(op.at)
		r := &reqs[op.req]
		if op.step < 0 {
			c, p := r.Case, r.Person
			var actx context.Context = ctx
			if c.Channel != escudo.ChannelWeb {
				actx = escudo.NewContextWithUser(ctx, users[receptionists[op.req%len(receptionists)]])
			}
			rc, err := db.FileRequest(actx, &c, &p)
			if err != nil {
				return nil, fmt.Errorf("demo: file request %d: %w", op.req, err)
			}
			res.Receipts[op.req], cases[op.req], people[op.req] = *rc, &c, &p
			if c.ImminentDanger {
				if err := closeRequestAlert(ctx, db, users["guardia"], p.ID); err != nil {
					return nil, err
				}
			}
		} else {
			s := r.Steps[op.step]
			if s.InfoAnswer != "" {
				rc := res.Receipts[op.req]
				if err := db.AnswerInfoRequest(ctx, rc.Reference, rc.Code, s.InfoAnswer); err != nil {
					return nil, fmt.Errorf("demo: request %d answer: %w", op.req, err)
				}
				if o.Progress != nil {
					o.Progress(k+1, len(ops))
				}
				continue
			}
			actor := users[s.Actor]
			if actor == nil {
				return nil, fmt.Errorf("demo: unknown actor %q", s.Actor)
			}
			actx := escudo.NewContextWithUser(ctx, actor)
			id := res.Receipts[op.req].CaseID
			var err error
			switch {
			case s.Admission != nil:
				err = db.DecideAdmission(actx, id, *s.Admission)
			case s.AssignTo != "":
				err = db.AssignCase(actx, id, users[s.AssignTo].ID, s.Note)
			case s.Milestone == escudo.MilestoneEvaluated || s.Milestone == escudo.MilestoneReevaluated:
				// A real evaluation, which records the milestone itself.
				reason := escudo.ReasonInitial
				if s.Milestone == escudo.MilestoneReevaluated {
					reason = escudo.ReasonScheduled
				}
				err = evaluateCase(actx, db, id, escudo.EvaluationFull, reason, people[op.req], cases[op.req], uint64(op.req)<<8|uint64(op.step)) // #nosec G115 -- indexes of the generated requests and their steps, small and never negative
			case s.Milestone == escudo.MilestoneUrgentIssued:
				// The immediate-action evaluation comes before the urgent measures.
				err = evaluateCase(actx, db, id, escudo.EvaluationImmediate, escudo.ReasonInitial, people[op.req], cases[op.req], uint64(op.req)<<8|0xff) // #nosec G115 -- index of a generated request, small and never negative
				if err == nil {
					err = issueUrgent(actx, db, ag, id, people[op.req], s.Note)
				}
			case s.Milestone == escudo.MilestoneUrgentImplemented:
				// The coordination follows the urgent measures into place; their
				// milestone records itself.
				_, err = implement(escudo.NewContextWithUser(ctx, users["coordinacion"]), db, id, escudo.SourceUrgent)
			case s.Milestone == escudo.MilestoneMeasuresImplemented:
				var had bool
				had, err = implement(escudo.NewContextWithUser(ctx, users["coordinacion"]), db, id, escudo.SourceBoard)
				if err == nil && !had {
					// A resolution of the demo's past carries no measures in escudo:
					// their implementation is history.
					err = db.ImportMeasureMilestone(actx, id, s.Milestone, s.Note)
				}
			case s.Milestone == escudo.MilestoneResolved:
				// A resolution of the week's Board session (board.go).
				_, err = db.ImportResolution(actx, id, "", s.Note)
			case s.Milestone != "":
				err = db.RecordMilestone(actx, id, s.Milestone, time.Time{}, s.Note)
			default:
				err = db.AddNote(actx, id, s.Note)
			}
			if err != nil {
				return nil, fmt.Errorf("demo: request %d step %d (%s%s): %w", op.req, op.step, s.Milestone, s.Actor, err)
			}
		}
		if o.Progress != nil {
			o.Progress(k+1, len(ops))
		}
	}
	if err := sweepUntil(o.Now); err != nil {
		return nil, err
	}
	clock.Set(o.Now)
	if err := sweep(ctx, db); err != nil {
		return nil, err
	}
	if res.Console, err = seedConsole(ctx, db, clock, users, people, o.Now); err != nil {
		return nil, err
	}
	urgent, receipts, err := seedUnassignedUrgent(ctx, db, clock, users["guardia"], o.Seed, o.Now)
	if err != nil {
		return nil, err
	}
	res.Requests, res.Receipts = append(res.Requests, urgent...), append(res.Receipts, receipts...)
	if res.Task, err = seedTasks(ctx, db, users, res, people); err != nil {
		return nil, err
	}
	if res.WitnessKey, err = seedWitness(ctx, db, users); err != nil {
		return nil, err
	}
	measureReqs, measureReceipts, err := seedMeasureCases(ctx, db, clock, users, ag, o.Now)
	if err != nil {
		return nil, err
	}
	res.Requests, res.Receipts = append(res.Requests, measureReqs...), append(res.Receipts, measureReceipts...)
	riskReqs, riskReceipts, err := SeedAssessmentsAndAppeals(ctx, db, clock, users, o.Now)
	if err != nil {
		return nil, err
	}
	res.Requests, res.Receipts = append(res.Requests, riskReqs...), append(res.Receipts, riskReceipts...)
	boardReqs, boardReceipts, err := SeedBoard(ctx, db, clock, users, riskReceipts[0].CaseID, o.Now)
	if err != nil {
		return nil, err
	}
	res.Requests, res.Receipts = append(res.Requests, boardReqs...), append(res.Receipts, boardReceipts...)
	// The directory, and an IACHR measure on the Oaxaca coast journalist's case, the last of the Board's.
	if err := directory.Seed(ctx, db, o.Now, users["admin"], users["analista"], boardReceipts[len(boardReceipts)-1].CaseID); err != nil {
		return nil, err
	}
	if err := seedSafeHouses(ctx, db, clock, users, o.Now); err != nil {
		return nil, err
	}
	workReqs, workReceipts, err := seedWorkload(ctx, db, users, o.Seed, o.Now)
	if err != nil {
		return nil, err
	}
	res.Requests, res.Receipts = append(res.Requests, workReqs...), append(res.Receipts, workReceipts...)
	// Requests come from a case in process in each entity, else from any
	// case there, so every entity has some.
	var open, rest []requests.Case
	for i, r := range res.Requests {
		c := requests.Case{ID: res.Receipts[i].CaseID, Entity: r.Person.Entity}
		if r.Stage != escudo.StageReception && r.Stage != escudo.StageClosed {
			open = append(open, c)
		} else {
			rest = append(rest, c)
		}
	}
	open = append(open, rest...)
	if res.AgencyRequests, err = requests.Seed(ctx, db, open, requests.Options{Now: o.Now, SetClock: clock.Set, Police: ag.state, Sender: users["coordinacion"]}); err != nil {
		return nil, err
	}
	if err := prevention.Seed(ctx, db, clock.Set, users, prevention.Cases{Shelter: riskReceipts[0].CaseID, Gerardi: boardReceipts[0].CaseID,
		Montana: boardReceipts[1].CaseID, Journalist: boardReceipts[2].CaseID, Others: caseIDs(res.Receipts[:len(reqs)])}, o.Now); err != nil {
		return nil, err
	}
	// The beneficiary's account is the Oaxaca coast journalist's; a
	// collective's representative speaks for the Saltillo shelter.
	if err := portal.Seed(ctx, db, clock.Set, users, portal.Cases{Journalist: boardReceipts[2].CaseID, Shelter: riskReceipts[0].CaseID}, o.Password, o.Now); err != nil {
		return nil, err
	}
	// The trust fund's ledger pays for the measures granted above.
	if err := seedFunds(ctx, db, clock, users, o.Now); err != nil {
		return nil, err
	}
	// Every complete month and fund quarter is published, as the job
	// runner would have done at the turn of each.
	clock.Set(o.Now)
	if _, err := db.PublishStatistics(ctx, 1000); err != nil {
		return nil, err
	}
	return res, nil
}

func caseIDs(rs []escudo.Receipt) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.CaseID
	}
	return out
}

func sweep(ctx context.Context, db *store.DB) error {
	for {
		found, err := db.SweepClocks(ctx, 500)
		if err != nil {
			return fmt.Errorf("demo: sweep clocks: %w", err)
		}
		if len(found) < 500 {
			return nil
		}
	}
}

// Bulk converts requests for store.FileRequests, with staff usernames
// resolved to the ids in users.
func Bulk(reqs []Request, users map[string]*escudo.User) ([]store.BulkRequest, error) {
	id := func(name string) (int64, error) {
		if name == "" {
			return 0, nil
		}
		u := users[name]
		if u == nil {
			return 0, fmt.Errorf("demo: unknown user %q", name)
		}
		return u.ID, nil
	}
	out := make([]store.BulkRequest, len(reqs))
	for i := range reqs {
		r := &reqs[i]
		c, p := r.Case, r.Person
		if c.Channel != escudo.ChannelWeb {
			c.CreatedBy, _ = id(receptionists[i%len(receptionists)])
		}
		b := store.BulkRequest{Case: &c, Person: &p, Steps: make([]store.BulkStep, 0, len(r.Steps))}
		for _, s := range r.Steps {
			if s.InfoAnswer != "" {
				continue // the bulk loader writes staff actions only
			}
			actor, err := id(s.Actor)
			if err != nil {
				return nil, err
			}
			assign, err := id(s.AssignTo)
			if err != nil {
				return nil, err
			}
			st := store.BulkStep{At: s.At, Actor: actor, Admission: s.Admission, Milestone: s.Milestone, AssignTo: assign, Note: s.Note}
			if s.Milestone == escudo.MilestoneResolved {
				// Past resolutions of the weekly Board sessions.
				st.Milestone, st.Resolution = "", true
				if c.Procedure == escudo.ProcedureExtraordinary {
					st.Level = escudo.RiskExtraordinary
				}
			}
			b.Steps = append(b.Steps, st)
		}
		out[i] = b
	}
	return out, nil
}

// seedUnassignedUrgent files two requests declaring imminent danger in the
// last hours, by telephone, that nobody has been assigned yet: the duty
// operator took each call off the console and channelled it to the
// extraordinary procedure, and the coordinator's dashboard shows them
// waiting for someone responsible. They are drawn from their own seed, so
// the rest of the demo stays as it was.
func seedUnassignedUrgent(ctx context.Context, db *store.DB, clock *Clock, duty *escudo.User, seed uint64, now time.Time) ([]Request, []escudo.Receipt, error) {
	var out []Request
	var receipts []escudo.Receipt
	for i, r := range Generate(seed^0x5eed, 2, now) {
		at := now.Add(-[]time.Duration{40 * time.Minute, 2*time.Hour + 15*time.Minute}[i]).Truncate(time.Minute)
		clock.Set(at)
		c, p := r.Case, r.Person
		c.ReceivedAt, c.Channel, c.ReferredBy = at, escudo.ChannelHotline, ""
		c.ImminentDanger, c.Procedure = true, escudo.ProcedureExtraordinary
		rc, err := db.FileRequest(ctx, &c, &p)
		if err != nil {
			return nil, nil, fmt.Errorf("demo: file urgent request: %w", err)
		}
		clock.Set(at.Add(4 * time.Minute))
		if err := closeRequestAlert(ctx, db, duty, p.ID); err != nil {
			return nil, nil, err
		}
		out, receipts = append(out, Request{Case: c, Person: p, Stage: escudo.StageReception}), append(receipts, *rc)
	}
	clock.Set(now)
	return out, receipts, nil
}

// Package access decides, on the server, who may do what to which object
// and which compartments of its data they may see. The permission table is
// code (table.go) and is rendered to docs/permissions.md by a test, so the
// document never drifts from what the server enforces.
//
// A decision combines three things: the role's rule for the action (the
// table), the object's relation to the user (federal entity, assignment,
// the beneficiary's own record, a contractor's task, a consent record) and
// the compartments of data the rule and any grant allow.
package access

import (
	"context"
	"fmt"
	"slices"

	"escudo"
)

// Action names something a user does.
type Action string

// Actions. The dotted names appear in the audit log.
const (
	CaseList           Action = "case.list"
	CaseRead           Action = "case.read"
	CaseReadSensitive  Action = "case.read.sensitive" // narrative, aggressors, notes
	CaseCreate         Action = "case.create"
	CaseAdmission      Action = "case.admission"
	CaseAssign         Action = "case.assign"
	CaseMilestone      Action = "case.milestone"
	CaseNote           Action = "case.note"
	PersonReadIdentity Action = "person.read.identity"
	PersonReadLocation Action = "person.read.location"
	PersonUpdate       Action = "person.update"
	ConsentManage      Action = "consent.manage"
	ConsentRead        Action = "consent.read"
	DeviceRead         Action = "device.read"
	DeviceManage       Action = "device.manage"
	AlertRead          Action = "alert.read"
	AlertRespond       Action = "alert.respond"
	DrillRun           Action = "drill.run" // test alerts through the whole chain, and their results
	StatsRead          Action = "stats.read"
	DashboardRead      Action = "dashboard.read" // the coordination's dashboard: counts, workload, response times
	WorkloadRead       Action = "workload.read"  // cases in and out of each stage, officers' loads by name, when each stage's stock clears
	UserManage         Action = "user.manage"
	SystemRead         Action = "system.read" // the nodes serving and the scheduled work: when each job last ran, where, whether it failed
	TaskManage         Action = "task.manage" // give a contractor or liaison a task on a case, close it
	AuditRead          Action = "audit.read"
	AuditExport        Action = "audit.export"
	AuditVerify        Action = "audit.verify" // check the chain and the signed checkpoints, see no entry's content
	KeysRotate         Action = "keys.rotate"
	// Risk evaluation (docs/risk.md). Reading an evaluation is reading the
	// risk compartment: narrative, threats, answers. The explanation is the
	// plain-language page the beneficiary gets.
	RiskRead        Action = "risk.read"
	RiskExplain     Action = "risk.explain"
	RiskDraft       Action = "risk.draft"       // start and save an evaluation
	RiskSubmit      Action = "risk.submit"      // submit it: the level is recorded and its clock stops
	RiskAssessment  Action = "risk.assessment"  // record another body's assessment (IACHR, CNDH, state commissions)
	RiskAppeal      Action = "risk.appeal"      // file the beneficiary's disagreement (inconformidad)
	RiskAppealRule  Action = "risk.appeal.rule" // commission the independent study and rule on a disagreement
	RiskCalibration Action = "risk.calibration" // levels by analyst, entity, gender, ethnic identity, profile
	// The Governing Board (internal/board). Reading the Board is its
	// sessions, agendas with the cases' names and evaluated levels (never
	// addresses), attendance, quorum checks, resolutions and minutes.
	BoardRead    Action = "board.read"
	BoardManage  Action = "board.manage"  // the technical secretariat: sessions, agenda, attendance, quorum, minutes draft and final
	BoardRecord  Action = "board.record"  // record a resolution with its named votes
	BoardMinutes Action = "board.minutes" // propose an amendment to the minutes (attendees)
	// Granted measures (docs/measures.md). A liaison reaches only the
	// measures addressed to their agency (scope agency).
	MeasureRead      Action = "measure.read"      // a case's measures, a measure's page and history
	MeasureDashboard Action = "measure.dashboard" // counts by status, kind and agency, overdue ages
	MeasureMove      Action = "measure.move"      // move a measure along its lifecycle, as the role allows
	MeasureUrgent    Action = "measure.urgent"    // issue urgent measures in the extraordinary procedure
	MeasureConfirm   Action = "measure.confirm"   // the beneficiary's confirmation, rejection or rating
	MeasureManage    Action = "measure.manage"    // costs and who pays them
	AgencyManage     Action = "agency.manage"     // list, add and edit implementing agencies; name a liaison's agency
	// DirectoryRead: the directory of bodies (docs/directory.md), their
	// institutional contacts, liaisons by name and each federal entity's
	// cooperation agreement; no case data.
	DirectoryRead Action = "directory.read"
	// Inter-agency requests (docs/coordination.md). A liaison reaches only
	// the requests addressed to their agency (scope agency).
	RequestRead        Action = "request.read"        // a case's requests, a request's page and history, the list
	RequestSend        Action = "request.send"        // send one from a case; a new link; a receipt or answer received otherwise; cancel
	RequestRespond     Action = "request.respond"     // acknowledge receipt and record the answer, signed in
	RequestPerformance Action = "request.performance" // requests sent, acknowledged, completed, overdue and their times, per agency and entity
	// LetterRead: a resolution's letters (the beneficiary's notification,
	// the agencies' instructions) as HTML and PDF; their content is the
	// case's names, reasons and threats.
	LetterRead Action = "letter.read"
	// Safe houses (docs/safehouses.md). The registry is open only to the
	// people named on its list (scope Named); asking for a place for a case
	// shows its status, never where.
	SafeHouseRead    Action = "safehouse.read"    // the registry: houses, occupancy, pending requests
	SafeHouseManage  Action = "safehouse.manage"  // add a house, take one out of service
	SafeHouseAssign  Action = "safehouse.assign"  // assign a request a house, release it
	SafeHouseRequest Action = "safehouse.request" // ask for a place for a case and see whether one is assigned
	SafeHouseName    Action = "safehouse.name"    // name and un-name the people of the registry's list, seeing no house
	// Incidents and investigations (docs/prevention.md). What happened,
	// by whom and where is read with the case's compartments: the
	// description and evidence with risk, the exact place with location.
	IncidentRead        Action = "incident.read"        // a case's incidents and their investigations
	IncidentRecord      Action = "incident.record"      // record an incident on a case
	InvestigationManage Action = "investigation.manage" // add an investigation, record its progress and status
	PreventionRead      Action = "prevention.read"      // patterns, early warnings and the impunity table: counts across cases
	// The beneficiary portal (docs/portal.md): the person's own case in
	// plain words, and their voice on it.
	PortalRead Action = "portal.read" // their case, clocks, measures, letters, devices, who read their data
	PortalAct  Action = "portal.act"  // confirm, dispute or rate a measure; report an incident; ask to be heard; appeal; answer; contact and consent
	// PortalInvite: a case's portal accounts (the beneficiary's, a
	// collective's representatives') with the addresses their invitations
	// went to; invite, revoke an invitation, disable an account, recover
	// an account with a witness (docs/accounts.md).
	PortalInvite Action = "portal.invite"
	// The trust fund (docs/funds.md): its ledger and contracts with the
	// withheld items' details; no case data, measures by number only.
	FundRead   Action = "fund.read"   // the ledger, balances and contracts of a fiscal year
	FundRecord Action = "fund.record" // record budget, contracts, commitments, payments and reversals
)

// Actions lists every action in the order of the rendered table.
var Actions = []Action{CaseList, CaseRead, CaseReadSensitive, CaseCreate, CaseAdmission, CaseAssign,
	CaseMilestone, CaseNote, PersonReadIdentity, PersonReadLocation, PersonUpdate, ConsentManage,
	ConsentRead, DeviceRead, DeviceManage, AlertRead, AlertRespond, DrillRun, StatsRead, DashboardRead, WorkloadRead, UserManage, SystemRead, TaskManage, AuditRead,
	AuditExport, AuditVerify, KeysRotate, RiskRead, RiskExplain, RiskDraft, RiskSubmit, RiskAssessment,
	RiskAppeal, RiskAppealRule, RiskCalibration, MeasureRead, MeasureDashboard, MeasureMove, MeasureUrgent,
	MeasureConfirm, MeasureManage, AgencyManage, DirectoryRead, BoardRead, BoardManage, BoardRecord, BoardMinutes, SafeHouseRead, SafeHouseManage, SafeHouseAssign, SafeHouseRequest, SafeHouseName, LetterRead,
	RequestRead, RequestSend, RequestRespond, RequestPerformance,
	IncidentRead, IncidentRecord, InvestigationManage, PreventionRead, PortalRead, PortalAct, PortalInvite, FundRead, FundRecord}

// Compartments of data, as in the vault. A decision lists the ones the user
// may see; fields of other compartments are withheld.
const (
	Identity  = "identity"  // names, phones, e-mails, relatives, members
	Location  = "location"  // addresses, coordinates
	Risk      = "risk"      // narratives, aggressors, notes, threats
	Logistics = "logistics" // escorts, device secrets
	// SafeHouse is the safe-house registry's compartment. It is in no
	// role's case fields and no consent record or task can grant it: only
	// the rules of scope Named show it.
	SafeHouse = "safehouse"
)

// PersonFields names the compartment of each field of a person, by its
// JSON name: a reader sees a field only when the decision shows its
// compartment. The fields it does not name (personRouting) are what routing
// needs and every reader of the person sees.
var PersonFields = map[string]string{
	"name": Identity, "alias": Identity, "gender": Identity, "ethnicity": Identity, "language": Identity,
	"occupation": Identity, "organization": Identity, "phone": Identity, "email": Identity,
	"contact": Identity, "relatives": Identity, "members": Identity,
	"municipality": Location, "address": Location,
}

// PersonRouting lists the fields of a person every reader of it sees.
var PersonRouting = []string{"id", "kind", "profile", "federal_entity", "created_at", "updated_at"}

// AllCompartments lists every compartment of a case's data. The
// safe-house compartment is not among them: it belongs to the registry.
var AllCompartments = []string{Identity, Location, Risk, Logistics}

// Scope is how far a rule reaches.
type Scope int

const (
	None    Scope = iota // never
	Any                  // every object
	Entity               // objects in the user's federal entity (liaisons)
	Task                 // cases with a task assigned to the user (contractors)
	Consent              // people who granted the user a consent record (reviewers)
	Own                  // the beneficiary's own person and cases
	Agency               // measures and requests addressed to the liaison's agency, or to them by name
	Named                // users named on the safe-house registry's list
)

func (s Scope) String() string {
	switch s {
	case Any:
		return "all"
	case Entity:
		return "entity"
	case Task:
		return "task"
	case Consent:
		return "consent"
	case Own:
		return "own"
	case Agency:
		return "agency"
	case Named:
		return "named"
	}
	return "—"
}

// Rule is one cell of the table: how far the role reaches for the action
// and which compartments it may see there. For Task and Consent scopes the
// grant narrows Fields further.
type Rule struct {
	Scope  Scope
	Fields []string
}

// Object is what an action is done to. Only the attributes that rules look
// at are needed; zero values mean "not applicable".
type Object struct {
	Kind       string // "case", "person", "device", "alert", "user", "audit", "consent"
	ID         int64
	CaseID     int64  // the case, for cases and things on a case
	PersonID   int64  // the beneficiary the object belongs to
	Entity     string // federal entity of the object
	AssignedTo int64  // staff member assigned to the case
	Agency     string // measures: the implementing agency's code
	LiaisonID  int64  // measures: the liaison it is addressed to by name
}

// Decision is the answer to one question. Reason is a short code for the
// audit log and logs ("role", "entity", "no_consent", ...), never user data.
type Decision struct {
	Allowed bool
	Reason  string
	Fields  []string // compartments the user may see on this object
}

// Grants answers the questions that need stored records: consent given by a
// beneficiary and tasks assigned to a contractor. The store implements it.
type Grants interface {
	// ConsentScope returns the compartments that unexpired, unrevoked consent
	// records of the person grant to the user (by name or organisation).
	ConsentScope(ctx context.Context, u *escudo.User, personID int64) ([]string, error)
	// TaskScope returns the compartments that open tasks assigned to the user
	// grant on the case (caseID 0: on any case of the person).
	TaskScope(ctx context.Context, u *escudo.User, personID, caseID int64) ([]string, error)
	// Named reports whether the user is on the safe-house registry's list
	// now: it is read on every decision, so un-naming someone takes effect
	// on their next request.
	Named(ctx context.Context, u *escudo.User) (bool, error)
}

// Policy decides with the table and, for grant-based scopes, the stored
// grants. A Policy without Grants denies every grant-based rule.
type Policy struct {
	Grants Grants
}

// Decide answers with the table only: rules that need a consent record or a
// task are denied. Handlers use Policy.Decide.
func Decide(u *escudo.User, a Action, o Object) Decision {
	return (&Policy{}).Decide(context.Background(), u, a, o)
}

// DecideRole answers whether the user's role may ever do the action, on
// some object: the gate in front of a route, before the object is known.
// Object-level rules still apply through Policy.Decide.
func DecideRole(u *escudo.User, a Action) Decision {
	if u == nil {
		return Decision{Reason: "anonymous"}
	}
	if u.Disabled {
		return Decision{Reason: "disabled"}
	}
	if rule, ok := RuleFor(u.Role, a); ok && rule.Scope != None {
		return Decision{Allowed: true, Reason: rule.Scope.String(), Fields: rule.Fields}
	}
	return Decision{Reason: "role"}
}

// needs names the compartment an action is about, when it is about one.
var needs = map[Action]string{
	CaseReadSensitive:  Risk,
	RiskRead:           Risk,
	RiskExplain:        Risk,
	PersonReadIdentity: Identity,
	PersonReadLocation: Location,
}

// Decide answers whether u may do a to o, and what of o they may see. It
// fails closed: an unknown role or action, a disabled user or a grant look-up
// error is a denial.
func (p *Policy) Decide(ctx context.Context, u *escudo.User, a Action, o Object) Decision {
	if u == nil {
		return Decision{Reason: "anonymous"}
	}
	if u.Disabled {
		return Decision{Reason: "disabled"}
	}
	rule, ok := RuleFor(u.Role, a)
	if !ok || rule.Scope == None {
		return Decision{Reason: "role"}
	}
	fields := rule.Fields
	switch rule.Scope {
	case Any:
	case Entity:
		// A liaison without an entity sees nothing rather than everything.
		if u.Entity == "" || o.Entity == "" || o.Entity != u.Entity {
			return Decision{Reason: "entity"}
		}
	case Own:
		if u.PersonID == 0 || o.PersonID != u.PersonID {
			return Decision{Reason: "not_own"}
		}
	case Agency:
		// A liaison without an agency reaches nothing rather than everything.
		if !(u.Agency != "" && o.Agency == u.Agency) && !(o.LiaisonID != 0 && o.LiaisonID == u.ID) {
			return Decision{Reason: "agency"}
		}
	case Named:
		if p.Grants == nil {
			return Decision{Reason: "not_named"}
		}
		named, err := p.Grants.Named(ctx, u)
		if err != nil {
			return Decision{Reason: "grant_error"}
		}
		if !named {
			return Decision{Reason: "not_named"}
		}
	case Task, Consent:
		if p.Grants == nil || o.PersonID == 0 && o.CaseID == 0 {
			return Decision{Reason: "no_" + rule.Scope.String()}
		}
		var granted []string
		var err error
		if rule.Scope == Task {
			granted, err = p.Grants.TaskScope(ctx, u, o.PersonID, o.CaseID)
		} else {
			granted, err = p.Grants.ConsentScope(ctx, u, o.PersonID)
		}
		if err != nil {
			return Decision{Reason: "grant_error"}
		}
		if granted == nil {
			return Decision{Reason: "no_" + rule.Scope.String()}
		}
		fields = intersect(fields, granted)
	default:
		return Decision{Reason: "role"}
	}
	if c, ok := needs[a]; ok && !slices.Contains(fields, c) {
		return Decision{Reason: "compartment"}
	}
	return Decision{Allowed: true, Reason: rule.Scope.String(), Fields: fields}
}

func intersect(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// RuleFor returns the table's rule for a role and an action.
func RuleFor(r escudo.Role, a Action) (Rule, bool) {
	rules, ok := table[r]
	if !ok {
		return Rule{}, false
	}
	rule, ok := rules[a]
	return rule, ok
}

// Error is the error handlers return for a denial: forbidden, with the
// reason kept for logs.
func Error(d Decision) error {
	return &escudo.Error{Code: escudo.EFORBIDDEN, Key: "error.forbidden", Args: map[string]any{"reason": d.Reason}}
}

// Sees reports whether the decision shows compartment c.
func (d Decision) Sees(c string) bool { return d.Allowed && slices.Contains(d.Fields, c) }

// String is for logs.
func (d Decision) String() string {
	return fmt.Sprintf("allowed=%v reason=%s fields=%v", d.Allowed, d.Reason, d.Fields)
}

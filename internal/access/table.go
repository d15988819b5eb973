package access

import "escudo"

// Shorthands for the table.
var (
	all      = AllCompartments
	noFields = []string{}
	idLoc    = []string{Identity, Location}
	idRisk   = []string{Identity, Risk}
	locLog   = []string{Location, Logistics}
	// named is the safe-house registry's cell: only people on its list,
	// and only there, see the safe-house compartment.
	named = r(Named, []string{SafeHouse})
)

func r(s Scope, f []string) Rule { return Rule{Scope: s, Fields: f} }

// table is the permission table: role → action → rule. Anything absent is
// denied. The reasons behind the less obvious cells:
//
//   - Administrators manage accounts and keys but read no case: running the
//     server is not a reason to know who is protected or where.
//   - Board members decide on the risk evaluation; they see the case's risk
//     compartment and the beneficiary's name, never addresses.
//   - The Consultative Council advises on policy and sees statistics; its
//     four seats on the Governing Board see the Board's sessions as the
//     other seats do (names and risk, never addresses).
//   - The coordination is the Board's technical secretariat: it runs the
//     sessions and records what the Board decides; the Board's members
//     read them and propose amendments to the minutes of sessions they
//     attended.
//   - Agency liaisons implement measures in their own federal entity: they
//     need who and where, but not the narrative or the named aggressors,
//     because the aggressors are sometimes the very authorities they belong to.
//     They reach a case or person only through a task or request addressed
//     to them, and the alerts routed to their entity.
//   - Contractors (security company technicians) reach only cases with a task
//     assigned to them, and only the compartments the task grants.
//   - External reviewers reach only what a beneficiary's consent record names.
//   - Beneficiaries see all of their own case and control its consent.
//   - Auditors verify the audit log and read statistics, never case data.
//   - Granted measures: reception and the duty desk issue urgent ones
//     and tell the agency; follow-up and the coordination follow every
//     measure, record the beneficiary's word, the costs and who pays; a
//     liaison sees and moves only the measures addressed to their agency
//     (the sealed details they implement with, never the narrative); the
//     Board sees the measures of the cases it decides; the beneficiary
//     sees and confirms their own (the portal adds the pages).
//   - The dashboard (breaches, unassigned urgent cases, workload per
//     person, response times) is the coordination's: it is how the
//     coordinator redistributes work, and the workload of named colleagues
//     is not every analyst's or operator's business.
//   - Safe houses: the registry (where each house is, who is in it) opens
//     only to the people an administrator named on its list, whatever
//     their role; the cells of scope Named are the roles that may be named
//     (reception and rapid reaction, duty, follow-up, coordination), and
//     the coordinator is not named by default. The administrator names and
//     un-names people without seeing the registry. Staff who work a case
//     and the beneficiary on their own case ask for a place and see only
//     whether one is assigned, never where.
//   - The directory (bodies, contacts, liaisons, agreements) is for who
//     coordinates with other authorities: reception and the duty desk
//     (urgent measures go to a state's police and prosecutor the same
//     night), follow-up (chasing implementation) and the coordination
//     (agreements, official requests). Analysts evaluate and write to no
//     authority; administrators keep it on their own page
//     (agency.manage); liaisons and contractors are outside the
//     Mechanism and never see who else acts for whom.
//   - Other bodies' protection beside the Mechanism's (/cases/{id}/protection)
//     is read as the case's risk is (risk.read), with the Mechanism's
//     measures only for who reads them (measure.read).
//   - Inter-agency requests: every unit that works a case may ask another
//     agency for something (reception and the duty desk ask for police
//     support in an emergency, analysts for information); follow-up and
//     the coordination also record answers that came on paper. A liaison
//     reads and answers only what is addressed to their agency, with the
//     beneficiary's name and place only when the request needs them. How
//     agencies perform is accountability: the coordination, follow-up,
//     the Consultative Council and the auditors see it; it names agencies
//     and entities, never people.
//   - Incidents: the staff who work cases read and record them (reception
//     and the duty desk hear of them first); follow-up and the
//     coordination manage the investigations and read the patterns,
//     warnings and impunity table, which analysts read too for context.
//     The Board reads the incidents of the cases it decides (names and
//     risk, never the exact place). Liaisons and contractors never see
//     incidents: the presumed aggressor may be their own authority.
//     Beneficiaries report and read their own in the portal.
//   - The portal (/portal) opens only to beneficiaries, on their own
//     cases: a collective's representatives hold accounts of the
//     collective's person and reach its case, never a member's own.
//   - Portal accounts: the units that speak with beneficiaries invite
//     them to the portal and recover their accounts (reception at
//     admission, follow-up, the coordination); the addresses shown are the
//     ones the invitations went to.
//   - The trust fund: the coordination runs it and administrators keep
//     its books, so both record budget, contracts, commitments and
//     payments; auditors read the ledger and the withheld details of
//     contracts. Payments name a granted measure by number, never a person.
var table = map[escudo.Role]map[Action]Rule{
	escudo.RoleReception: {
		PortalInvite: r(Any, []string{Identity}),
		RequestRead:  r(Any, all), RequestSend: r(Any, all),
		IncidentRead: r(Any, all), IncidentRecord: r(Any, all),
		CaseList: r(Any, all), CaseRead: r(Any, all), CaseReadSensitive: r(Any, all),
		CaseCreate: r(Any, all), CaseAdmission: r(Any, all), CaseAssign: r(Any, all), CaseNote: r(Any, all),
		// Reception and rapid reaction are one unit: it records urgent measures.
		CaseMilestone:      r(Any, all),
		PersonReadIdentity: r(Any, all), PersonReadLocation: r(Any, all), PersonUpdate: r(Any, all),
		ConsentRead: r(Any, noFields),
		// The rapid reaction unit makes the immediate-action evaluation
		// of the extraordinary procedure (the procedure rules keep the
		// full one for analysts).
		RiskRead: r(Any, all), RiskExplain: r(Any, all), RiskDraft: r(Any, all), RiskSubmit: r(Any, all),
		RiskAppeal:  r(Any, noFields),
		MeasureRead: r(Any, all), MeasureMove: r(Any, all), MeasureUrgent: r(Any, all),
		SafeHouseRequest: r(Any, noFields), SafeHouseRead: named, SafeHouseAssign: named, SafeHouseManage: named,
		LetterRead:    r(Any, noFields),
		DirectoryRead: r(Any, noFields),
	},
	escudo.RoleDuty: {
		RequestRead: r(Any, all), RequestSend: r(Any, all),
		IncidentRead: r(Any, all), IncidentRecord: r(Any, all),
		CaseList: r(Any, all), CaseRead: r(Any, all), CaseReadSensitive: r(Any, all),
		CaseCreate: r(Any, all), CaseMilestone: r(Any, all), CaseNote: r(Any, all),
		PersonReadIdentity: r(Any, all), PersonReadLocation: r(Any, all), PersonUpdate: r(Any, all),
		ConsentRead: r(Any, noFields),
		DeviceRead:  r(Any, all), AlertRead: r(Any, all), AlertRespond: r(Any, all), DrillRun: r(Any, noFields),
		RiskRead: r(Any, all), RiskExplain: r(Any, all),
		MeasureRead: r(Any, all), MeasureMove: r(Any, all), MeasureUrgent: r(Any, all),
		LetterRead:       r(Any, noFields),
		SafeHouseRequest: r(Any, noFields), SafeHouseRead: named, SafeHouseAssign: named,
		DirectoryRead: r(Any, noFields),
	},
	escudo.RoleAnalyst: {
		RequestRead: r(Any, all), RequestSend: r(Any, all),
		IncidentRead: r(Any, all), IncidentRecord: r(Any, all), PreventionRead: r(Any, noFields),
		CaseList: r(Any, all), CaseRead: r(Any, all), CaseReadSensitive: r(Any, all),
		CaseMilestone: r(Any, all), CaseNote: r(Any, all),
		PersonReadIdentity: r(Any, all), PersonReadLocation: r(Any, all),
		ConsentRead: r(Any, noFields), StatsRead: r(Any, noFields),
		RiskRead: r(Any, all), RiskExplain: r(Any, all), RiskDraft: r(Any, all), RiskSubmit: r(Any, all),
		RiskAssessment: r(Any, all), RiskCalibration: r(Any, noFields),
		MeasureRead: r(Any, []string{Identity, Risk}),
		LetterRead:  r(Any, noFields),
	},
	escudo.RoleFollowUp: {
		PortalInvite: r(Any, []string{Identity}),
		RequestRead:  r(Any, all), RequestSend: r(Any, all), RequestRespond: r(Any, noFields), RequestPerformance: r(Any, noFields),
		IncidentRead: r(Any, all), IncidentRecord: r(Any, all), InvestigationManage: r(Any, all), PreventionRead: r(Any, noFields),
		CaseList: r(Any, all), CaseRead: r(Any, all), CaseReadSensitive: r(Any, all),
		CaseMilestone: r(Any, all), CaseNote: r(Any, all),
		PersonReadIdentity: r(Any, all), PersonReadLocation: r(Any, all), PersonUpdate: r(Any, all),
		ConsentManage: r(Any, noFields), ConsentRead: r(Any, noFields),
		DeviceRead: r(Any, all), DeviceManage: r(Any, all), AlertRead: r(Any, all), DrillRun: r(Any, noFields),
		RiskRead: r(Any, all), RiskExplain: r(Any, all), RiskAssessment: r(Any, all), RiskAppeal: r(Any, noFields),
		MeasureRead: r(Any, all), MeasureDashboard: r(Any, noFields), MeasureMove: r(Any, all), MeasureConfirm: r(Any, all), MeasureManage: r(Any, all),
		LetterRead:       r(Any, noFields),
		SafeHouseRequest: r(Any, noFields), SafeHouseRead: named, SafeHouseAssign: named, SafeHouseManage: named,
		DirectoryRead: r(Any, noFields),
	},
	escudo.RoleCoordinator: {
		PortalInvite: r(Any, []string{Identity}),
		RequestRead:  r(Any, all), RequestSend: r(Any, all), RequestRespond: r(Any, noFields), RequestPerformance: r(Any, noFields),
		IncidentRead: r(Any, all), IncidentRecord: r(Any, all), InvestigationManage: r(Any, all), PreventionRead: r(Any, noFields),
		CaseList: r(Any, all), CaseRead: r(Any, all), CaseReadSensitive: r(Any, all),
		CaseCreate: r(Any, all), CaseAdmission: r(Any, all), CaseAssign: r(Any, all),
		CaseMilestone: r(Any, all), CaseNote: r(Any, all),
		PersonReadIdentity: r(Any, all), PersonReadLocation: r(Any, all), PersonUpdate: r(Any, all),
		ConsentManage: r(Any, noFields), ConsentRead: r(Any, noFields),
		DeviceRead: r(Any, all), DeviceManage: r(Any, all), AlertRead: r(Any, all), AlertRespond: r(Any, all),
		DrillRun: r(Any, noFields), StatsRead: r(Any, noFields), AuditRead: r(Any, noFields),
		DashboardRead: r(Any, noFields), WorkloadRead: r(Any, noFields),
		// Tasks open a case to people outside the Mechanism: the
		// executive coordination decides who gets one.
		TaskManage: r(Any, noFields),
		RiskRead:   r(Any, all), RiskExplain: r(Any, all), RiskDraft: r(Any, all), RiskSubmit: r(Any, all),
		RiskAssessment: r(Any, all), RiskAppeal: r(Any, noFields), RiskCalibration: r(Any, noFields),
		BoardRead: r(Any, idRisk), BoardManage: r(Any, idRisk), BoardRecord: r(Any, idRisk),
		MeasureRead: r(Any, all), MeasureDashboard: r(Any, noFields), MeasureMove: r(Any, all), MeasureUrgent: r(Any, all),
		MeasureConfirm: r(Any, all), MeasureManage: r(Any, all),
		LetterRead:       r(Any, noFields),
		SafeHouseRequest: r(Any, noFields), SafeHouseRead: named, SafeHouseAssign: named, SafeHouseManage: named,
		DirectoryRead: r(Any, noFields),
		FundRead:      r(Any, noFields), FundRecord: r(Any, noFields),
	},
	escudo.RoleAdmin: {
		FundRead: r(Any, noFields), FundRecord: r(Any, noFields),
		UserManage: r(Any, noFields), KeysRotate: r(Any, noFields), StatsRead: r(Any, noFields), SystemRead: r(Any, noFields),
		WorkloadRead:  r(Any, noFields), // staffing: who carries how many cases, no case named
		AuditVerify:   r(Any, noFields), // the checkpoints prove the log intact; no entry is shown
		AgencyManage:  r(Any, noFields),
		SafeHouseName: r(Any, noFields), // who is on the registry's list, never the registry
	},
	escudo.RoleBoard: {
		IncidentRead: r(Any, idRisk), PreventionRead: r(Any, noFields),
		CaseList: r(Any, idRisk), CaseRead: r(Any, idRisk), CaseReadSensitive: r(Any, idRisk),
		PersonReadIdentity: r(Any, idRisk), StatsRead: r(Any, noFields),
		RiskRead: r(Any, idRisk), RiskExplain: r(Any, idRisk), RiskCalibration: r(Any, noFields),
		BoardRead: r(Any, idRisk), BoardMinutes: r(Any, noFields),
		MeasureRead: r(Any, idRisk),
		// The letters of the Board's own resolutions.
		LetterRead: r(Any, noFields),
	},
	escudo.RoleCouncil: {
		RequestPerformance: r(Any, noFields),
		StatsRead:          r(Any, noFields),
		// The Council rules on a beneficiary's disagreement with an
		// evaluation: it reads the evaluations it rules on, never names
		// or addresses.
		RiskRead: r(Any, []string{Risk}), RiskExplain: r(Any, []string{Risk}), RiskAppealRule: r(Any, noFields),
		RiskCalibration: r(Any, noFields),
		BoardRead:       r(Any, idRisk), BoardMinutes: r(Any, noFields),
	},
	escudo.RoleLiaison: {
		// The requests addressed to their agency: what is asked, and the
		// beneficiary's name and place only where the request needs them.
		RequestRead: r(Agency, idLoc), RequestRespond: r(Agency, noFields),
		// Cases, people and devices only as far as a task or request
		// addressed to the liaison names them: belonging to a state is no
		// reason to read every protected person in it. Alerts reach the
		// liaisons of the entity they are routed to, as emergencies must.
		CaseList: r(Task, idLoc), CaseRead: r(Task, idLoc),
		PersonReadIdentity: r(Task, idLoc), PersonReadLocation: r(Task, idLoc),
		AlertRead: r(Entity, idLoc), AlertRespond: r(Entity, idLoc), DeviceRead: r(Task, idLoc),
		// The measures addressed to their agency, with the sealed details
		// they implement with and the beneficiary's name only where the
		// measure needs it (the page decides by the catalogue).
		MeasureRead: r(Agency, []string{Identity, Logistics}), MeasureDashboard: r(Agency, noFields), MeasureMove: r(Agency, noFields),
		// The instructions addressed to their agency, never the letter to
		// the beneficiary.
		LetterRead: r(Agency, noFields),
	},
	escudo.RoleContractor: {
		CaseList: r(Task, locLog), CaseRead: r(Task, locLog),
		PersonReadIdentity: r(Task, []string{Identity, Location, Logistics}),
		PersonReadLocation: r(Task, locLog),
		DeviceRead:         r(Task, locLog), DeviceManage: r(Task, locLog),
	},
	escudo.RoleReviewer: {
		CaseList: r(Consent, all), CaseRead: r(Consent, all), CaseReadSensitive: r(Consent, all),
		PersonReadIdentity: r(Consent, all), PersonReadLocation: r(Consent, all),
		RiskRead: r(Consent, all), RiskExplain: r(Consent, all),
	},
	escudo.RoleBeneficiary: {
		CaseList: r(Own, all), CaseRead: r(Own, all), CaseReadSensitive: r(Own, all),
		PersonReadIdentity: r(Own, all), PersonReadLocation: r(Own, all), PersonUpdate: r(Own, all),
		ConsentManage: r(Own, noFields), ConsentRead: r(Own, noFields), DeviceRead: r(Own, all),
		AuditRead: r(Own, noFields), // who read my data
		// The explanation of their own evaluation, in plain words, and
		// the right to disagree with it.
		RiskExplain: r(Own, all), RiskAppeal: r(Own, noFields),
		// Their own measures: what was granted, its state, and their word on it.
		MeasureRead: r(Own, all), MeasureConfirm: r(Own, all),
		// Their own letters: what the Board decided on their case.
		LetterRead: r(Own, noFields),
		// Ask for a safe house on their own case; they learn where in
		// person, never from the system.
		SafeHouseRequest: r(Own, noFields),
		// The portal is theirs alone: staff read the case on its own
		// pages, and nobody else may speak for the person through it.
		PortalRead: r(Own, all), PortalAct: r(Own, all),
	},
	escudo.RoleAuditor: {
		RequestPerformance: r(Any, noFields),
		AuditRead:          r(Any, noFields), AuditExport: r(Any, noFields), AuditVerify: r(Any, noFields), StatsRead: r(Any, noFields),
		RiskCalibration: r(Any, noFields), WorkloadRead: r(Any, noFields),
		FundRead: r(Any, noFields),
	},
}

// Package demo generates fictional but realistic data for demonstrations and
// benchmarks: beneficiaries (individuals and collectives), protection
// requests over the last two years across the federal entities, and the
// procedural history of each, including the long delays that breach the
// legal clocks. Every name is invented. The same seed gives the same data.
package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"escudo"
	"escudo/internal/procedure"
)

// Request is one generated protection request with its history.
type Request struct {
	Case   escudo.Case
	Person escudo.Person
	Steps  []Step
	Stage  escudo.Stage // where the case stands once every step is applied
}

// Step is one action on a request, by a demo staff member.
type Step struct {
	At        time.Time
	Actor     string // username of the demo staff member acting
	Admission *escudo.AdmissionDecision
	Milestone escudo.Milestone
	AssignTo  string // username
	Note      string
	// InfoAnswer: the petitioner answers a request for information from the
	// status page (no staff member acts).
	InfoAnswer string
}

// Generate returns n requests received during the two years before now. Case
// i depends only on seed and i, so a larger n extends a smaller one.
func Generate(seed uint64, n int, now time.Time) []Request { return generate(seed, n, now, 0) }

// generate draws a share recent of the requests from the last 60 days, so a
// small demo shows a live backlog rather than mostly settled cases.
func generate(seed uint64, n int, now time.Time, recent float64) []Request {
	now = now.UTC().Truncate(time.Minute)
	out := make([]Request, n)
	for i := range out {
		g := &gen{r: rand.New(rand.NewPCG(seed, uint64(i))), now: now, recent: recent} // #nosec G404 -- fictional data must be reproducible from its seed
		out[i] = g.request()
	}
	return out
}

type gen struct {
	r      *rand.Rand
	now    time.Time
	recent float64
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }
func (g *gen) chance(p float64) bool     { return g.r.Float64() < p }

// between returns a duration uniformly in [lo, hi).
func (g *gen) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.r.Int64N(int64(hi-lo)))
}

const day = 24 * time.Hour

var entityCodes = func() []string {
	var codes []string
	for _, e := range escudo.FederalEntities {
		codes = append(codes, e.Code)
	}
	return codes
}()

func (g *gen) entity() string {
	total := 0
	for _, c := range entityCodes {
		total += entityWeights[c]
	}
	n := g.r.IntN(total)
	for _, c := range entityCodes {
		if n -= entityWeights[c]; n < 0 {
			return c
		}
	}
	return entityCodes[0]
}

func (g *gen) surname() string { return g.pick(surnames) }

func (g *gen) fullName(gender string) string {
	var given string
	switch gender {
	case "mujer":
		given = g.pick(givenFemale)
	case "hombre":
		given = g.pick(givenMale)
	default:
		given = g.pick(givenNonBinary)
	}
	for {
		name := given + " " + g.surname() + " " + g.surname()
		if !slices.Contains(reportNames, name) {
			return name
		}
	}
}

func (g *gen) phone() string {
	return fmt.Sprintf("+52 %d %03d %04d", 200+g.r.IntN(800), g.r.IntN(1000), g.r.IntN(10000))
}

func (g *gen) person() escudo.Person {
	p := escudo.Person{Entity: g.entity(), Kind: escudo.KindIndividual}
	p.Municipality = g.pick(municipalities[p.Entity])
	if g.chance(0.2) {
		p.Kind = escudo.KindCollective
	}
	switch x := g.r.Float64(); {
	case x < 0.5:
		p.Profile = escudo.ProfileDefender
	case x < 0.85:
		p.Profile = escudo.ProfileJournalist
	default:
		p.Profile = escudo.ProfileBoth
	}
	p.Language = "español"
	if ids, ok := identities[p.Entity]; ok && g.chance(0.4) || g.chance(0.04) {
		if !ok {
			ids = identities["OAX"]
		}
		id := ids[g.r.IntN(len(ids))]
		p.Ethnicity = id.Ethnicity
		if g.chance(0.6) {
			p.Language = id.Language
		}
	}
	place := p.Municipality
	if p.Profile == escudo.ProfileJournalist {
		p.Organization = fmt.Sprintf(g.pick(mediaPatterns), place)
		p.Occupation = g.pick(journalistOccupations)
	} else {
		p.Organization = fmt.Sprintf(g.pick(organizationPatterns), place)
		p.Occupation = g.pick(defenderOccupations)
	}
	if p.Kind == escudo.KindCollective {
		p.Name = fmt.Sprintf(g.pick(collectivePatterns), place)
		p.Organization = ""
		for range 3 + g.r.IntN(6) {
			gender := "mujer"
			if g.chance(0.4) {
				gender = "hombre"
			}
			p.Members = append(p.Members, escudo.Member{Name: g.fullName(gender), Role: g.pick(memberRoles)})
		}
	} else {
		switch x := g.r.Float64(); {
		case x < 0.54:
			p.Gender = "mujer"
		case x < 0.96:
			p.Gender = "hombre"
		default:
			p.Gender = "no binaria"
		}
		p.Name = g.fullName(p.Gender)
		for range g.r.IntN(4) {
			gender := "mujer"
			if g.chance(0.5) {
				gender = "hombre"
			}
			p.Relatives = append(p.Relatives, escudo.Relative{Name: g.fullName(gender), Relationship: g.pick(relationships)})
		}
		if g.chance(0.15) {
			p.Alias = strings.Fields(p.Name)[0] + " " + string([]rune(g.surname())[0]) + "."
		}
	}
	p.Phone = g.phone()
	if g.chance(0.6) {
		user := strings.ToLower(strings.ReplaceAll(asciiFold(strings.Fields(p.Name)[0]), " ", ""))
		p.Email = fmt.Sprintf("%s.%d@example.org", user, 100+g.r.IntN(900))
	}
	p.Address = fmt.Sprintf("Calle %s %d, colonia Centro, %s", g.surname(), 1+g.r.IntN(400), p.Municipality)
	channels := []escudo.ContactChannel{escudo.ContactPhone, escudo.ContactSignal, escudo.ContactEmail, escudo.ContactSMS, escudo.ContactVisit}
	p.Contact.Channel = channels[g.r.IntN(len(channels))]
	if p.Contact.Channel == escudo.ContactEmail && p.Email == "" {
		p.Contact.Channel = escudo.ContactPhone
	}
	p.Contact.NeverSMS = p.Contact.Channel != escudo.ContactSMS && g.chance(0.35)
	if g.chance(0.7) {
		from := 7 + g.r.IntN(4)
		p.Contact.SafeFrom = fmt.Sprintf("%02d:00", from)
		p.Contact.SafeUntil = fmt.Sprintf("%02d:00", from+8+g.r.IntN(4))
	}
	return p
}

func asciiFold(s string) string {
	return strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n", "Á", "a", "É", "e", "Í", "i", "Ó", "o", "Ú", "u", "Ü", "u", "ü", "u").Replace(s)
}

func (g *gen) narrative(p *escudo.Person) string {
	kind := "defender"
	if p.Profile == escudo.ProfileJournalist {
		kind = "journalist"
	}
	entity, _ := escudo.LookupFederalEntity(p.Entity)
	who := "La persona peticionaria"
	if p.Kind == escudo.KindCollective {
		who = "El colectivo"
	}
	return fmt.Sprintf("%s %s en %s, %s. Desde hace unas semanas %s. Solicita medidas de protección para sí y para las personas cercanas que acompañan su labor.",
		who, g.pick(work[kind]), p.Municipality, entity.Name, g.pick(threats))
}

func (g *gen) request() Request {
	p := g.person()
	// Received some time in the last two years, mostly in office hours.
	age := g.between(time.Hour, 730*day)
	if g.recent > 0 && g.chance(g.recent) {
		age = g.between(time.Hour, 60*day)
	}
	received := g.now.Add(-age).Truncate(time.Minute)
	c := escudo.Case{ReceivedAt: received, Entity: p.Entity}
	switch x := g.r.Float64(); {
	case x < 0.32:
		c.Channel = escudo.ChannelWeb
	case x < 0.57:
		c.Channel = escudo.ChannelHotline
	case x < 0.72:
		c.Channel = escudo.ChannelEmail
	case x < 0.86:
		c.Channel = escudo.ChannelInPerson
	default:
		c.Channel = escudo.ChannelReferral
		c.ReferredBy = g.pick(referrers)
	}
	c.ImminentDanger = g.chance(0.13)
	c.Procedure = escudo.ProcedureOrdinary
	if c.ImminentDanger {
		c.Procedure = escudo.ProcedureExtraordinary
	}
	c.Narrative = g.narrative(&p)
	c.Aggressors = g.pick(aggressorsList)
	if g.chance(0.3) {
		c.Aggressors += "; " + g.pick(aggressorsList)
	}
	req := Request{Case: c, Person: p}
	g.history(&req)
	req.Stage = finalStage(&req)
	return req
}

// Demo staff usernames by function (see Users).
var (
	receptionists = []string{"recepcion", "recepcion2"}
	analysts      = []string{"analista", "analista2", "analista3"}
	followups     = []string{"seguimiento", "seguimiento2"}
)

// history draws the procedural steps of a request. Delays follow what the
// source report documents: some evaluations take months, urgent measures are
// sometimes late, implementation drags on.
func (g *gen) history(req *Request) {
	c := &req.Case
	t := c.ReceivedAt
	var steps []Step
	add := func(at time.Time, s Step) time.Time {
		s.At = at.Truncate(time.Minute)
		steps = append(steps, s)
		return s.At
	}
	receptionist := g.pick(receptionists)
	analyst := g.pick(analysts)
	followup := g.pick(followups)
	extraordinary := c.Procedure == escudo.ProcedureExtraordinary

	// Admission.
	decisionDelay := g.between(4*time.Hour, 6*day)
	if extraordinary {
		decisionDelay = g.between(15*time.Minute, 90*time.Minute)
	}
	admitAt := t.Add(decisionDelay)
	outcome := g.r.Float64()
	if !extraordinary && outcome >= 0.78 && outcome < 0.88 {
		reason := g.pick(notAdmittedReasons)
		add(admitAt, Step{Actor: receptionist, Admission: &escudo.AdmissionDecision{Admission: escudo.AdmissionNotAdmitted, Reason: reason}})
		req.Steps = g.clip(steps)
		return
	}
	if !extraordinary && outcome >= 0.88 {
		asked := g.pick(infoRequests)
		add(admitAt, Step{Actor: receptionist, Admission: &escudo.AdmissionDecision{Admission: escudo.AdmissionInfoRequested, Reason: asked}})
		if g.chance(0.35) {
			// The petitioner never answered; the request is closed after a while.
			add(admitAt.Add(g.between(30*day, 60*day)), Step{Actor: receptionist, Admission: &escudo.AdmissionDecision{Admission: escudo.AdmissionNotAdmitted, Reason: noAnswerReason}})
			req.Steps = g.clip(steps)
			return
		}
		askedAt := admitAt
		admitAt = admitAt.Add(g.between(5*day, 25*day))
		// The petitioner answers on the status page two thirds of the way to
		// the new decision (no random draw, so the rest of the data stays put).
		add(askedAt.Add(admitAt.Sub(askedAt)*2/3), Step{InfoAnswer: infoAnswers[slices.Index(infoRequests, asked)]})
	}
	decision := &escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}
	if !extraordinary && g.chance(0.03) {
		// Reclassified at admission: the danger was imminent after all.
		decision.Procedure = escudo.ProcedureExtraordinary
		extraordinary = true
	}
	t = add(admitAt, Step{Actor: receptionist, Admission: decision})
	first := analyst
	if extraordinary {
		first = "guardia"
	}
	t = add(t.Add(g.between(2*time.Minute, 40*time.Minute)), Step{Actor: receptionist, AssignTo: first})
	if extraordinary {
		issued := c.ReceivedAt.Add(g.between(70*time.Minute, 5*time.Hour))
		if issued.Before(t) {
			issued = t.Add(10 * time.Minute)
		}
		add(issued, Step{Actor: "guardia", Milestone: escudo.MilestoneUrgentIssued, Note: g.pick(milestoneNotes["urgent_measures_issued"])})
		impl := issued.Add(g.between(2*time.Hour, 22*time.Hour))
		add(impl, Step{Actor: "guardia", Milestone: escudo.MilestoneUrgentImplemented, Note: g.pick(milestoneNotes["urgent_measures_implemented"])})
		t = add(impl.Add(g.between(time.Hour, 2*day)), Step{Actor: "coordinacion", AssignTo: analyst, Note: handoverNotes[2]})
	}
	if g.chance(0.12) {
		// Staff turnover during the evaluation.
		other := g.pick(analysts)
		if other != analyst {
			add(t.Add(g.between(day, 20*day)), Step{Actor: "coordinacion", AssignTo: other, Note: handoverNotes[0]})
		}
	}

	// Risk evaluation: the clock gives 10 days; many take far longer.
	var eval time.Duration
	switch x := g.r.Float64(); {
	case x < 0.38:
		eval = g.between(3*day, 10*day)
	case x < 0.72:
		eval = g.between(11*day, 45*day)
	case x < 0.92:
		eval = g.between(46*day, 120*day)
	default:
		eval = g.between(121*day, 220*day)
	}
	evalAt := c.ReceivedAt.Add(eval).Add(g.between(0, 8*time.Hour))
	if earliest := t.Add(g.between(day, 4*day)); evalAt.Before(earliest) {
		evalAt = earliest // the analyst needs the case first
	}
	evaluated := add(evalAt, Step{Actor: analyst, Milestone: escudo.MilestoneEvaluated, Note: g.pick(milestoneNotes["evaluated"])})
	sent := add(evaluated.Add(g.between(6*time.Hour, 8*day)), Step{Actor: analyst, Milestone: escudo.MilestoneSentToBoard})
	resolved := add(sent.Add(g.between(3*day, 35*day)), Step{Actor: "coordinacion", Milestone: escudo.MilestoneResolved, Note: g.pick(milestoneNotes["resolved"])})
	communicated := add(resolved.Add(g.between(8*time.Hour, 6*day)), Step{Actor: "coordinacion", Milestone: escudo.MilestoneResolutionCommunicated})
	notified := add(communicated.Add(g.between(6*time.Hour, 10*day)), Step{Actor: followup, Milestone: escudo.MilestoneNotified})
	var implDelay time.Duration
	if g.chance(0.6) {
		implDelay = g.between(5*day, 30*day)
	} else {
		implDelay = g.between(31*day, 120*day)
	}
	implemented := resolved.Add(implDelay)
	add(implemented.Add(-time.Hour), Step{Actor: "coordinacion", AssignTo: followup, Note: handoverNotes[1]})
	add(implemented, Step{Actor: followup, Milestone: escudo.MilestoneMeasuresImplemented, Note: g.pick(milestoneNotes["measures_implemented"])})
	if g.chance(0.08) {
		filed := add(notified.Add(g.between(3*day, 28*day)), Step{Actor: followup, Milestone: escudo.MilestoneAppealFiled, Note: g.pick(milestoneNotes["appeal_filed"])})
		add(filed.Add(g.between(7*day, 40*day)), Step{Actor: "coordinacion", Milestone: escudo.MilestoneAppealRuled, Note: g.pick(milestoneNotes["appeal_ruled"])})
	}
	last := implemented
	for re := evaluated.Add(g.between(160*day, 240*day)); re.Before(g.now); re = re.Add(g.between(170*day, 230*day)) {
		last = add(re, Step{Actor: analyst, Milestone: escudo.MilestoneReevaluated})
	}
	if last.After(implemented) && g.chance(0.35) {
		add(last.Add(g.between(10*day, 60*day)), Step{Actor: followup, Milestone: escudo.MilestoneClosed, Note: g.pick(milestoneNotes["closed"])})
	}
	// Notes along the way.
	for range 1 + g.r.IntN(3) {
		end := implemented.Add(60 * day)
		if end.After(g.now) {
			end = g.now
		}
		if !end.After(c.ReceivedAt.Add(time.Hour)) {
			break
		}
		at := c.ReceivedAt.Add(g.between(time.Hour, end.Sub(c.ReceivedAt)))
		who := analyst
		if at.After(implemented) {
			who = followup
		}
		add(at, Step{Actor: who, Note: g.pick(caseNotes)})
	}
	req.Steps = g.clip(steps)
}

// clip orders the steps and drops those still in the future; a closed case
// takes no step after closing.
func (g *gen) clip(steps []Step) []Step {
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].At.Before(steps[j].At) })
	out := steps[:0]
	for _, s := range steps {
		if s.At.After(g.now) {
			break
		}
		out = append(out, s)
		if s.Milestone == escudo.MilestoneClosed {
			break
		}
	}
	return out
}

// finalStage is the stage a request reaches after its steps.
func finalStage(r *Request) escudo.Stage {
	st := escudo.StageReception
	for _, s := range r.Steps {
		switch {
		case s.Admission != nil && s.Admission.Admission == escudo.AdmissionAdmitted:
			st = escudo.StageEvaluation
		case s.Admission != nil && s.Admission.Admission == escudo.AdmissionNotAdmitted:
			st = escudo.StageClosed
		case s.Milestone != "":
			if next, ok := procedure.StageAfter(s.Milestone); ok {
				st = next
			}
		}
	}
	return st
}

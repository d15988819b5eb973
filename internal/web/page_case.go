package web

import (
	"escudo/internal/coordination"
	"escudo/internal/prevention"
	"escudo/internal/store"
	"strconv"
	"strings"
	"time"

	"escudo"
)

// Remaining is the time left on a clock, negative when breached.
func (p *Page) Remaining(c escudo.ClockState) time.Duration { return c.DueAt.Sub(p.Now) }

// Overdue reports whether a running clock is past its deadline.
func (p *Page) Overdue(c escudo.ClockState) bool { return c.StoppedAt == nil && p.Now.After(c.DueAt) }

// EventDetail turns an event's stored detail into words.
func (p *Page) EventDetail(e escudo.Event, users map[int64]string) string {
	name := func(s string) string {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id == 0 {
			return p.T("case.nobody")
		}
		if n, ok := users[id]; ok {
			return n
		}
		return "#" + s
	}
	switch e.Kind {
	case escudo.EventReceived:
		ch, proc, _ := strings.Cut(e.Detail, ":")
		return p.T("channel."+ch) + " · " + p.T("procedure."+proc)
	case escudo.EventAdmission:
		adm, proc, _ := strings.Cut(e.Detail, ":")
		return p.T("admission."+adm) + " · " + p.T("procedure."+proc)
	case escudo.EventAssigned:
		// Entries stored before migration 0620 read "0>ID".
		_, to, found := strings.Cut(e.Detail, ">")
		if !found {
			to = e.Detail
		}
		return name(to)
	case escudo.EventReassigned:
		from, to, _ := strings.Cut(e.Detail, ">")
		return name(from) + " → " + name(to)
	case escudo.EventMilestone:
		return p.T("milestone." + e.Detail)
	case escudo.EventEvaluationStarted:
		return p.T("evaluation.kind." + e.Detail)
	case escudo.EventEvaluation:
		kind, level, _ := strings.Cut(e.Detail, ":")
		return p.T("evaluation.kind."+kind) + " · " + p.T("risk.level."+level)
	case escudo.EventAssessment:
		body, level, _ := strings.Cut(e.Detail, ":")
		return p.T("assessment.body."+body) + " · " + p.T("risk.level."+level)
	case escudo.EventReevaluationRequested:
		return p.T("reeval.cause." + e.Detail)
	case escudo.EventAppeal:
		return p.T("appeal.state." + e.Detail)
	case escudo.EventAssessmentEnded:
		return p.T("assessment.body." + e.Detail)
	case escudo.EventMeasure:
		// "<granted id>:<measure>:<what>" (store/measures.go).
		parts := strings.SplitN(e.Detail, ":", 3)
		if len(parts) < 3 {
			return ""
		}
		switch what := parts[2]; {
		case what == "ratified":
			return p.T("measure.event.ratified")
		case strings.HasPrefix(what, "rated_"):
			return p.T("measure.rating." + strings.TrimPrefix(what, "rated_"))
		case strings.HasPrefix(what, "overdue_"):
			return p.T("measure.event.overdue")
		default:
			return p.T("measure.status." + what)
		}
	case coordination.EventRequest:
		// "<request id>:<kind>:<step>" (store/requests.go).
		parts := strings.SplitN(e.Detail, ":", 3)
		if len(parts) < 3 {
			return ""
		}
		step := parts[2]
		if strings.HasPrefix(step, "overdue_") {
			step = "overdue"
		}
		return p.T("request.kind."+parts[1]) + " · " + p.T("request.step."+step) + " · SOL-" + strings.Repeat("0", max(0, 6-len(parts[0]))) + parts[0]
	case escudo.EventResolution:
		// identifier:adopted|rejected:for-against-abstain
		parts := strings.SplitN(e.Detail, ":", 3)
		if len(parts) != 3 {
			return e.Detail
		}
		votes := strings.SplitN(parts[2], "-", 3)
		if len(votes) != 3 {
			return parts[0]
		}
		return parts[0] + " · " + p.T("board.resolution_"+parts[1]) + " · " + p.T("board.tally", "For", votes[0], "Against", votes[1], "Abstain", votes[2])
	case prevention.EventIncident:
		// The incident's kind (store/incidents.go).
		return p.known("incident.kind." + e.Detail)
	case store.EventInvestigationStalled:
		// The investigation's id: the entry's own name says what happened.
		return ""
	case escudo.EventClockBreach, escudo.EventEscalation:
		rule, level, _ := strings.Cut(e.Detail, ":")
		if e.Kind == escudo.EventEscalation {
			return p.T("clock."+rule) + " · " + p.T("case.escalation_level", "N", level)
		}
		return p.T("clock." + rule)
	}
	return e.Detail
}

package web

import (
	"fmt"
	"strings"
	"time"

	"escudo/internal/store"
)

// NoticeGroup is the notices of one kind about one case or alert, newest
// first, as one line of "Avisos".
type NoticeGroup struct {
	Kind    string
	Text    string // what happened, in the reader's words
	Href    string // where to act on it; "" when there is nowhere
	Latest  time.Time
	Count   int
	Unread  int
	IDs     []int64 // the unread ones, to mark them read
	Subject string
}

// NoticeText says what a notice is about without any internal code: the
// stored subject carries codes ("ESC-2026-00042 evaluation", "ALERTA #3
// test CHS") for the machines that deliver it.
func (p *Page) NoticeText(n store.Notification) string {
	kind := p.known("notice." + n.Kind)
	if kind == "" {
		kind = p.L.T("notice.other")
	}
	switch n.Kind {
	case "clock_breach", "clock_escalation":
		ref, rule, _ := strings.Cut(n.Subject, " ")
		if c := p.known("clock." + rule); c != "" {
			return kind + ": " + c + " — " + ref
		}
		return kind + ": " + ref
	case "alert":
		// ALERTA #ID TYPE ENTITY
		f := strings.Fields(n.Subject)
		args := []any{"ID", fmt.Sprint(n.AlertID), "Type", "", "Entity", ""}
		if len(f) == 4 {
			args[1] = strings.TrimPrefix(f[1], "#")
			args[3] = p.known("alert.type." + f[2])
			args[5] = p.Entity(f[3])
		}
		return p.T("notice.alert_line", args...)
	case store.KindBeneficiaryNotice:
		// The beneficiary's own line says what changed; the officer's
		// carries the case reference.
		if about := p.known("notice.about." + n.Subject); about != "" {
			return about
		}
	case "sms_unknown_sender":
		return kind
	case "warning.raised":
		// The subject is the federal entity's code.
		return kind + ": " + p.Entity(n.Subject)
	}
	if n.Subject != "" {
		return kind + ": " + n.Subject
	}
	return kind
}

// NoticeHref is where a notice leads: its case, its alert, or the console.
func (p *Page) NoticeHref(n store.Notification) string {
	switch {
	case strings.HasPrefix(n.Kind, "request.") && strings.HasPrefix(n.Subject, "SOL-") && p.Can("GET /requests/{id}"):
		// An inter-agency request's notice leads to the request (a
		// liaison may not open the case).
		return "/requests/" + strings.TrimLeft(strings.TrimPrefix(n.Subject, "SOL-"), "0")
	case n.Kind == "warning.raised" && p.Can("GET /prevention/warnings"):
		return "/prevention/warnings"
	case n.Kind == store.KindBeneficiaryNotice && n.CaseID != 0 && p.Can("GET /portal/cases/{id}"):
		return fmt.Sprintf("/portal/cases/%d", n.CaseID)
	case n.AlertID != 0 && p.Can("GET /console/alerts/{id}"):
		return fmt.Sprintf("/console/alerts/%d", n.AlertID)
	case n.CaseID != 0 && p.Can("GET /cases/{id}"):
		return fmt.Sprintf("/cases/%d", n.CaseID)
	case (n.Kind == "device_silent" || n.Kind == "sms_unknown_sender" || n.Kind == "alert") && p.Can("GET /console"):
		return "/console"
	}
	return ""
}

// NoticeGroups groups notices (newest first) by case or alert and kind,
// keeping the order of each group's newest notice.
func (p *Page) NoticeGroups(ns []store.Notification) []NoticeGroup {
	var out []NoticeGroup
	at := map[string]int{}
	for _, n := range ns {
		key := fmt.Sprintf("%s|c%d|a%d", n.Kind, n.CaseID, n.AlertID)
		if n.CaseID == 0 && n.AlertID == 0 {
			key += "|" + n.Subject
		}
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, NoticeGroup{Kind: n.Kind, Text: p.NoticeText(n), Href: p.NoticeHref(n), Latest: n.CreatedAt, Subject: n.Subject})
		}
		g := &out[i]
		g.Count++
		if n.ReadAt == nil {
			g.Unread++
			g.IDs = append(g.IDs, n.ID)
		}
	}
	return out
}

// Unread is the number of unread notices of the page's user, for the menu.
func (p *Page) Unread() int {
	if p.unread == nil {
		return 0
	}
	return p.unread()
}

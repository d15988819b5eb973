package web

import (
	"strconv"
	"strings"
)

// StepDetail is the detail of an alert's timeline step in the reader's
// words: the stored detail is a code ("attended", "1:supervisor") that no
// person should have to read.
func (p *Page) StepDetail(kind, detail string) string {
	if detail == "" {
		return ""
	}
	switch kind {
	case "escalated":
		n, name, _ := strings.Cut(detail, ":")
		tier, err := strconv.Atoi(n)
		if err != nil {
			return ""
		}
		if p.L.Has("alert.tier." + name) {
			return p.T("console.detail.escalated_named", "Tier", tier+1, "Name", p.L.T("alert.tier."+name))
		}
		return p.T("console.detail.escalated", "Tier", tier+1)
	case "resolved":
		return p.known("alert.outcome." + detail)
	case "repeat":
		return p.known("alert.type." + detail)
	case "dispatched":
		// The agency and unit as the operator typed them.
		return strings.TrimSpace(detail)
	}
	return ""
}

// known translates key when the catalogue has it, and shows nothing
// rather than a code when it does not.
func (p *Page) known(key string) string {
	if p.L.Has(key) {
		return p.L.T(key)
	}
	return ""
}

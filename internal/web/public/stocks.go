package public

import (
	"context"

	"escudo"
	"escudo/internal/disclosure"
	"escudo/internal/web"
)

// The month's stocks at its close (docs/statistics.md, "Stocks and
// regions"): measures by status and open investigations, with and without
// progress, as their releases published them.

type stockGroup struct {
	Title string
	Lines []stockLine
}

type stockLine struct {
	Label string
	Cell  statsCell
}

// stocks reads the month's stock releases; a month published before they
// existed has none and shows nothing.
func (s *server) stocks(ctx context.Context, p *web.Page, period string) []stockGroup {
	var out []stockGroup
	total := disclosure.TotalLabel
	if rel, err := s.DB.StatRelease(ctx, "measures.status.monthly/"+period); err == nil {
		g := stockGroup{Title: p.T("report.t.measures_status")}
		for _, st := range escudo.MeasureStatuses {
			g.Lines = append(g.Lines, stockLine{Label: p.T("report.cat.status." + string(st)), Cell: shownCell(rel, total, string(st))})
		}
		g.Lines = append(g.Lines, stockLine{Label: p.T("stats.total"), Cell: shownCell(rel, total, total)})
		out = append(out, g)
	}
	if rel, err := s.DB.StatRelease(ctx, "investigations.open.monthly/"+period); err == nil {
		out = append(out, stockGroup{Title: p.T("report.t.investigations_open"), Lines: []stockLine{
			{Label: p.T("report.cat.progress.stalled"), Cell: shownCell(rel, total, "stalled")},
			{Label: p.T("report.cat.progress.progressing"), Cell: shownCell(rel, total, "progressing")},
			{Label: p.T("stats.total"), Cell: shownCell(rel, total, total)},
		}})
	}
	return out
}

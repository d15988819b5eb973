package public

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"escudo"
	"escudo/internal/i18n"
	"escudo/internal/measures"
)

// infoPage is one of the public information pages: the address people
// reach it by, its template and the translation key of its title.
type infoPage struct {
	Path, Template, Title string
}

// infoPages are the information pages in the order their navigation lists
// them. They are written for a person far from the capital who has never
// heard of the Mechanism: what it is, who may ask, how, what protection
// exists, safe houses, rights, and how to check a letter.
var infoPages = []infoPage{
	{"/informacion", "info_about", "info.about.title"},
	{"/informacion/quien-puede-pedir", "info_who", "info.who.title"},
	{"/informacion/como-pedir", "info_how", "info.how.title"},
	{"/informacion/medidas", "info_measures", "info.measures.title"},
	{"/informacion/casas-de-refugio", "info_safehouse", "info.safehouse.title"},
	{"/informacion/derechos", "info_rights", "info.rights.title"},
	{"/informacion/verificar-carta", "info_letters", "info.letters.title"},
}

// infoData is what every information page receives; each page shows the
// part it is about. Deadlines come from the configured legal clocks and
// measures from the configured catalogue, so the pages say what the
// installation enforces.
type infoData struct {
	Pages         []infoLink
	Extraordinary []infoStep // the clocks only the extraordinary procedure runs
	Ordinary      []infoStep // the clocks of the ordinary procedure
	AppealRuling  []infoStep // how long the ruling on an appeal may take
	Reevaluation  string     // how often risk is evaluated again, in words; "" if not configured
	AppealWindow  string     // how long a beneficiary has to disagree, in words
	Kinds         []infoKind
}

// infoLink is an entry of the information pages' navigation.
type infoLink struct {
	Path, Title string
	Current     bool
}

// infoStep is one legal deadline in plain words: what happens (a
// translation key), the limit in words, and from when it counts (a key).
type infoStep struct {
	What, Limit, From string
}

// infoKind is a group of the catalogue's measures with its explanation.
type infoKind struct {
	Heading, About string // translation keys
	Measures       []infoMeasure
}

// infoMeasure is a measure of the catalogue in the reader's language.
type infoMeasure struct{ Label, Description string }

// stepText says in plain words what the clock stopped by each milestone
// waits for; a configured clock stopped by another milestone is not
// explained to the public.
var stepText = map[escudo.Milestone]string{
	escudo.MilestoneImmediateEvaluated:     "info.step.immediate_evaluated",
	escudo.MilestoneUrgentIssued:           "info.step.urgent_issued",
	escudo.MilestoneUrgentImplemented:      "info.step.urgent_implemented",
	escudo.MilestoneEvaluated:              "info.step.evaluated",
	escudo.MilestoneSentToBoard:            "info.step.sent_to_board",
	escudo.MilestoneResolutionCommunicated: "info.step.resolution_communicated",
	escudo.MilestoneMeasuresImplemented:    "info.step.measures_implemented",
	escudo.MilestoneAppealRuled:            "info.step.appeal_ruled",
}

// startText is the words for the milestone a clock starts at.
type startText struct {
	start escudo.Milestone
	key   string
}

// fromText says from when a clock started by each milestone counts; the
// order is the order of the procedure, which the lists follow.
var fromText = []startText{
	{escudo.MilestoneReceived, "info.from.received"},
	{escudo.MilestoneEvaluated, "info.from.evaluated"},
	{escudo.MilestoneResolved, "info.from.resolved"},
	{escudo.MilestoneAppealFiled, "info.from.appeal_filed"},
}

func (s *server) handleInfo(pg infoPage) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.publicPage(r, pg.Title, nil)
		p.Data = s.information(p.L, pg.Path)
		s.Render(w, r, http.StatusOK, pg.Template, p)
	}
}

// information gathers what the pages say from the configuration the
// store holds: the legal clocks, the appeal window and the measures.
func (s *server) information(l *i18n.Localizer, path string) *infoData {
	d := &infoData{AppealWindow: inWords(l, s.DB.AppealWindow())}
	for _, pg := range infoPages {
		d.Pages = append(d.Pages, infoLink{Path: pg.Path, Title: pg.Title, Current: pg.Path == path})
	}
	type ranked struct {
		step  infoStep
		rank  int
		limit time.Duration
	}
	var extraordinary, ordinary, appeal []ranked
	for _, rule := range s.DB.Rules() {
		if rule.Recurring {
			if rule.Stop == escudo.MilestoneReevaluated {
				d.Reevaluation = inWords(l, time.Duration(rule.Limit))
			}
			continue
		}
		rank := slices.IndexFunc(fromText, func(f startText) bool { return f.start == rule.Start })
		what, ok := stepText[rule.Stop]
		if rank < 0 || !ok {
			continue
		}
		x := ranked{infoStep{What: what, Limit: inWords(l, time.Duration(rule.Limit)), From: fromText[rank].key}, rank, time.Duration(rule.Limit)}
		switch {
		case rule.Stop == escudo.MilestoneAppealRuled:
			appeal = append(appeal, x)
		case rule.Procedure == escudo.ProcedureExtraordinary:
			extraordinary = append(extraordinary, x)
		case rule.Applies(escudo.ProcedureOrdinary):
			ordinary = append(ordinary, x)
		}
	}
	steps := func(xs []ranked) []infoStep {
		slices.SortStableFunc(xs, func(a, b ranked) int {
			return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.limit, b.limit))
		})
		out := make([]infoStep, len(xs))
		for i, x := range xs {
			out[i] = x.step
		}
		return out
	}
	d.Extraordinary, d.Ordinary, d.AppealRuling = steps(extraordinary), steps(ordinary), steps(appeal)
	if path == "/informacion/medidas" {
		d.Kinds = catalogueKinds(s.DB.Measures(), l.Lang)
	}
	return d
}

// catalogueKinds groups the measures in force of the catalogue by kind, in
// the reader's language; a kind without measures is left out.
func catalogueKinds(c *measures.Catalogue, lang string) []infoKind {
	var out []infoKind
	for _, k := range measures.Kinds {
		g := infoKind{Heading: "measures.kind." + string(k), About: "info.measures.about." + string(k)}
		for _, m := range c.Measures {
			if m.Kind == k && !m.Retired {
				g.Measures = append(g.Measures, infoMeasure{Label: m.Label.In(lang), Description: m.Description.In(lang)})
			}
		}
		if len(g.Measures) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// inWords writes a legal limit as people say it: whole days as days, whole
// hours as hours, anything else as hours and minutes.
func inWords(l *i18n.Localizer, d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= day && d%day == 0:
		return l.T("info.days", map[string]any{"Count": int(d / day)})
	case d >= time.Hour && d%time.Hour == 0:
		return l.T("info.hours", map[string]any{"Count": int(d / time.Hour)})
	default:
		return l.T("info.minutes", map[string]any{"Count": int(d / time.Minute)})
	}
}

package staff

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/store"
	"escudo/internal/web"
)

// Urgent measures (issue 14, item 4): reception, the duty desk and the
// coordination issue them from the case page of an extraordinary case,
// without a session (the section is web.CaseMeasures; the measures' own
// pages are internal/web/protection).

func (s *server) registerMeasures() {
	s.Handle("POST /cases/{id}/urgent-measures", web.Access{Action: access.MeasureUrgent, Object: "case"}, s.caseAction("urgent", "measure.done_urgent", s.actUrgentMeasure))
}

func formID(f url.Values, name string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(f.Get(name)), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// actUrgentMeasure issues one urgent measure without a session; its
// first records urgent_measures_issued in the same transaction.
func (s *server) actUrgentMeasure(r *http.Request, id int64) error {
	f := r.PostForm
	g := escudo.MeasureGrant{CaseID: id, Measure: f.Get("measure"), AgencyID: formID(f, "agency_id"), LiaisonID: formID(f, "liaison_id"),
		Reason: f.Get("reason"), Source: escudo.SourceUrgent, Discreet: f.Get("discreet") == "1", Details: map[string]string{}}
	for k, v := range f {
		if name, ok := strings.CutPrefix(k, "detail."); ok && len(v) > 0 && strings.TrimSpace(v[0]) != "" {
			g.Details[name] = v[0]
		}
	}
	ctx := r.Context()
	return s.DB.WithTx(ctx, true, func(tx *store.Tx) error {
		_, err := tx.GrantMeasure(ctx, escudo.UserIDFromContext(ctx), g)
		return err
	})
}

// measureHistoryRow is one step of a measure's life, translated.

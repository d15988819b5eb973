package api

import (
	"net/http"

	"escudo"
	"escudo/internal/web"
)

// apiBacklog answers GET /api/v1/backlog: open cases by their most urgent
// clock, then by age, with counts per stage and of breached and soon-due cases.
func (s *server) apiBacklog(w http.ResponseWriter, r *http.Request) {
	f, err := parseCaseFilter(r.URL.Query())
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	b, err := s.DB.Backlog(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	out := backlogView{Items: make([]backlogRow, 0, len(b.Rows)), Total: b.Total, StageCounts: map[escudo.Stage]int{},
		BreachedCount: b.BreachedCount, DueSoonCount: b.DueSoonCount, Limit: f.Limit, Offset: f.Offset}
	for _, st := range escudo.Stages {
		out.StageCounts[st] = b.StageCounts[st]
	}
	for _, row := range b.Rows {
		out.Items = append(out.Items, backlogRow{Case: summarize(row.Case), AgeSeconds: int64(row.Age.Seconds()), NextClock: row.NextClock, Breaches: row.Breaches})
	}
	web.WriteJSON(w, http.StatusOK, out)
}

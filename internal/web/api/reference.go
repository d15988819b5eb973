package api

import (
	"net/http"

	"escudo"
	"escudo/internal/web"
)

// apiFederalEntities answers GET /api/v1/federal-entities.
func (s *server) apiFederalEntities(w http.ResponseWriter, r *http.Request) {
	out := itemsOf[federalEntityView]{Items: make([]federalEntityView, 0, len(escudo.FederalEntities))}
	for _, e := range escudo.FederalEntities {
		out.Items = append(out.Items, federalEntityView{Code: e.Code, Name: e.Name})
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// apiClockRules answers GET /api/v1/clock-rules: the configured legal deadlines.
func (s *server) apiClockRules(w http.ResponseWriter, r *http.Request) {
	web.WriteJSON(w, http.StatusOK, itemsOf[escudo.ClockRule]{Items: append([]escudo.ClockRule{}, s.DB.Rules()...)})
}

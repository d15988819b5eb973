package http

import (
	"net/http"

	"escudo"
)

// apiFederalEntities answers GET /api/v1/federal-entities.
func (s *Server) apiFederalEntities(w http.ResponseWriter, r *http.Request) {
	out := itemsOf[federalEntityView]{Items: make([]federalEntityView, 0, len(escudo.FederalEntities))}
	for _, e := range escudo.FederalEntities {
		out.Items = append(out.Items, federalEntityView{Code: e.Code, Name: e.Name})
	}
	writeJSON(w, http.StatusOK, out)
}

// apiClockRules answers GET /api/v1/clock-rules: the configured legal deadlines.
func (s *Server) apiClockRules(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, itemsOf[escudo.ClockRule]{Items: append([]escudo.ClockRule{}, s.db.Rules()...)})
}

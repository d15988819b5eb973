package api

import (
	"net/http"
	"strconv"

	"escudo"
	"escudo/internal/risk"
	"escudo/internal/web"
)

// recomputation is the answer of GET /api/v1/evaluations/{id}/recompute:
// what was stored, what the stored instrument version gives again from the
// stored answers, and whether they match.
type recomputation struct {
	Evaluation int64            `json:"evaluation"`
	Instrument string           `json:"instrument"`
	Version    int              `json:"version"`
	Stored     recomputedLevel  `json:"stored"`
	Recomputed *recomputedLevel `json:"recomputed,omitempty"`
	Matches    bool             `json:"matches"`
	Result     *risk.Result     `json:"result,omitempty"`
}

type recomputedLevel struct {
	Level escudo.RiskLevel `json:"level"`
	Num   int64            `json:"num"`
	Den   int64            `json:"den"`
}

// apiEvaluationRecompute answers GET /api/v1/evaluations/{id}/recompute.
func (s *server) apiEvaluationRecompute(w http.ResponseWriter, r *http.Request) {
	id, ok := web.PathID(r.PathValue("id"))
	if !ok {
		s.APINotFound(w, r)
		return
	}
	rc, err := s.DB.RecomputeEvaluation(r.Context(), id)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	e := rc.Evaluation
	out := recomputation{Evaluation: e.ID, Instrument: e.Instrument, Version: e.Version, Matches: rc.Matches,
		Stored: recomputedLevel{Level: e.Level, Num: e.Num, Den: e.Den}}
	if rc.Result.Level != "" {
		res := rc.Result
		out.Recomputed = &recomputedLevel{Level: res.Level, Num: res.Num, Den: res.Den}
		out.Result = &res
	}
	web.WriteJSON(w, http.StatusOK, out)
}

// apiRiskInstrument answers GET /api/v1/risk/instrument: the instrument as
// published, the version in use or ?version=N. It is public: with it and
// an evaluation's answers anyone can recompute the level (docs/risk.md).
func (s *server) apiRiskInstrument(w http.ResponseWriter, r *http.Request) {
	inst := s.DB.Instrument()
	version := inst.Version
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.APIError(w, r, escudo.FieldError("version", "validation.number", nil))
			return
		}
		version = n
	}
	body, err := s.DB.InstrumentBody(r.Context(), inst.ID, version)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(body)
}

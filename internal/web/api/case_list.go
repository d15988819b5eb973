package api

import (
	"escudo/internal/store"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"escudo"
	"escudo/internal/web"
)

// caseFilterParams are the query parameters of the case list and backlog.
var caseFilterParams = map[string]bool{"q": true, "stage": true, "entity": true, "procedure": true,
	"assigned_to": true, "breached": true, "open": true, "limit": true, "offset": true}

const (
	defaultPageSize = 50
	maxPageSize     = 200
	maxOffset       = 1_000_000
)

// parseCaseFilter reads and validates list filters. Unknown or repeated
// parameters are refused so a typo ("stgae") never silently lists everything.
func parseCaseFilter(q url.Values) (escudo.CaseFilter, error) {
	f := escudo.CaseFilter{Limit: defaultPageSize}
	var v escudo.ValidationErrors
	for name, vals := range q {
		if !caseFilterParams[name] {
			v.Add(name, "validation.unknown_field", nil)
		} else if len(vals) > 1 {
			v.Add(name, "validation.duplicate_field", nil)
		}
	}
	get := func(name string) string {
		s := q.Get(name)
		if strings.ContainsRune(s, 0) || !web.ValidText(s, escudo.MaxShortText) {
			v.Add(name, "validation.encoding", nil)
			return ""
		}
		return strings.TrimSpace(s)
	}
	f.Query = get("q")
	if s := get("stage"); s != "" {
		f.Stage = escudo.Stage(s)
		if !validStage(f.Stage) {
			v.Add("stage", "validation.choice", nil)
		}
	}
	if s := get("entity"); s != "" {
		f.Entity = strings.ToUpper(s)
		if _, ok := escudo.LookupFederalEntity(f.Entity); !ok {
			v.Add("entity", "validation.choice", nil)
		}
	}
	if s := get("procedure"); s != "" {
		f.Procedure = escudo.Procedure(s)
		if f.Procedure != escudo.ProcedureOrdinary && f.Procedure != escudo.ProcedureExtraordinary {
			v.Add("procedure", "validation.choice", nil)
		}
	}
	if s := get("assigned_to"); s != "" {
		id, ok := web.PathID(s)
		if !ok {
			v.Add("assigned_to", "validation.type", map[string]any{"Type": "integer"})
		}
		f.AssignedTo = id
	}
	boolParam := func(name string, dst *bool) {
		if s := get(name); s != "" {
			b, err := strconv.ParseBool(s)
			if err != nil {
				v.Add(name, "validation.type", map[string]any{"Type": "boolean"})
			}
			*dst = b
		}
	}
	boolParam("breached", &f.Breached)
	boolParam("open", &f.Open)
	intParam := func(name string, dst *int, min, max int) {
		if s := get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				v.Add(name, "validation.type", map[string]any{"Type": "integer"})
			} else if n < min || n > max {
				v.Add(name, "validation.range", map[string]any{"Min": min, "Max": max})
			}
			*dst = n
		}
	}
	intParam("limit", &f.Limit, 1, maxPageSize)
	intParam("offset", &f.Offset, 0, maxOffset)
	return f, v.Err()
}

func validStage(s escudo.Stage) bool {
	for _, x := range escudo.Stages {
		if x == s {
			return true
		}
	}
	return false
}

// apiCaseList answers GET /api/v1/cases.
func (s *server) apiCaseList(w http.ResponseWriter, r *http.Request) {
	f, err := parseCaseFilter(r.URL.Query())
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	cases, total, err := s.DB.FindCases(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	out := caseList{Items: make([]caseSummary, 0, len(cases)), Total: total, Limit: f.Limit, Offset: f.Offset,
		TotalCapped: f.Query != "" && total > store.SearchCountCap}
	for _, c := range cases {
		out.Items = append(out.Items, summarize(c))
	}
	web.WriteJSON(w, http.StatusOK, out)
}

package staff

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/web"
)

const casesPageSize = 50

type casesData struct {
	Cases            []caseRow
	Total            int
	Capped           bool // a search that matched more than store.SearchCountCap
	Cap              int
	Q, Stage, Entity string
	Page, Pages      int
	PrevURL, NextURL string
}

// handleCases lists cases, newest first, and searches by reference, exact
// name or phone number (the store matches names and phones by blind index).
func (s *server) handleCases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &casesData{Q: strings.TrimSpace(q.Get("q")), Page: web.PageNumber(r)}
	if len(d.Q) > escudo.MaxShortText {
		d.Q = d.Q[:escudo.MaxShortText]
	}
	f := escudo.CaseFilter{Query: d.Q, Limit: casesPageSize, Offset: (d.Page - 1) * casesPageSize}
	if st := escudo.Stage(q.Get("stage")); isWebStage(st) {
		f.Stage, d.Stage = st, string(st)
	}
	if _, ok := escudo.LookupFederalEntity(q.Get("entity")); ok {
		f.Entity, d.Entity = q.Get("entity"), q.Get("entity")
	}
	cases, total, err := s.DB.FindCases(r.Context(), f)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	// A reference that matches exactly one case opens it directly.
	if d.Q != "" && total == 1 && len(cases) == 1 && strings.EqualFold(normRef(d.Q), cases[0].Reference) {
		http.Redirect(w, r, "/cases/"+strconv.FormatInt(cases[0].ID, 10), http.StatusSeeOther)
		return
	}
	p := s.NewPage(r, "cases.title", d)
	d.Cases, d.Total = caseRows(p, cases), total
	d.Capped, d.Cap = d.Q != "" && total > store.SearchCountCap, store.SearchCountCap
	d.Pages = (total + casesPageSize - 1) / casesPageSize
	if d.Capped {
		d.Pages = store.SearchCountCap / casesPageSize // the newest of them, page by page
	}
	link := func(page int) string {
		v := url.Values{}
		for k, x := range map[string]string{"q": d.Q, "stage": d.Stage, "entity": d.Entity} {
			if x != "" {
				v.Set(k, x)
			}
		}
		if page > 1 {
			v.Set("page", itoa(page))
		}
		if len(v) == 0 {
			return "/cases"
		}
		return "/cases?" + v.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = link(d.Page + 1)
	}
	s.Render(w, r, http.StatusOK, "cases", p)
}

// normRef is the reference form of a typed query ("esc-ab12-cd34").
func normRef(q string) string { return store.NormalizeReference(q) }

func itoa(n int) string { return strconv.Itoa(n) }

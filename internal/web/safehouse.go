package web

import (
	"net/http"

	"escudo"
)

// SafeHouseSection is the "Casa de protección" section of a case page (and
// of its own page, /cases/{id}/safe-house): the state of the case's latest
// request for a safe house, never where, and the form to ask for one.
type SafeHouseSection struct {
	CaseID    int64
	Status    *escudo.SafeHouseStatus // nil: never asked
	Ask       bool                    // the form is offered: the case is open and has no request waiting or under way
	Urgencies []escudo.SafeHouseUrgency
	Needs     []escudo.SafeHouseNeed
}

// CaseSafeHouse loads the section for who may ask for a place on the case
// (nil for everyone else, so the page shows no section).
func (s *Core) CaseSafeHouse(r *http.Request, p *Page, caseID int64, open bool) (*SafeHouseSection, error) {
	if !p.Can("POST /cases/{id}/safe-house") {
		return nil, nil
	}
	st, err := s.DB.CaseSafeHouseStatus(r.Context(), caseID)
	if err != nil {
		return nil, err
	}
	busy := st != nil && (st.State == escudo.SafeHousePending || st.State == escudo.SafeHouseAssigned)
	return &SafeHouseSection{CaseID: caseID, Status: st, Ask: open && !busy,
		Urgencies: escudo.SafeHouseUrgencies, Needs: escudo.SafeHouseNeeds}, nil
}

package web

import (
	"net/http"
	"time"

	"escudo"
	"escudo/internal/board"
)

// ResolutionRow is a Board resolution as the session and case pages show
// it: identifier, case, level adopted, outcome with its tally, reasons and
// named votes.
type ResolutionRow struct {
	Identifier, Reference string
	CaseID, SessionID     int64
	SessionDate           time.Time
	Level, Adopted        string
	Tally                 string
	Reasons               string
	Votes                 []VoteRow
}

// VoteRow is one named vote: the seat's institution, who voted, how.
type VoteRow struct{ Seat, Name, Choice string }

// ResolutionRows puts resolutions into words for p's reader.
func ResolutionRows(p *Page, cfg *board.Config, list []escudo.Resolution) []ResolutionRow {
	var out []ResolutionRow
	for _, x := range list {
		f, a, ab := board.Tally(x.Votes)
		outcome := "rejected"
		if x.Adopted {
			outcome = "adopted"
		}
		row := ResolutionRow{Identifier: x.Identifier, Reference: x.CaseReference, CaseID: x.CaseID, SessionID: x.SessionID, SessionDate: x.SessionDate, Level: p.L.T("risk.level." + string(x.Level)),
			Adopted: p.L.T("board.resolution_" + outcome), Reasons: x.Reasons,
			Tally: p.T("board.tally", "For", f, "Against", a, "Abstain", ab)}
		for _, v := range x.Votes {
			label := v.Seat
			if seat, ok := cfg.Seat(v.Seat); ok {
				label = seat.Institution.In(p.Lang())
			}
			name := v.MemberName
			if v.Alternate {
				name = p.T("board.as_alternate", "Name", v.MemberName)
			}
			row.Votes = append(row.Votes, VoteRow{Seat: label, Name: name, Choice: p.L.T("board.vote." + string(v.Choice))})
		}
		out = append(out, row)
	}
	return out
}

// CaseBoard is the Board's resolutions on a case, for the case page.
type CaseBoard struct{ Rows []ResolutionRow }

// CaseBoard returns the case's resolutions for who reads the Board, nil
// for anyone else (no section).
func (s *Core) CaseBoard(r *http.Request, p *Page, caseID int64) (*CaseBoard, error) {
	if !p.Can("GET /board") {
		return nil, nil
	}
	list, err := s.DB.CaseResolutions(r.Context(), caseID)
	if err != nil {
		return nil, err
	}
	return &CaseBoard{Rows: ResolutionRows(p, s.DB.Board(), list)}, nil
}

package portal

import (
	"net/http"
	"strconv"

	"escudo"
	"escudo/internal/web"
)

// measureData is a measure as its beneficiary reads it: what it is, who
// implements it, its state and deadline in words, its history, and the
// forms for their word on it.
type measureData struct {
	ID, CaseID    int64
	Label, About  string
	Agency        string
	Status        string
	StatusHelp    string
	Deadline, ISO string
	Overdue       string
	History       []historyRow
	Words         []wordRow
	Ratings       []wordRow
	CanConfirm    bool // awaiting their confirmation
	CanDispute    bool // awaiting it or in force: they can say it is not there
	CanRate       bool
	RatingChoices []web.Choice
}

type historyRow struct{ At, ISO, What string }

type wordRow struct{ At, What, Comment string }

func (s *server) measurePage(r *http.Request, id int64) (*web.Page, error) {
	ctx := r.Context()
	m, err := s.DB.FindMeasure(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &measureData{ID: m.ID, CaseID: m.CaseID, Agency: m.Agency.Name}
	p := s.NewPage(r, "portal.measure_title", d)
	label, cm := s.CatalogueLabel(p, m.Measure)
	d.Label, d.About = label, cm.Description.In(p.L.Lang)
	d.Status, d.StatusHelp = p.T("measure.status."+string(m.Status)), p.T("portal.measure_status."+string(m.Status))
	d.Deadline, d.ISO = p.Time(m.Deadline), p.ISO(m.Deadline)
	now := s.DB.Now()
	if m.Overdue(now) {
		d.Overdue = web.OverdueAge(p, now.Sub(m.Deadline))
	}
	d.CanConfirm = m.Status == escudo.MeasureAwaiting
	d.CanDispute = m.Status == escudo.MeasureAwaiting || m.Status == escudo.MeasureInForce
	d.CanRate = m.Status == escudo.MeasureInForce || m.Status == escudo.MeasureAwaiting || m.Status == escudo.MeasureUnderReview
	for _, rt := range escudo.MeasureRatings {
		d.RatingChoices = append(d.RatingChoices, web.Choice{Value: string(rt), Label: p.T("measure.rating." + string(rt))})
	}
	hist, err := s.DB.MeasureHistory(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		d.History = append(d.History, historyRow{At: p.Time(h.At), ISO: p.ISO(h.At), What: p.T("measure.status." + string(h.To))})
	}
	words, err := s.DB.MeasureConfirmations(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, w := range words {
		what := p.T("portal.word_confirmed")
		if !w.Confirmed {
			what = p.T("portal.word_disputed")
		}
		d.Words = append(d.Words, wordRow{At: p.Time(w.At), What: what, Comment: w.Comment})
	}
	ratings, err := s.DB.MeasureRatings(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, rt := range ratings {
		d.Ratings = append(d.Ratings, wordRow{At: p.Time(rt.At), What: p.T("measure.rating." + string(rt.Rating)), Comment: rt.Why})
	}
	return p, nil
}

func (s *server) handleMeasure(w http.ResponseWriter, r *http.Request) {
	p, err := s.measurePage(r, pathID(r))
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "portal_measure", p)
}

func (s *server) measureForm(act func(r *http.Request, id int64) error, done string) http.HandlerFunc {
	return s.FormAction(func(r *http.Request) (string, error) {
		id := pathID(r)
		return "/portal/measures/" + strconv.FormatInt(id, 10), act(r, id)
	}, done, func(r *http.Request) (*web.Page, string, error) {
		p, err := s.measurePage(r, pathID(r))
		return p, "portal_measure", err
	})
}

// actConfirm is their word on the measure: it is in place, or it is not
// (a dispute, which needs a comment, reopens it with a new deadline and
// tells the implementing agency).
func (s *server) actConfirm(r *http.Request, id int64) error {
	switch r.PostForm.Get("answer") {
	case "confirmed":
		return s.DB.ConfirmMeasure(r.Context(), id, true, escudo.ChannelByPortal, r.PostForm.Get("comment"))
	case "disputed":
		return s.DB.ConfirmMeasure(r.Context(), id, false, escudo.ChannelByPortal, r.PostForm.Get("comment"))
	}
	return escudo.FieldError("answer", "portal.answer_choose", nil)
}

func (s *server) actRate(r *http.Request, id int64) error {
	return s.DB.RateMeasure(r.Context(), id, escudo.MeasureRating(r.PostForm.Get("rating")), r.PostForm.Get("why"))
}

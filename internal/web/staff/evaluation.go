package staff

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/measures"
	"escudo/internal/risk"
	"escudo/internal/web"
)

// The risk evaluation pages (docs/risk.md): the analyst's form, grouped by
// factor with each step's meaning beside it, saved as a draft as often as
// wanted and submitted once; the result with each factor's contribution
// drawn as bars; and the plain-language explanation for the person
// evaluated, printable.

func (s *server) registerEvaluations() {
	s.Handle("POST /cases/{id}/evaluations", web.Access{Action: access.RiskDraft, Object: "case"}, s.handleStartEvaluation)
	s.Handle("GET /evaluations/{id}", web.Access{Action: access.RiskRead, Object: "evaluation"}, s.handleEvaluation)
	s.Handle("POST /evaluations/{id}", web.Access{Action: access.RiskDraft, Object: "evaluation"}, s.handleSaveEvaluation(false))
	s.Handle("POST /evaluations/{id}/submit", web.Access{Action: access.RiskSubmit, Object: "evaluation"}, s.handleSaveEvaluation(true))
	s.Handle("GET /evaluations/{id}/explanation", web.Access{Action: access.RiskExplain, Object: "evaluation"}, s.handleExplanation)
}

// handleStartEvaluation opens an evaluation and goes to its form; a refusal
// is shown on the case page, as its other actions' are.
func (s *server) handleStartEvaluation(w http.ResponseWriter, r *http.Request) {
	id, ok := caseID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	if !s.ParseForm(w, r) {
		return
	}
	eid, err := s.DB.StartEvaluation(r.Context(), id, escudo.EvaluationKind(r.PostForm.Get("kind")), escudo.EvaluationReason(r.PostForm.Get("reason")))
	if err == nil {
		s.Flash(r, "evaluation.started")
		http.Redirect(w, r, "/evaluations/"+strconv.FormatInt(eid, 10), http.StatusSeeOther)
		return
	}
	s.caseAction("evaluation", "", func(*http.Request, int64) error { return err })(w, r)
}

type evalStep struct {
	Value   string
	Meaning string
	Checked bool
}

type evalFactor struct {
	ID, Label, Evidence string
	Weight              int64
	Steps               []evalStep
	Note                string
	Answered            bool
	Meaning             string // of the chosen step
	Points, Max, Share  int64
	Bar                 int64 // points as a share of the most points any factor of the evaluation can have, 0–100
}

type evalGroup struct {
	ID, Label string
	Value     string // the group's value, two decimals, when every factor is answered
	Factors   []evalFactor
}

type evalOption struct {
	ID, Label string
	Checked   bool
}

type evalQuestion struct {
	ID, Label, Kind string
	Required        bool
	Options         []evalOption
	Answer          string
	AnswerLabel     string
}

type evalMeasure struct {
	ID, Label, Description string
	Checked                bool
	Reason                 string
}

type evalMeasureGroup struct {
	Label    string
	Measures []evalMeasure
}

type evaluationData struct {
	Eval          *escudo.Evaluation
	CaseRef       string
	Editable      bool // a draft this person may save
	Instrument    string
	Groups        []evalGroup
	Context       []evalQuestion
	Measures      []evalMeasureGroup
	Proposed      []evalMeasure
	Result        *risk.Result
	LevelLabel    string
	Missing       int // answers still needed to submit
	Sentences     []string
	Flags         []string
	Justification string
	AppealDays    int // the configured window to disagree, in days
}

var proposalIndex = regexp.MustCompile(`^proposals\[(\d+)\]\.(measure|reason)$`)

func (s *server) handleEvaluation(w http.ResponseWriter, r *http.Request) {
	id, ok := caseID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.evaluationPage(r, id, nil)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, "evaluation", p)
}

// evaluationPage builds the page of evaluation id; typed, when not nil,
// is a refused form shown again with what was typed.
func (s *server) evaluationPage(r *http.Request, id int64, typed *escudo.EvaluationDraft) (*web.Page, error) {
	ctx := r.Context()
	e, err := s.DB.Evaluation(ctx, id)
	if err != nil {
		return nil, err
	}
	inst, err := s.DB.ParsedInstrument(ctx, e.Instrument, e.Version)
	if err != nil {
		return nil, err
	}
	ref, err := s.DB.CaseReference(ctx, e.CaseID)
	if err != nil {
		return nil, err
	}
	d := &evaluationData{Eval: e, CaseRef: ref, AppealDays: int(s.DB.AppealWindow().Hours() / 24)}
	p := s.NewPage(r, "evaluation.title", d)
	lang := p.Lang()
	d.Editable = e.State == escudo.StateDraft && p.Can("POST /evaluations/{id}")
	d.Instrument = inst.Title.In(lang)
	ans := escudo.EvaluationDraft{Factors: e.Factors, Context: e.Context, Notes: e.Notes, Proposals: e.Proposals, Justification: e.Justification}
	if typed != nil {
		ans = *typed
	}
	d.Justification = ans.Justification
	a := risk.Answers{Instrument: e.Instrument, Version: e.Version, Factors: ans.Factors, Context: ans.Context, Notes: ans.Notes}
	d.Missing = len(risk.Missing(inst, a))
	if res, err := risk.Evaluate(inst, a); err == nil {
		d.Result = &res
		if l, ok := inst.Level(res.Level); ok {
			d.LevelLabel = l.Label.In(lang)
		}
		for _, sn := range risk.Explain(inst, res).Sentences(inst, lang) {
			d.Sentences = append(d.Sentences, p.L.T(sn.Key, sn.Args))
		}
	}
	var most int64 = 1
	for _, g := range inst.Groups {
		for _, f := range g.Factors {
			most = max(most, f.Weight*f.Scale[len(f.Scale)-1].Value)
		}
	}
	for gi, g := range inst.Groups {
		eg := evalGroup{ID: string(g.ID), Label: g.Label.In(lang)}
		if d.Result != nil {
			eg.Value = d.Result.Groups[gi].Value
		}
		for _, f := range g.Factors {
			v, answered := ans.Factors[f.ID]
			ef := evalFactor{ID: f.ID, Label: f.Label.In(lang), Evidence: f.Evidence.In(lang), Weight: f.Weight, Note: ans.Notes[f.ID], Answered: answered,
				Max: f.Weight * f.Scale[len(f.Scale)-1].Value}
			for _, st := range f.Scale {
				ef.Steps = append(ef.Steps, evalStep{Value: strconv.FormatInt(st.Value, 10), Meaning: st.Meaning.In(lang), Checked: answered && st.Value == v})
				if answered && st.Value == v {
					ef.Meaning = st.Meaning.In(lang)
				}
			}
			if answered {
				ef.Points = f.Weight * v
				ef.Bar = ef.Points * 100 / most
			}
			if d.Result != nil {
				for _, ct := range d.Result.Factors {
					if ct.Factor == f.ID {
						ef.Share = ct.Share
					}
				}
			}
			eg.Factors = append(eg.Factors, ef)
		}
		d.Groups = append(d.Groups, eg)
	}
	for _, q := range inst.Context {
		eq := evalQuestion{ID: q.ID, Label: q.Label.In(lang), Kind: q.Kind, Required: q.Required, Answer: ans.Context[q.ID]}
		for _, o := range q.Options {
			eq.Options = append(eq.Options, evalOption{ID: o.ID, Label: o.Label.In(lang), Checked: o.ID == eq.Answer})
			if o.ID == eq.Answer {
				eq.AnswerLabel = o.Label.In(lang)
			}
		}
		if q.Kind == risk.KindText {
			eq.AnswerLabel = eq.Answer
		}
		d.Context = append(d.Context, eq)
	}
	proposed := map[string]string{}
	for _, pr := range ans.Proposals {
		proposed[pr.Measure] = pr.Reason
	}
	cat := s.DB.Measures()
	by := cat.ByKind()
	for _, k := range measures.Kinds {
		g := evalMeasureGroup{Label: p.T("measures.kind." + string(k))}
		for _, m := range by[k] {
			reason, ok := proposed[m.ID]
			g.Measures = append(g.Measures, evalMeasure{ID: m.ID, Label: m.Label.In(lang), Description: m.Description.In(lang), Checked: ok, Reason: reason})
		}
		d.Measures = append(d.Measures, g)
	}
	for _, pr := range ans.Proposals {
		if m, ok := cat.Find(pr.Measure); ok {
			d.Proposed = append(d.Proposed, evalMeasure{ID: m.ID, Label: m.Label.In(lang), Reason: pr.Reason})
		}
	}
	for _, f := range e.BoardFlags {
		d.Flags = append(d.Flags, p.T("evaluation.flag."+f))
	}
	return p, nil
}

// draftFromForm reads the evaluation form: f.<factor> the step chosen,
// n.<factor> its evidence note, c.<question> the context answer, m.<measure>
// a proposed measure with r.<measure> its reason, and justification.
func (s *server) draftFromForm(r *http.Request, inst *risk.Instrument) (escudo.EvaluationDraft, error) {
	f := r.PostForm
	d := escudo.EvaluationDraft{Factors: map[string]int64{}, Context: map[string]string{}, Notes: map[string]string{}}
	var v escudo.ValidationErrors
	for _, g := range inst.Groups {
		for _, fa := range g.Factors {
			if raw := strings.TrimSpace(f.Get("f." + fa.ID)); raw != "" {
				n, err := strconv.ParseInt(raw, 10, 64)
				if err != nil {
					v.Add("factors."+fa.ID, "validation.choice", nil)
					continue
				}
				d.Factors[fa.ID] = n
			}
			if note := strings.TrimSpace(f.Get("n." + fa.ID)); note != "" {
				d.Notes[fa.ID] = note
			}
		}
	}
	for _, q := range inst.Context {
		if a := strings.TrimSpace(f.Get("c." + q.ID)); a != "" {
			d.Context[q.ID] = a
		}
	}
	for _, m := range s.DB.Measures().Measures {
		if f.Get("m."+m.ID) != "" {
			d.Proposals = append(d.Proposals, escudo.MeasureProposal{Measure: m.ID, Reason: strings.TrimSpace(f.Get("r." + m.ID))})
		}
	}
	d.Justification = strings.TrimSpace(f.Get("justification"))
	return d, v.Err()
}

func (s *server) handleSaveEvaluation(submit bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := caseID(r)
		if !ok {
			s.RenderError(w, r, http.StatusNotFound, "error.not_found")
			return
		}
		if !s.ParseForm(w, r) {
			return
		}
		ctx := r.Context()
		e, err := s.DB.Evaluation(ctx, id)
		if err != nil {
			s.ErrorPage(w, r, err)
			return
		}
		inst, err := s.DB.ParsedInstrument(ctx, e.Instrument, e.Version)
		if err != nil {
			s.ErrorPage(w, r, err)
			return
		}
		d, err := s.draftFromForm(r, inst)
		if err == nil {
			if submit {
				_, err = s.DB.SubmitEvaluation(ctx, id, d)
			} else {
				err = s.DB.SaveEvaluation(ctx, id, d)
			}
		}
		if err == nil {
			done := "evaluation.saved"
			if submit {
				done = "evaluation.submitted"
			}
			s.Flash(r, done)
			http.Redirect(w, r, "/evaluations/"+strconv.FormatInt(id, 10)+"#result", http.StatusSeeOther)
			return
		}
		v, invalid := escudo.AsValidation(err)
		if !invalid && escudo.ErrorCode(err) != escudo.ECONFLICT && escudo.ErrorCode(err) != escudo.EFORBIDDEN {
			s.ErrorPage(w, r, err)
			return
		}
		p, perr := s.evaluationPage(r, id, &d)
		if perr != nil {
			s.ErrorPage(w, r, perr)
			return
		}
		status := http.StatusBadRequest
		if !invalid {
			status = http.StatusConflict
			if escudo.ErrorCode(err) == escudo.EFORBIDDEN {
				status = http.StatusForbidden
			}
			p.Error = p.T(escudo.ErrorKey(err))
		} else {
			s.evaluationErrors(p, inst, d, v)
		}
		s.Render(w, r, status, "evaluation", p)
	}
}

// evaluationErrors puts each error beside its field, named in the summary
// by the factor's or question's label.
func (s *server) evaluationErrors(p *web.Page, inst *risk.Instrument, d escudo.EvaluationDraft, v escudo.ValidationErrors) {
	p.Errors = map[string][]string{}
	lang := p.Lang()
	for _, e := range v {
		field, label := e.Field, e.Field
		if id, ok := strings.CutPrefix(field, "factors."); ok {
			if f, _, ok := inst.Factor(id); ok {
				label = f.Label.In(lang)
			}
			field = "f." + id
		} else if id, ok := strings.CutPrefix(field, "context."); ok {
			for _, q := range inst.Context {
				if q.ID == id {
					label = q.Label.In(lang)
				}
			}
			field = "c." + id
		} else if id, ok := strings.CutPrefix(field, "notes."); ok {
			field = "n." + id
		} else if m := proposalIndex.FindStringSubmatch(field); m != nil {
			i, _ := strconv.Atoi(m[1])
			if i < len(d.Proposals) {
				field = "r." + d.Proposals[i].Measure
				if ms, ok := s.DB.Measures().Find(d.Proposals[i].Measure); ok {
					label = ms.Label.In(lang)
				}
			}
		} else if field == "justification" {
			label = p.T("evaluation.justification")
		}
		msg := p.L.T(e.Key, e.Args)
		p.Errors[field] = append(p.Errors[field], msg)
		p.Summary = append(p.Summary, web.SummaryItem{Href: "#" + strings.ReplaceAll(field, ".", "-"), Text: label + ": " + msg})
	}
	p.Error = p.T("error.form_invalid")
}

func (s *server) handleExplanation(w http.ResponseWriter, r *http.Request) {
	id, ok := caseID(r)
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "error.not_found")
		return
	}
	p, err := s.evaluationPage(r, id, nil)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	d := p.Data.(*evaluationData)
	if d.Eval.State != escudo.StateSubmitted {
		s.RenderError(w, r, http.StatusConflict, "risk.not_submitted")
		return
	}
	p.Title = "evaluation.explanation_title"
	s.Render(w, r, http.StatusOK, "evaluation_explanation", p)
}

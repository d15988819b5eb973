package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An analyst evaluates a request end to end, in a real browser, at desktop
// size with JavaScript and at phone size without it: the form refuses a
// submission without the context and says so beside the fields, keeps a
// partial draft, then takes the full answers; the level, the bars and the
// plain explanation show, and the printable explanation names the level.
func TestRiskEvaluationByAnAnalyst(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	for _, v := range []struct {
		name   string
		w, h   int64
		script bool
	}{{"desktop", 1280, 900, true}, {"phone without JavaScript", 390, 844, false}} {
		t.Run(v.name, func(t *testing.T) {
			public := newBrowser(t, browser, v.w, v.h, v.script)
			reception := newBrowser(t, browser, v.w, v.h, v.script)
			analyst := newBrowser(t, browser, v.w, v.h, v.script)
			riskScenario(t, srv, public, reception, analyst, v.name)
		})
	}
}

func riskScenario(t *testing.T, srv *demoServer, public, reception, analyst context.Context, variant string) {
	err := chromedp.Do(public,
		chromedp.Navigate(srv.URL+"/solicitar"),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "Albergue Belén Posada del Migrante"),
		chromedp.Click(chromedp.CSS(`input[name="profile"][value="defender"]`)),
		chromedp.SetValue(chromedp.ID("federal_entity"), "COA"),
		chromedp.SendKeys(chromedp.ID("narrative"), "Hombres armados vigilan la entrada del albergue ("+variant+")."),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("code")),
	)
	if err != nil {
		t.Fatalf("public request: %v", err)
	}
	reference := text(public, t, chromedp.ID("reference"))
	open := func(ctx context.Context) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/cases?q="+reference), chromedp.WaitVisible(chromedp.ID("timeline"))); err != nil {
			t.Fatalf("open case %s: %v", reference, err)
		}
	}
	signInProcedure(t, reception, srv, "recepcion")
	open(reception)
	err = chromedp.Do(reception,
		chromedp.Click(chromedp.CSS(`input[name="admission"][value="admitted"]`)),
		chromedp.Click(chromedp.CSS(`#admission button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if err != nil {
		t.Fatalf("admit: %v", err)
	}

	signInProcedure(t, analyst, srv, "analista")
	open(analyst)
	err = chromedp.Do(analyst,
		chromedp.SetValue(chromedp.ID("ev-kind"), "full"),
		chromedp.Click(chromedp.CSS(`#evaluation-start button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("evaluation-form")),
		chromedp.WaitVisible(chromedp.ID("evaluation-missing")),
	)
	if err != nil {
		t.Fatalf("start the evaluation: %v", err)
	}
	// Threats answered, the rest not yet (13 factors and 7 context
	// questions): the draft keeps them.
	threats := map[string]string{"threat_type": "3", "threat_source": "4", "threat_frequency": "3", "threat_recency": "3", "threat_reach": "2"}
	for f, v := range threats {
		if err := chromedp.Do(analyst, chromedp.Click(chromedp.CSS(`input[name="f.`+f+`"][value="`+v+`"]`))); err != nil {
			t.Fatalf("answer %s: %v", f, err)
		}
	}
	if err := chromedp.Do(analyst, chromedp.Click(chromedp.ID("evaluation-save")),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class,"flash")][contains(.,"Borrador guardado")]`))); err != nil {
		t.Fatalf("save the draft: %v", err)
	}
	if n := text(analyst, t, chromedp.ID("evaluation-missing")); !strings.Contains(n, "Faltan 20 respuestas") {
		t.Fatalf("after a partial save: %q", n)
	}
	// Submitting now is refused beside the missing context.
	if err := chromedp.Do(analyst, chromedp.Click(chromedp.ID("evaluation-submit")), chromedp.WaitVisible(chromedp.CSS(`#c-gender + p.err`))); err != nil {
		t.Fatalf("an incomplete submission: %v", err)
	}
	if s := text(analyst, t, chromedp.CSS(`main`)); !strings.Contains(s, "Género") || strings.Contains(s, "context.gender") {
		t.Fatalf("the refusal does not name the question in words")
	}
	answers := map[string]string{"place": "3", "isolation": "2", "exposure": "3", "dependants": "2", "gender": "2", "ethnic_identity": "0",
		"health": "0", "digital_exposure": "2", "displacement": "1", "networks": "1", "accompaniment": "1", "legal_support": "1", "security_practices": "2"}
	for f, v := range answers {
		if err := chromedp.Do(analyst, chromedp.Click(chromedp.CSS(`input[name="f.`+f+`"][value="`+v+`"]`))); err != nil {
			t.Fatalf("answer %s: %v", f, err)
		}
	}
	for q, o := range map[string]string{"gender": "man", "ethnic_identity": "none", "disability": "no", "migration_status": "national", "sogi": "not_stated", "rurality": "urban"} {
		if err := chromedp.Do(analyst, chromedp.Click(chromedp.CSS(`input[name="c.`+q+`"][value="`+o+`"]`))); err != nil {
			t.Fatalf("context %s: %v", q, err)
		}
	}
	err = chromedp.Do(analyst,
		chromedp.SetValue(chromedp.ID("c-narrative"), "El director pidió no ser decidido en su ausencia; el albergue recibe a cientos de migrantes."),
		chromedp.Click(chromedp.CSS(`input[name="m.panic_button"]`)),
		chromedp.SetValue(chromedp.ID("r-panic_button"), "Vigilancia armada en la entrada."),
		chromedp.Click(chromedp.ID("evaluation-submit")),
		chromedp.WaitVisible(chromedp.ID("evaluation-level")),
	)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if s := text(analyst, t, chromedp.ID("evaluation-state")); s != "Presentada" {
		t.Fatalf("state %q", s)
	}
	if s := text(analyst, t, chromedp.ID("evaluation-level")); !strings.Contains(s, "Extraordinario") {
		t.Fatalf("level %q", s)
	}
	if n := count(analyst, t, `svg.factorbar`); n != 18 {
		t.Fatalf("%d factor bars, want 18", n)
	}
	if s := text(analyst, t, chromedp.ID("evaluation-explain")); !strings.Contains(s, "Tu nivel de riesgo es Extraordinario") {
		t.Fatalf("explanation %q", s)
	}
	err = chromedp.Do(analyst, chromedp.Click(chromedp.ID("explanation-link")), chromedp.WaitVisible(chromedp.ID("explanation-heading")))
	if err != nil {
		t.Fatalf("printable explanation: %v", err)
	}
	if s := text(analyst, t, chromedp.ID("explanation-sentences")); !strings.Contains(s, "Extraordinario") || strings.Contains(s, "threat_") {
		t.Fatalf("printable explanation %q", s)
	}
	open(analyst)
	if s := text(analyst, t, chromedp.ID("case-evaluations")); !strings.Contains(s, "Extraordinario") {
		t.Fatalf("case page evaluations %q", s)
	}
}

package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The procedure as a person sees it: reception is offered no Board
// resolution on a request never admitted, asks the petitioner for more
// information, and the first assignment names the analyst; the petitioner
// reads the question on the status page and answers it there; the answer is
// on the case timeline, and once admitted the analyst is offered only the
// evaluation. On a desktop with JavaScript and on a phone without it.
func TestProcedureEnforced(t *testing.T) {
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
			procedureScenario(t, srv, public, reception, analyst, v.name)
		})
	}
}

// newBrowser starts a browser of its own (its own cookies) at w×h.
func newBrowser(t *testing.T, browser string, w, h int64, script bool) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(int(w), int(h)),
		chromedp.Flag("lang", "es-MX"), chromedp.Flag("accept-lang", "es-MX,es"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !script}); err != nil {
		t.Fatalf("switch JavaScript: %v", err)
	}
	return ctx
}

func signInProcedure(t *testing.T, ctx context.Context, srv *demoServer, user string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), srv.Password),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
}

// optionValues lists the values of the options sel selects.
func optionValues(t *testing.T, ctx context.Context, sel string) []string {
	t.Helper()
	all, err := chromedp.Run(ctx, chromedp.AttributesAll(chromedp.CSSAll(sel)))
	if err != nil {
		t.Fatalf("options %s: %v", sel, err)
	}
	var out []string
	for _, a := range all {
		out = append(out, a["value"])
	}
	return out
}

func procedureScenario(t *testing.T, srv *demoServer, public, reception, analyst context.Context, variant string) {
	// A defender from Oaxaca files an ordinary request.
	err := chromedp.Do(public,
		chromedp.Navigate(srv.URL+"/solicitar"),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "Eloísa Cruz Martínez"),
		chromedp.Click(chromedp.CSS(`input[name="profile"][value="defender"]`)),
		chromedp.SetValue(chromedp.ID("federal_entity"), "OAX"),
		chromedp.SendKeys(chromedp.ID("narrative"), "Nos amenazaron en la asamblea por defender el río ("+variant+")."),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("code")),
	)
	if err != nil {
		t.Fatalf("public request: %v", err)
	}
	reference, code := text(public, t, chromedp.ID("reference")), text(public, t, chromedp.ID("code"))

	// Reception opens it: no step may be recorded on a request never admitted.
	signInProcedure(t, reception, srv, "recepcion")
	openCase := func(ctx context.Context) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/cases?q="+reference), chromedp.WaitVisible(chromedp.ID("timeline"))); err != nil {
			t.Fatalf("open case %s: %v", reference, err)
		}
	}
	openCase(reception)
	// The milestone form is gone: only the sentence saying so is there.
	if err := chromedp.Do(reception, chromedp.WaitVisible(chromedp.ID("milestone-none")), chromedp.WaitNotPresent(chromedp.ID("ms"))); err != nil {
		t.Fatalf("reception is offered steps on a request never admitted: %v", err)
	}

	// Reception asks for more information, then gives the case to an analyst.
	const question = "Dinos en qué comunidad fue la asamblea y quiénes estaban."
	err = chromedp.Do(reception,
		chromedp.Click(chromedp.CSS(`input[name="admission"][value="info_requested"]`)),
		chromedp.SendKeys(chromedp.ID("adm-reason"), question),
		chromedp.Click(chromedp.CSS(`#admission button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if err != nil {
		t.Fatalf("request information: %v", err)
	}
	openCase(reception)
	opt, err := chromedp.Run(reception, chromedp.AttributeValue(chromedp.Search(`//select[@id="assignee"]/option[starts-with(normalize-space(.),"Mariana Ochoa Ruelas")]`), "value"))
	if err != nil || opt.Value == "" {
		t.Fatalf("the analyst is not in the assignee list: %v", err)
	}
	analystID := opt.Value
	err = chromedp.Do(reception,
		chromedp.SetValue(chromedp.ID("assignee"), analystID),
		chromedp.Click(chromedp.CSS(`#assign button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if err != nil {
		t.Fatalf("assign: %v", err)
	}
	timeline := text(reception, t, chromedp.CSS(`ol.timeline`))
	if !strings.Contains(timeline, "Caso asignado: Mariana Ochoa Ruelas") || strings.Contains(timeline, "Caso asignado: nadie") {
		t.Fatalf("the first assignment does not name the analyst:\n%s", timeline)
	}

	// The petitioner reads the question on the status page and answers it.
	const answer = "Fue en Santa María Tlahuitoltepec; estaban el comisariado y dos hombres armados."
	err = chromedp.Do(public,
		chromedp.Navigate(srv.URL+"/seguimiento"),
		chromedp.WaitVisible(chromedp.ID("reference")),
		chromedp.SendKeys(chromedp.ID("reference"), reference),
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("info-request")),
	)
	if err != nil {
		t.Fatalf("status look-up: %v", err)
	}
	if got := text(public, t, chromedp.ID("info-request")); !strings.Contains(got, question) {
		t.Fatalf("status page does not show the question:\n%s", got)
	}
	// Without the code the answer comes back as typed.
	err = chromedp.Do(public,
		chromedp.SendKeys(chromedp.ID("answer"), answer),
		chromedp.Click(chromedp.CSS(`#info-answer button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#answer-code[aria-invalid="true"]`)),
	)
	if err != nil {
		t.Fatalf("answer without code: %v", err)
	}
	if kept, err := chromedp.Run(public, chromedp.Value(chromedp.ID("answer"))); err != nil || kept != answer {
		t.Fatalf("the answer was not kept: %q %v", kept, err)
	}
	err = chromedp.Do(public,
		chromedp.SendKeys(chromedp.ID("answer-code"), code),
		chromedp.Click(chromedp.CSS(`#info-answer button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("result")),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if err != nil {
		t.Fatalf("answer: %v", err)
	}
	status := text(public, t, chromedp.CSS("main"))
	if !strings.Contains(status, "Recibimos tu respuesta") || !strings.Contains(status, "Respuesta de quien solicita") || strings.Contains(status, answer) {
		t.Fatalf("status page after the answer:\n%s", status)
	}

	// The answer is on the case timeline; reception admits the request.
	openCase(reception)
	if timeline := text(reception, t, chromedp.CSS(`ol.timeline`)); !strings.Contains(timeline, answer) {
		t.Fatalf("the answer is not on the timeline:\n%s", timeline)
	}
	if entry := text(reception, t, chromedp.Search(`//ol[contains(@class,"timeline")]/li[contains(., "Respuesta de quien solicita")]`)); !strings.Contains(entry, "la persona solicitante") {
		t.Errorf("the answer is not attributed to the petitioner: %s", entry)
	}
	err = chromedp.Do(reception,
		chromedp.Click(chromedp.CSS(`input[name="admission"][value="admitted"]`)),
		chromedp.Click(chromedp.CSS(`#admission button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if err != nil {
		t.Fatalf("admit: %v", err)
	}

	// The analyst is offered only the evaluation.
	signInProcedure(t, analyst, srv, "analista")
	openCase(analyst)
	if got := optionValues(t, analyst, `#ms option`); !slices.Equal(got, []string{"", "evaluated"}) {
		t.Fatalf("analyst is offered %v, want only the evaluation", got)
	}
}

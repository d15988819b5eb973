package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

var witnessKeyLine = regexp.MustCompile(`authenticator app key: ([A-Z2-7]+)`)

// witnessKey reads the demo witness's app key from the banner, which is
// printed with the address and may still be on its way.
func witnessKey(t *testing.T, srv *demoServer) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := witnessKeyLine.FindStringSubmatch(srv.output()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("the demo banner names no witness app key:\n%s", srv.output())
	return ""
}

// witnessCodes hands out the witness's app codes, each from a time step
// later than the last one handed out: the server accepts a step once.
type witnessCodes struct {
	key  string
	last int64
}

func (w *witnessCodes) next(t *testing.T) string {
	t.Helper()
	for time.Now().Unix()/30 <= w.last {
		time.Sleep(200 * time.Millisecond) // the next step of the app's clock
	}
	now := time.Now()
	w.last = now.Unix() / 30
	code, err := totp.GenerateCodeCustom(w.key, now, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// noOverflow fails when the page is wider than the window (390 px phones).
func noOverflow(ctx context.Context, t *testing.T, where string) {
	t.Helper()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if w > 0 {
		t.Errorf("%s is %d px wider than the window", where, w)
	}
}

// count is how many elements sel selects now, read through the DOM, so it
// works with the page's scripts off.
func count(ctx context.Context, t *testing.T, sel string) int {
	t.Helper()
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(sel), chromedp.AtLeast(0)))
	if err != nil {
		t.Fatal(err)
	}
	return len(nodes)
}

// The administration pages in a browser, at desktop size with JavaScript
// and at phone size without: the administrator resets a lost second factor
// with a witness who types their own password and current code (a wrong
// password first, refused with everything else kept), and changes a role;
// the coordination sees the silent device and gives the demo contractor a
// task on a case; the contractor finds it on their first page and opens
// the case; the coordination closes it.
func TestAdministrationPages(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	// The demo enrolled the witness's app with a code of the step it
	// started in: the first code handed out is of a later step.
	codes := &witnessCodes{key: witnessKey(t, srv), last: time.Now().Unix() / 30}
	runs := []struct {
		w, h   int
		script bool
		target string // a demo account with a lost phone
		role   string // an account whose role changes, and to what
	}{
		{1280, 900, true, "recepcion2", "analista2"},
		{390, 844, false, "analista3", "recepcion"},
	}
	for _, run := range runs {
		t.Run(fmt.Sprintf("%dx%d-js-%v", run.w, run.h, run.script), func(t *testing.T) {
			ctx, cancel := pagesBrowser(t, browser, run.w, run.h, run.script)
			defer cancel()

			// Administrator: the witnessed reset.
			signIn(ctx, t, srv, "admin", "#users-heading")
			if s := text(ctx, t, chromedp.CSS(`#user-`+run.target+` .factor`)); !strings.Contains(s, "App de códigos") || strings.Contains(s, "Sin app") {
				t.Fatalf("%s's second factor before the reset: %q", run.target, s)
			}
			if run.script {
				noOverflow(ctx, t, "/admin/users")
			}
			err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`#user-`+run.target+` a[href^="/admin/users/reset-factor"]`)),
				chromedp.WaitVisible(chromedp.ID("reset-heading")),
				chromedp.WaitVisible(chromedp.CSS(`#username[value="`+run.target+`"]`)),
				chromedp.Click(chromedp.CSS(`input[name="factors"][value="totp"]`)),
				chromedp.SendKeys(chromedp.ID("reason"), "Le robaron el teléfono; identidad comprobada en persona."),
				chromedp.SendKeys(chromedp.ID("witness_username"), "seguimiento"),
				chromedp.SendKeys(chromedp.ID("witness_password"), "no es la contraseña"),
				chromedp.SendKeys(chromedp.ID("witness_code"), "000000"),
				chromedp.Click(chromedp.ID("reset-submit")),
				chromedp.WaitVisible(chromedp.CSS(`main .alert a[href="#witness_username"]`)),
			)
			if err != nil {
				t.Fatalf("refused witness: %v", err)
			}
			if s := text(ctx, t, chromedp.CSS("main .alert")); !strings.Contains(s, "Los datos del testigo no son correctos") {
				t.Errorf("refusal says %q", s)
			}
			reason, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("reason")))
			if err != nil || !strings.Contains(reason, "identidad comprobada") {
				t.Errorf("the refused form lost the reason: %q %v", reason, err)
			}
			if pw, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("witness_password"))); pw != "" {
				t.Error("the refused form kept the witness's password")
			}
			err = chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("witness_password"), srv.Password),
				chromedp.SendKeys(chromedp.ID("witness_code"), codes.next(t)),
				chromedp.Click(chromedp.ID("reset-submit")),
				chromedp.WaitVisible(chromedp.ID("users-heading")),
			)
			if err != nil {
				t.Fatalf("witnessed reset: %v\n%s", err, text(ctx, t, chromedp.CSS("main")))
			}
			if s := text(ctx, t, chromedp.CSS("main .flash")); !strings.Contains(s, "Segundo factor restablecido") {
				t.Errorf("after the reset the page says %q", s)
			}
			if s := text(ctx, t, chromedp.CSS(`#user-`+run.target+` .factor`)); !strings.Contains(s, "Sin app de códigos") {
				t.Errorf("%s's second factor after the reset: %q", run.target, s)
			}

			// Role: a select of translated role names, on the page afresh so
			// that the message waited for is the role change's.
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/admin/users"), chromedp.WaitVisible(chromedp.ID("users-heading"))); err != nil {
				t.Fatal(err)
			}
			if s := text(ctx, t, chromedp.CSS(`#user-`+run.role+` td:nth-child(2)`)); s == "Seguimiento" {
				t.Fatalf("%s already has the role the test gives", run.role)
			}
			err = chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("role-user"), run.role),
				chromedp.SetValue(chromedp.ID("role-role"), "followup"),
				chromedp.Click(chromedp.CSS(`form[action="/admin/users/role"] button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(`main .flash`)),
			)
			if err != nil {
				t.Fatalf("change role: %v", err)
			}
			if s := text(ctx, t, chromedp.CSS(`#user-`+run.role+` td:nth-child(2)`)); s != "Seguimiento" {
				t.Errorf("%s after the role change: %q", run.role, s)
			}

			// Scheduled work: the demo's node is serving and has run the
			// escalations and the deadline sweep, in words.
			err = chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`nav a[href="/admin/jobs"]`)),
				chromedp.WaitVisible(chromedp.ID("jobs-heading")),
				chromedp.WaitVisible(chromedp.CSS(`#node-list tbody tr`)),
			)
			if err != nil {
				t.Fatalf("scheduled work page: %v", err)
			}
			if s := text(ctx, t, chromedp.CSS(`#node-list tbody`)); !strings.Contains(s, "Activo") {
				t.Errorf("the demo's node on the scheduled work page: %q", s)
			}
			jobs := text(ctx, t, chromedp.CSS(`#schedule-list tbody`))
			for _, want := range []string{"Escalamiento de alertas sin atender", "Revisión de plazos legales", "cada 1 s", "Bien, en"} {
				if !strings.Contains(jobs, want) {
					t.Errorf("the scheduled work page lacks %q: %q", want, jobs)
				}
			}
			if run.script {
				noOverflow(ctx, t, "/admin/jobs")
			}
			signOut(ctx, t)

			// Coordination: the silent device, and a task given from the tasks page.
			signIn(ctx, t, srv, "coordinacion", "#dash-counts")
			err = chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/devices"),
				chromedp.WaitVisible(chromedp.ID("devices-silent")),
				chromedp.WaitVisible(chromedp.CSS(`tr.silent`)),
			)
			if err != nil {
				t.Fatalf("devices page: %v", err)
			}
			if run.script {
				noOverflow(ctx, t, "/devices")
			}
			err = chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/tasks"),
				chromedp.WaitVisible(chromedp.ID("tasks-heading")),
				chromedp.WaitVisible(chromedp.CSS(`tr[id^="task-"] td a[href^="/cases/"]`)),
			)
			if err != nil {
				t.Fatalf("tasks page: %v", err)
			}
			if run.script {
				noOverflow(ctx, t, "/tasks")
			}
			ref := text(ctx, t, chromedp.CSS(`tr[id^="task-"] td a[href^="/cases/"]`))
			before := count(ctx, t, `tr[id^="task-"]`)
			// A refused task keeps what was typed: no account chosen.
			err = chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("reference"), ref),
				chromedp.SendKeys(chromedp.ID("description"), "revisar la alarma"),
				chromedp.Click(chromedp.CSS(`form[action="/tasks"] button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(`#user[aria-invalid="true"]`)),
			)
			if err != nil {
				t.Fatalf("refused task: %v", err)
			}
			if d, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("description"))); d != "revisar la alarma" {
				t.Errorf("the refused task lost its description: %q", d)
			}
			err = chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("user"), "Iván"),
				chromedp.Click(chromedp.CSS(`form[action="/tasks"] button[type="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(`main .flash`)),
			)
			if err != nil {
				t.Fatalf("assign task: %v", err)
			}
			if after := count(ctx, t, `tr[id^="task-"]`); after != before+1 {
				t.Fatalf("%d open tasks after assigning, %d before:\n%s", after, before, text(ctx, t, chromedp.CSS("main")))
			}
			// Newest first: the first row is the task just given.
			id, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`tr[id^="task-"]`), "id"))
			if err != nil {
				t.Fatal(err)
			}
			newest := id.Value
			signOut(ctx, t)

			// Contractor: the task on the first page, its case one click away.
			signIn(ctx, t, srv, "tecnico", "#my-tasks")
			mine := "#my-" + newest
			err = chromedp.Do(ctx,
				chromedp.WaitVisible(chromedp.CSS(mine)),
				chromedp.Click(chromedp.CSS(mine+` a[href^="/cases/"]`)),
				chromedp.WaitVisible(chromedp.CSS(`h1 .ref`)),
			)
			if err != nil {
				t.Fatalf("contractor follows the task: %v", err)
			}
			if s := text(ctx, t, chromedp.CSS(`h1 .ref`)); s != ref {
				t.Errorf("the task's link opens %q, want %q", s, ref)
			}
			signOut(ctx, t)

			// Coordination closes the new task.
			signIn(ctx, t, srv, "coordinacion", "#dash-counts")
			err = chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/tasks"),
				chromedp.WaitVisible(chromedp.CSS("#"+newest)),
				chromedp.Click(chromedp.CSS("#"+newest+` form[action="/tasks/close"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`main .flash`)),
			)
			if err != nil {
				t.Fatalf("close task: %v", err)
			}
			if count(ctx, t, "#"+newest) != 0 {
				t.Error("the closed task is still listed")
			}
			signOut(ctx, t)
		})
	}
}

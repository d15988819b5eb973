package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axeScript is axe-core, read once from testdata.
func axeScript(t *testing.T) string {
	t.Helper()
	f, err := os.Open("testdata/axe.min.js.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := io.Copy(&b, zr); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// pagesBrowser starts a headless Chromium of the given size, with or
// without JavaScript, set to Mexican Spanish.
func pagesBrowser(t *testing.T, browser string, w, h int, script bool) (context.Context, context.CancelFunc) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(w, h),
		chromedp.Flag("lang", "es-MX"), chromedp.Flag("accept-lang", "es-MX,es"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	var vp []chromedp.EmulateViewportOption
	if w < 600 {
		vp = append(vp, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h), vp...)); err != nil {
		t.Fatal(err)
	}
	if !script {
		noJS := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		})
		if err := chromedp.Do(ctx, noJS); err != nil {
			t.Fatal(err)
		}
	}
	return ctx, func() { cancelTimeout(); cancel(); cancelAlloc() }
}

// signIn signs username in and waits for sel, a selector unique to the
// page the role lands on.
func signIn(ctx context.Context, t *testing.T, srv *demoServer, username, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`main form[action="/login"] #username`)),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), srv.Password),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(sel)),
	)
	if err != nil {
		t.Fatalf("%s signs in: %v", username, err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(loc, srv.URL)
}

func signOut(ctx context.Context, t *testing.T) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.who form button`)), chromedp.WaitVisible(chromedp.CSS(`main form[action="/login"]`))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
}

type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// checkAxe runs axe-core's WCAG 2 A and AA rules on the open page.
func checkAxe(ctx context.Context, t *testing.T, axe, where string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axe+";true")); err != nil {
		t.Fatalf("load axe on %s: %v", where, err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", where, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe result on %s: %v", where, err)
	}
	for _, v := range vs {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, fmt.Sprint(n.Target)+" "+n.HTML)
		}
		t.Errorf("%s: axe %s (%s):\n  %s", where, v.ID, v.Help, strings.Join(nodes, "\n  "))
	}
}

// Every role lands on a page for its work, the pages pass axe's WCAG 2 AA
// checks (the header's role label included), a refusal says what the
// account can do, and notices can be read and marked read; at desktop and
// phone sizes.
func TestEveryRoleHasAFirstPage(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))
	axe := axeScript(t)
	for _, size := range []struct{ w, h int }{{1280, 900}, {390, 844}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			ctx, cancel := pagesBrowser(t, browser, size.w, size.h, true)
			defer cancel()
			roles := []struct{ user, sel, path string }{
				{"guardia", "#console-list", "/console"},
				{"admin", "#users-heading", "/admin/users"},
				{"auditoria", "#audit-result", "/audit"},
				{"consejo", "#start-heading", "/start"},
				{"junta", "#mine", "/queue"},
				{"coordinacion", "#dash-counts", "/dashboard"},
			}
			if size.w < 600 {
				// Sign-ins from one address are rate limited: on the phone,
				// the pages with the most on them.
				roles = roles[2:4:4]
				roles = append(roles, struct{ user, sel, path string }{"coordinacion", "#dash-counts", "/dashboard"})
			}
			for _, c := range roles {
				if got := signIn(ctx, t, srv, c.user, c.sel); got != c.path {
					t.Errorf("%s lands on %s, want %s", c.user, got, c.path)
				}
				if c.path != "/console" {
					checkAxe(ctx, t, axe, c.user+" "+c.path)
				}
				switch c.user {
				case "auditoria":
					if s := text(ctx, t, chromedp.ID("audit-result")); !strings.Contains(s, "Bitácora íntegra") {
						t.Errorf("audit verification says %q", s)
					}
					// A refusal is titled as one and lists what the account can open.
					err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/queue"), chromedp.WaitVisible(chromedp.ID("places")))
					if err != nil {
						t.Fatalf("auditor on /queue: %v", err)
					}
					title, err := chromedp.Run(ctx, chromedp.Title())
					if err != nil {
						t.Fatal(err)
					}
					if !strings.HasPrefix(title, "Sin permiso") {
						t.Errorf("403 title %q", title)
					}
					if s := text(ctx, t, chromedp.ID("places")); !strings.Contains(s, "Verificación de la bitácora") {
						t.Errorf("403 does not say what the auditor can do: %q", s)
					}
				case "consejo":
					if s := text(ctx, t, chromedp.CSS("main")); !strings.Contains(s, "Consejo Consultivo") {
						t.Errorf("the council's first page does not say what it does: %q", s)
					}
				case "coordinacion":
					// Notices: a count in the menu, grouped, each a link, marked read.
					err := chromedp.Do(ctx,
						chromedp.WaitVisible(chromedp.CSS(`#nav-notices .count`)),
						chromedp.Click(chromedp.ID("nav-notices")),
						chromedp.WaitVisible(chromedp.ID("notices-heading")),
						chromedp.WaitVisible(chromedp.CSS(`#notices li.unread a[href^="/cases/"]`)),
					)
					if err != nil {
						t.Fatalf("notices: %v\n%s", err, text(ctx, t, chromedp.CSS("main")))
					}
					checkAxe(ctx, t, axe, "coordinacion /notices")
					if s := text(ctx, t, chromedp.ID("notices")); strings.Contains(s, "ALERTA #") || strings.Contains(s, "_") {
						t.Errorf("notices show internal codes: %q", s)
					}
					if size.w > 600 {
						// Marked read only in the last run, which needs them unread first.
						break
					}
					err = chromedp.Do(ctx,
						chromedp.Click(chromedp.CSS(`form[action="/notices/read"] input[name="all"] + button`)),
						chromedp.WaitVisible(chromedp.CSS(`main .flash`)),
					)
					if err != nil {
						t.Fatalf("mark notices read: %v", err)
					}
					unread, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#nav-notices .count, #notices li.unread").length`))
					if err != nil {
						t.Fatal(err)
					}
					if unread != 0 {
						t.Errorf("%d unread marks after marking all read", unread)
					}
				}
				signOut(ctx, t)
			}
		})
	}

	// Without JavaScript, at phone size, the administrator creates an
	// account; a refused form keeps what was typed.
	t.Run("no-js", func(t *testing.T) {
		ctx, cancel := pagesBrowser(t, browser, 390, 844, false)
		defer cancel()
		signIn(ctx, t, srv, "admin", "#users-heading")
		err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("display_name"), "Laura Gómez Ruiz"),
			chromedp.SendKeys(chromedp.ID("username"), "lgomez"),
			chromedp.SetValue(chromedp.ID("role"), "analyst"),
			chromedp.SendKeys(chromedp.ID("password"), "corta"),
			chromedp.Click(chromedp.CSS(`form[action="/admin/users"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#password[aria-invalid="true"]`)),
		)
		if err != nil {
			t.Fatalf("refused account: %v", err)
		}
		if name, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("display_name"))); err != nil || name != "Laura Gómez Ruiz" {
			t.Fatalf("the refused form lost the name: %q %v", name, err)
		}
		err = chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("password"), "una contraseña larga"),
			chromedp.Click(chromedp.CSS(`form[action="/admin/users"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.ID("user-lgomez")),
		)
		if err != nil {
			t.Fatalf("create account: %v", err)
		}
		if s := text(ctx, t, chromedp.ID("user-lgomez")); !strings.Contains(s, "Análisis de riesgo") {
			t.Errorf("new account row: %q", s)
		}
	})
}

// Package e2e drives the real escudo binary with a headless Chromium: a
// member of the public files a request, a reception officer finds it.
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds the browser: ESCUDO_CHROMIUM, then the usual paths. When
// none is found the test is skipped, unless ESCUDO_REQUIRE_BROWSER=1 (CI).
func chromium(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("ESCUDO_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	msg := "browser end-to-end test skipped: no Chromium found (set ESCUDO_CHROMIUM=/path/to/chromium, or install chromium)"
	if os.Getenv("ESCUDO_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + " but ESCUDO_REQUIRE_BROWSER=1")
	}
	t.Skip(msg)
	return ""
}

// buildEscudo compiles the real binary into a temporary folder.
func buildEscudo(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "escudo")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/escudo")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// demoServer is a running `escudo demo`.
type demoServer struct {
	URL, Password string
	cmd           *exec.Cmd
	mu            sync.Mutex
	out           strings.Builder
}

func (d *demoServer) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

var (
	urlLine = regexp.MustCompile(`(http://127\.0\.0\.1:\d+)`)
	pwLine  = regexp.MustCompile(`^\s*([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})\s*$`)
)

// startDemo runs `escudo demo` on a free port with a small data set and
// waits for it to print its address and the demo password.
func startDemo(t *testing.T, bin string) *demoServer {
	t.Helper()
	d := &demoServer{}
	d.cmd = exec.Command(bin, "demo", "--data", filepath.Join(t.TempDir(), "demo"), "--addr", "127.0.0.1:0", "--cases", "60")
	d.cmd.Env = append(os.Environ(), "NO_COLOR=1")
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = d.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = d.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = d.cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("escudo demo output:\n%s", d.output())
		}
	})
	found := make(chan struct{})
	var once sync.Once
	scan := func(r io.Reader) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			d.mu.Lock()
			d.out.WriteString(line + "\n")
			if d.URL == "" {
				if m := urlLine.FindStringSubmatch(line); m != nil {
					d.URL = m[1]
				}
			}
			if d.Password == "" {
				if m := pwLine.FindStringSubmatch(line); m != nil {
					d.Password = m[1]
				}
			}
			ready := d.URL != "" && d.Password != ""
			d.mu.Unlock()
			if ready {
				once.Do(func() { close(found) })
			}
		}
	}
	go scan(stdout)
	go scan(stderr)
	select {
	case <-found:
	case <-time.After(3 * time.Minute):
		t.Fatalf("escudo demo did not print its address and password in time:\n%s", d.output())
	}
	return d
}

func TestPublicRequestFoundByReception(t *testing.T) {
	if testing.Short() {
		t.Skip("browser end-to-end test skipped in -short mode")
	}
	browser := chromium(t)
	srv := startDemo(t, buildEscudo(t))

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(412, 915), // a phone
		// A browser set to Mexican Spanish, as most petitioners' are.
		chromedp.Flag("lang", "es-MX"),
		chromedp.Flag("accept-lang", "es-MX,es"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelTimeout()

	// A journalist from Zacatecas asks for protection from a phone.
	narrative := "Después de publicar sobre desapariciones en Fresnillo me siguieron dos camionetas y dejaron un mensaje en mi puerta."
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`main a[href="/solicitar"]`)),
		chromedp.Click(chromedp.CSS(`main a[href="/solicitar"]`)),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "Rocío Valdez Ibarra"),
		chromedp.Click(chromedp.CSS(`input[name="profile"][value="journalist"]`)),
		chromedp.SetValue(chromedp.ID("federal_entity"), "ZAC"),
		chromedp.SendKeys(chromedp.ID("municipality"), "Fresnillo"),
		chromedp.SendKeys(chromedp.ID("phone"), "493 555 0199"),
		chromedp.Click(chromedp.CSS(`input[name="contact.never_sms"]`)),
		chromedp.Click(chromedp.CSS(`input[name="imminent_danger"]`)),
		chromedp.SendKeys(chromedp.ID("narrative"), narrative),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("reference")),
	)
	if err != nil {
		t.Fatalf("public request: %v", err)
	}
	reference := text(ctx, t, chromedp.ID("reference"))
	code := text(ctx, t, chromedp.ID("code"))
	if !strings.HasPrefix(reference, "ESC-") || len(code) < 10 {
		t.Fatalf("receipt shows reference %q, code %q", reference, code)
	}

	// The petitioner checks the status with the reference and the code.
	err = chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/seguimiento"),
		chromedp.WaitVisible(chromedp.ID("reference")),
		chromedp.SendKeys(chromedp.ID("reference"), reference),
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("result")),
	)
	if err != nil {
		t.Fatalf("status look-up: %v", err)
	}
	if status := text(ctx, t, chromedp.CSS("main")); !strings.Contains(status, reference) || !strings.Contains(status, "Extraordinario") {
		t.Fatalf("status page does not show the request:\n%s", status)
	}

	// A reception officer signs in, filters the backlog by state and stage,
	// and opens the new case.
	link := chromedp.Search(fmt.Sprintf(`//main//a[normalize-space(text())=%q]`, reference))
	err = chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "recepcion"),
		chromedp.SendKeys(chromedp.ID("password"), srv.Password),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/backlog"]`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/backlog"]`)),
		chromedp.WaitVisible(chromedp.ID("entity")),
		chromedp.SetValue(chromedp.ID("entity"), "ZAC"),
		chromedp.SetValue(chromedp.ID("stage"), "reception"),
		chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)),
		// The unfiltered backlog may list the case too: wait for the
		// filtered page itself before looking for its link, or the click
		// lands on a node of the page being replaced.
		chromedp.WaitReady(chromedp.CSS(`#entity option[value="ZAC"][selected]`)),
		chromedp.WaitVisible(link),
	)
	if err != nil {
		t.Fatalf("reception officer on the backlog: %v\n%s", err, text(ctx, t, chromedp.CSS("main")))
	}
	if backlog := text(ctx, t, chromedp.CSS("main")); !strings.Contains(backlog, "Evaluación de acción inmediata") {
		t.Errorf("backlog row does not show the immediate-action evaluation's clock, the first due on an urgent request:\n%s", backlog)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(link),
		chromedp.WaitVisible(chromedp.ID("timeline")),
	)
	if err != nil {
		t.Fatalf("open the case: %v", err)
	}
	if heading := text(ctx, t, chromedp.CSS("h1")); !strings.Contains(heading, reference) {
		t.Fatalf("case page heading %q does not name %s", heading, reference)
	}
	casePage := text(ctx, t, chromedp.CSS("main"))
	for _, want := range []string{"Rocío Valdez Ibarra", narrative, "Formulario web", "Peligro inminente", "Nunca por SMS"} {
		if !strings.Contains(casePage, want) {
			t.Errorf("case page does not show %q", want)
		}
	}
}

// text returns the text of the first element sel selects, with white space
// collapsed.
func text[S chromedp.Selectable](ctx context.Context, t *testing.T, sel S) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.TextContent(sel))
	if err != nil {
		t.Fatalf("read text: %v", err)
	}
	return strings.Join(strings.Fields(s), " ")
}

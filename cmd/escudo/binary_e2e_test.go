package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// binary is the real escudo executable built for a test, run over one
// data folder.
type binary struct {
	t    *testing.T
	path string
	data string
}

// buildBinary compiles this command into a temporary folder.
func buildBinary(t *testing.T) *binary {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "escudo")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return &binary{t: t, path: bin, data: filepath.Join(t.TempDir(), "data")}
}

// run runs one subcommand over the data folder; a password, when given, is
// passed through a file as an operator would.
func (b *binary) run(password string, args ...string) (int, string) {
	b.t.Helper()
	args = append(args, "--data", b.data)
	if password != "" {
		f := filepath.Join(b.t.TempDir(), "pw")
		if err := os.WriteFile(f, []byte(password), 0o600); err != nil {
			b.t.Fatal(err)
		}
		args = append(args, "--password-file", f)
	}
	cmd := exec.Command(b.path, args...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		b.t.Fatal(err)
	}
	return code, string(out)
}

// must runs a subcommand that has to succeed.
func (b *binary) must(password string, args ...string) string {
	b.t.Helper()
	code, out := b.run(password, args...)
	if code != 0 {
		b.t.Fatalf("escudo %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// serve starts `escudo serve` on a free port and returns its address once
// it listens; the process is stopped with SIGINT at the end of the test.
func (b *binary) serve() string {
	b.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr
	cmd := exec.Command(b.path, "serve", "--data", b.data, "--addr", addr, "--public-url", base, "--metrics-addr", "off")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	listening := make(chan struct{})
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(stdout)
		once := false
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if !once && strings.Contains(sc.Text(), "listening on "+base) {
				once = true
				close(listening)
			}
		}
	}()
	b.t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if b.t.Failed() {
			b.t.Logf("escudo serve output:\n%s", log.String())
		}
	})
	select {
	case <-listening:
	case <-time.After(60 * time.Second):
		b.t.Fatal("escudo serve did not listen in time")
	}
	return base
}

// browser is a cookie-keeping HTTP client that does not follow redirects,
// so the test reads where each answer sends the person.
type browser struct {
	t        *testing.T
	base     string
	c        *http.Client
	recovery []string // one-time codes shown at enrolment, for later sign-ins
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	Status   int
	Location string
	Body     string
}

func (b *browser) do(method, path string, form url.Values) answer {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return answer{Status: res.StatusCode, Location: res.Header.Get("Location"), Body: string(data)}
}

func (b *browser) get(path string) answer { return b.do("GET", path, nil) }
func (b *browser) post(path string, f url.Values) answer {
	return b.do("POST", path, f)
}

var (
	secretRe   = regexp.MustCompile(`<code id="totp-secret">([A-Z2-7 ]+)</code>`)
	recoveryRe = regexp.MustCompile(`<li><code class="ref">([A-Z0-9-]+)</code></li>`)
)

// signIn signs in with the password and whatever second factor the answer
// asks for: enrolment of a new app (its secret read from the page, its
// code computed) or, on later sign-ins, a recovery code kept from
// enrolment. It returns where the person lands.
func (b *browser) signIn(username, password string) string {
	b.t.Helper()
	r := b.post("/login", url.Values{"username": {username}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		b.t.Fatalf("sign-in of %s: %d\n%.500s", username, r.Status, r.Body)
	}
	switch {
	case strings.HasPrefix(r.Location, "/login/enrol"):
		page := b.get(r.Location)
		m := secretRe.FindStringSubmatch(page.Body)
		if m == nil {
			b.t.Fatalf("enrolment page of %s shows no secret:\n%.800s", username, page.Body)
		}
		code, err := totp.GenerateCodeCustom(strings.ReplaceAll(m[1], " ", ""), time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			b.t.Fatal(err)
		}
		done := b.post("/login/enrol", url.Values{"code": {code}})
		if done.Status != http.StatusOK {
			b.t.Fatalf("enrolment of %s: %d\n%.800s", username, done.Status, done.Body)
		}
		b.recovery = nil
		for _, c := range recoveryRe.FindAllStringSubmatch(done.Body, -1) {
			b.recovery = append(b.recovery, c[1])
		}
		next := regexp.MustCompile(`id="recovery-continue" href="([^"]+)"`).FindStringSubmatch(done.Body)
		if next == nil || len(b.recovery) == 0 {
			b.t.Fatalf("enrolment of %s ends without recovery codes:\n%.800s", username, done.Body)
		}
		return next[1]
	case strings.HasPrefix(r.Location, "/login/second-factor"):
		if len(b.recovery) == 0 {
			b.t.Fatalf("%s asked for a code with none kept", username)
		}
		code := b.recovery[0]
		b.recovery = b.recovery[1:]
		done := b.post("/login/second-factor", url.Values{"recovery": {code}})
		if done.Status != http.StatusSeeOther {
			b.t.Fatalf("recovery code of %s: %d\n%.500s", username, done.Status, done.Body)
		}
		return done.Location
	}
	return r.Location
}

// TestBinaryAccountCommandsTakeEffect runs the real escudo binary: the
// account and task commands an operator types, then `escudo serve`, and
// checks through HTTP, signing in as the people concerned, that each change
// took effect.
func TestBinaryAccountCommandsTakeEffect(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	b := buildBinary(t)
	const pw = "una contraseña bastante larga"
	b.must("", "migrate")
	for _, u := range [][2]string{{"coord", "coordinator"}, {"ana", "analyst"}, {"beto", "analyst"}, {"rosa", "duty"}, {"tec", "contractor"}} {
		if out := b.must(pw, "user", "add", "--username", u[0], "--role", u[1]); !strings.Contains(out, "user "+u[0]+" created") {
			t.Fatalf("user add %s: %s", u[0], out)
		}
	}
	base := b.serve()

	// A request for protection from the public form, found by the analyst.
	public := newBrowser(t, base)
	receipt := public.post("/solicitar", url.Values{"name": {"Irma Cruz Robles"}, "profile": {"defender"}, "federal_entity": {"OAX"},
		"narrative": {"Recibí amenazas por mi trabajo."}, "address": {"Calle Reforma 12"}})
	rm := regexp.MustCompile(`id="reference">(ESC-[0-9A-Z]{4}-[0-9A-Z]{4})<`).FindStringSubmatch(receipt.Body)
	if receipt.Status != http.StatusCreated || rm == nil {
		t.Fatalf("public request: %d\n%.800s", receipt.Status, receipt.Body)
	}
	ref := rm[1]
	ana := newBrowser(t, base)
	if land := ana.signIn("ana", pw); land != "/queue" {
		t.Fatalf("analyst lands on %s", land)
	}
	m := regexp.MustCompile(`href="/cases/(\d+)"`).FindStringSubmatch(ana.get("/cases?q=" + ref).Body)
	if m == nil {
		t.Fatal("the analyst does not find the request by its folio")
	}
	caseID := m[1]

	// user set-role: the analyst's session ends and the next sign-in lands
	// on the auditor's page.
	beto := newBrowser(t, base)
	if land := beto.signIn("beto", pw); land != "/queue" {
		t.Fatalf("beto as analyst lands on %s", land)
	}
	b.must("", "user", "set-role", "--username", "beto", "--role", "auditor")
	if r := beto.get("/queue"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
		t.Fatalf("beto's old session after set-role: %d %s", r.Status, r.Location)
	}
	if land := beto.signIn("beto", pw); land != "/audit" {
		t.Fatalf("beto as auditor lands on %s", land)
	}
	if r := beto.get("/cases"); r.Status != http.StatusForbidden {
		t.Fatalf("auditor opens the case list: %d", r.Status)
	}

	// user set-password: the old password no longer signs in, the new one does.
	b.must("otra contraseña también larga", "user", "set-password", "--username", "ana")
	if r := newBrowser(t, base).post("/login", url.Values{"username": {"ana"}, "password": {pw}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("old password after set-password: %d", r.Status)
	}
	if land := ana.signIn("ana", "otra contraseña también larga"); land != "/queue" {
		t.Fatalf("ana with the new password lands on %s", land)
	}

	// user disable: a disabled account cannot sign in.
	rosa := newBrowser(t, base)
	rosa.signIn("rosa", pw)
	b.must("", "user", "disable", "--username", "rosa")
	if r := rosa.get("/console"); r.Status == http.StatusOK {
		t.Fatal("a disabled account's session is still served")
	}
	if r := newBrowser(t, base).post("/login", url.Values{"username": {"rosa"}, "password": {pw}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("disabled account signs in: %d", r.Status)
	}

	// task assign: the contractor reaches the case, on their first page and
	// by its address; task close takes it away at once.
	tec := newBrowser(t, base)
	tec.signIn("tec", pw)
	casePath := "/cases/" + caseID
	if r := tec.get(casePath); r.Status == http.StatusOK {
		t.Fatal("contractor reaches the case before any task")
	}
	out := b.must("", "task", "assign", "--case", caseID, "--username", "tec", "--description", "instalar cámaras", "--expires", "72h")
	tm := regexp.MustCompile(`task (\d+):`).FindStringSubmatch(out)
	if tm == nil {
		t.Fatalf("task assign: %s", out)
	}
	if r := tec.get("/start"); !strings.Contains(r.Body, fmt.Sprintf(`id="my-task-%s"`, tm[1])) || !strings.Contains(r.Body, ref) {
		t.Fatalf("contractor's first page does not list the task:\n%.1500s", r.Body)
	}
	if r := tec.get(casePath); r.Status != http.StatusOK || !strings.Contains(r.Body, ref) {
		t.Fatalf("contractor opens the task's case: %d", r.Status)
	}
	b.must("", "task", "close", "--id", tm[1])
	if r := tec.get(casePath); r.Status == http.StatusOK {
		t.Fatal("closed task still opens the case")
	}

	// user reset-factor: the contractor's app is gone, so the next sign-in
	// asks to enrol again instead of asking for a code.
	if code, out := b.run("", "user", "reset-factor", "--username", "tec", "--by", "tec", "--witness", "ana", "--reason", "x"); code != 2 {
		t.Fatalf("own reset accepted: %d %s", code, out)
	}
	b.must("", "user", "reset-factor", "--username", "tec", "--by", "coord", "--witness", "ana", "--totp",
		"--reason", "teléfono robado; identidad comprobada en persona")
	r := newBrowser(t, base).post("/login", url.Values{"username": {"tec"}, "password": {pw}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login/enrol") {
		t.Fatalf("after reset-factor the contractor goes to %d %s, want enrolment", r.Status, r.Location)
	}
}

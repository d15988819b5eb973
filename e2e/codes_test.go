package e2e

import (
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"escudo"
)

// demoAccounts are the demo's accounts, one per role.
var demoAccounts = []string{"coordinacion", "admin", "recepcion", "guardia", "analista", "seguimiento",
	"junta", "consejo", "enlace", "tecnico", "revisor", "beneficiaria", "auditoria",
	"casas"} // the one account named on the safe-house registry's list

var (
	// What a person must never read: identifiers of the code (snake_case,
	// untranslated message keys), template leftovers and Go's formatting
	// errors.
	snakeCase   = regexp.MustCompile(`\b[a-z]+(?:_[a-z0-9]+)+\b`)
	messageKey  = regexp.MustCompile(`\b(?:admission|alert|backlog|case|cases|channel|clock|clockstatus|console|device|error|field|form|kind|login|nav|notices|outcome|procedure|profile|queue|role|stage|start|status|users|validation)\.[a-z_]+(?:\.[a-z_]+)*\b`)
	leftovers   = regexp.MustCompile(`\{\{|\}\}|<no value>|%!|\bnil\b|map\[|\bnivel 0\b|\(\d+:[a-z]+\)`)
	tagOrScript = regexp.MustCompile(`(?is)<script.*?</script>|<style.*?</style>|<svg.*?</svg>|<[^>]*>`)
	shownAttr   = regexp.MustCompile(`(?i)\s(?:title|aria-label|placeholder|alt|data-label)="([^"]*)"`)
	hrefAttr    = regexp.MustCompile(`href="(/[^"#]*)`)
	numbers     = regexp.MustCompile(`\d+`)
)

// codeWords are the domain's values that are also plain words in English;
// on a Spanish page each one is an untranslated code. Federal entities'
// codes (CHS, GRO) are codes in both languages.
func codeWords(lang string) *regexp.Regexp {
	var words []string
	if lang == "es-MX" {
		for _, t := range escudo.DeviceAlertTypes {
			words = append(words, string(t))
		}
		for _, o := range escudo.AlertOutcomes {
			words = append(words, string(o))
		}
		for _, st := range escudo.Stages {
			words = append(words, string(st))
		}
		words = append(words, "open", "acknowledged", "dispatched", "resolved", "escalated", "ordinary", "extraordinary",
			"admitted", "pending", "hotline", "email", "referral", "individual", "collective", "journalist", "defender",
			"assigned", "released", "today", "planned", "accessibility", "children", "elderly", "medical", "pets")
	}
	for _, e := range escudo.FederalEntities {
		words = append(words, e.Code)
	}
	return regexp.MustCompile(`\b(?:` + strings.Join(words, "|") + `)\b`)
}

// shownText is what a page shows or reads aloud: its text and the
// attributes people see or hear (titles, labels, placeholders).
func shownText(page string) string {
	var b strings.Builder
	for _, m := range shownAttr.FindAllStringSubmatch(page, -1) {
		b.WriteString(html.UnescapeString(m[1]))
		b.WriteString("\n")
	}
	b.WriteString(html.UnescapeString(tagOrScript.ReplaceAllString(page, "\n")))
	return b.String()
}

// TestNoInternalCodeOnAnyPage signs in to the running demo as every role
// and follows every link it is offered, in Spanish and in English, and fails
// when a page shows an internal code, an untranslated message key or a
// template leftover (issue 11, item 13).
func TestNoInternalCodeOnAnyPage(t *testing.T) {
	srv := startDemo(t, buildEscudo(t))
	for i, account := range demoAccounts {
		for _, lang := range []string{"es-MX", "en"} {
			t.Run(account+"/"+lang, func(t *testing.T) {
				words := codeWords(lang)
				jar, _ := cookiejar.New(nil)
				// Each account signs in from its own loopback address, as
				// people do from their own machines: sign-ins are limited
				// per address.
				dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(10+i))}}
				c := &http.Client{Jar: jar, Transport: &http.Transport{DialContext: dialer.DialContext}}
				get := func(path string) (int, string) {
					req, _ := http.NewRequest("GET", srv.URL+path, nil)
					req.Header.Set("Accept-Language", lang)
					resp, err := c.Do(req)
					if err != nil {
						t.Fatalf("GET %s: %v", path, err)
					}
					defer resp.Body.Close()
					body, _ := io.ReadAll(resp.Body)
					return resp.StatusCode, string(body)
				}
				form := url.Values{"username": {account}, "password": {srv.Password}}
				req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Accept-Language", lang)
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				landing := resp.Request.URL.Path
				if resp.StatusCode != http.StatusOK || landing == "/login" {
					t.Fatalf("sign in: %d at %s", resp.StatusCode, landing)
				}
				// Breadth first over the links offered, at most three pages
				// of each shape (/cases/7 and /cases/9 are one shape).
				seen, shapes := map[string]bool{}, map[string]int{}
				queue := []string{landing, "/"}
				found := map[string][]string{}
				pages := 0
				for len(queue) > 0 && pages < 120 {
					path := queue[0]
					queue = queue[1:]
					if seen[path] {
						continue
					}
					seen[path] = true
					shape := numbers.ReplaceAllString(strings.SplitN(path, "?", 2)[0], "N")
					if shapes[shape]++; shapes[shape] > 3 {
						continue
					}
					status, body := get(path)
					pages++
					if status >= 500 {
						t.Errorf("%s answers %d", path, status)
					}
					if !strings.Contains(body, "<html") {
						continue
					}
					text := shownText(body)
					for _, re := range []*regexp.Regexp{snakeCase, messageKey, leftovers, words} {
						for _, m := range re.FindAllString(text, -1) {
							found[m] = append(found[m], path)
						}
					}
					for _, m := range hrefAttr.FindAllStringSubmatch(body, -1) {
						next := html.UnescapeString(m[1])
						if strings.HasPrefix(next, "/static") || strings.HasPrefix(next, "/logout") || next == "/salida" || strings.HasPrefix(next, "/console/console.js") || strings.HasPrefix(next, "/lang") {
							continue
						}
						queue = append(queue, next)
					}
				}
				var codes []string
				for code := range found {
					codes = append(codes, code)
				}
				sort.Strings(codes)
				for _, code := range codes {
					t.Errorf("%q shown on %v", code, found[code][:min(3, len(found[code]))])
				}
				t.Logf("%d pages from %s", pages, landing)
				if pages < 2 {
					t.Errorf("crawled only %d pages from %s", pages, landing)
				}
			})
		}
	}
}

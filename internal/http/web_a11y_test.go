package http

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"escudo/internal/testdb"
)

var (
	controlTag = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	attrID     = regexp.MustCompile(`\bid="([^"]+)"`)
	attrType   = regexp.MustCompile(`\btype="([^"]+)"`)
)

// checkAccessible applies the rules every page keeps: a language, one main
// heading, a skip link to the main region, and a label for every control
// (by for= or by wrapping the radio or checkbox).
func checkAccessible(t *testing.T, name, body string) {
	t.Helper()
	if !strings.Contains(body, `<html lang="`) {
		t.Errorf("%s: no language on <html>", name)
	}
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("%s: %d main headings, want 1", name, n)
	}
	if !strings.Contains(body, `href="#main"`) || !strings.Contains(body, `id="main"`) {
		t.Errorf("%s: no skip link to the main region", name)
	}
	for _, tag := range controlTag.FindAllString(body, -1) {
		typ := ""
		if m := attrType.FindStringSubmatch(tag); m != nil {
			typ = m[1]
		}
		if typ == "hidden" || typ == "submit" {
			continue
		}
		if m := attrID.FindStringSubmatch(tag); m != nil {
			if !strings.Contains(body, `for="`+m[1]+`"`) {
				t.Errorf("%s: control %q has no label", name, m[1])
			}
			continue
		}
		if typ != "radio" && typ != "checkbox" {
			t.Errorf("%s: control without id or label: %s", name, tag)
			continue
		}
		// A radio or checkbox without id must sit inside its label.
		i := strings.Index(body, tag)
		open := strings.LastIndex(body[:i], "<label")
		closeBefore := strings.LastIndex(body[:i], "</label>")
		if open < 0 || closeBefore > open {
			t.Errorf("%s: %s is not inside a label", name, tag)
		}
	}
}

func TestPagesAreAccessible(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	f := newWebFixture(t, db, Options{})
	pages := []struct {
		as, path string
		status   int
	}{
		{"", "/", 200}, {"", "/solicitar", 200}, {"", "/seguimiento", 200}, {"", "/login", 200}, {"", "/no-existe", 404},
		{"rosa", "/queue", 200}, {"rosa", "/backlog", 200}, {"rosa", "/cases", 200}, {"rosa", "/cases/new", 200},
		{"rosa", fmt.Sprintf("/cases/%d", f.rcpt.CaseID), 200},
	}
	for _, p := range infoPaths {
		pages = append(pages, struct {
			as, path string
			status   int
		}{"", p, 200})
	}
	for _, lang := range []string{"es-MX", "en"} {
		for _, p := range pages {
			f.site.c = f.clients[p.as]
			r := f.site.get(p.path, "Accept-Language", lang)
			if r.Status != p.status {
				t.Errorf("%s %s: status %d, want %d: the page checked is not the one meant", lang, p.path, r.Status, p.status)
			}
			checkAccessible(t, lang+" "+p.path, r.Body)
		}
	}
	// Forms shown again with errors keep the rules.
	f.site.c = f.clients[""]
	r := f.site.post("/solicitar", nil)
	if r.Status != 400 {
		t.Errorf("invalid request: status %d, want 400", r.Status)
	}
	checkAccessible(t, "invalid request", r.Body)
}

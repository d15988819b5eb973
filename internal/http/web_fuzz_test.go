package http

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/testdb"
	"escudo/internal/web"
)

// FuzzParseLocalTime: any input is either refused or gives a time that
// prints back to the same minute in the display zone.
func FuzzParseLocalTime(f *testing.F) {
	for _, s := range []string{"2026-01-10T09:30", "2026-01-10 09:30", "2026-01-10T09:30:15", "", "ayer", "2026-13-40T99:99", "２０２６-01-10T09:30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at, ok := web.ParseLocalTime(s)
		if !ok || at.IsZero() {
			return
		}
		if at.Location() != time.UTC {
			t.Fatalf("%q: not UTC", s)
		}
		again, ok := web.ParseLocalTime(at.In(web.DisplayZone).Format("2006-01-02T15:04"))
		if !ok || !again.Equal(at.Truncate(time.Minute)) && !again.Equal(at.Add(-time.Hour).Truncate(time.Minute)) && !again.Equal(at.Add(time.Hour).Truncate(time.Minute)) {
			t.Fatalf("%q: %v does not round-trip (%v)", s, at, again)
		}
	})
}

// FuzzPublicRequestForm posts arbitrary bodies to the public form: the
// answer is a receipt or a form with messages, never a server error, and a
// refused form stores nothing.
func FuzzPublicRequestForm(f *testing.F) {
	for _, s := range []string{
		"name=Ana&profile=journalist&federal_entity=GRO&narrative=Amenazas",
		"name=&profile=&federal_entity=&narrative=",
		"name=%00&profile=both&federal_entity=CDMX&narrative=x&email=a%40b",
		"name=Ana&profile=defender&federal_entity=OAX&narrative=x&contact.channel=sms&contact.never_sms=1",
		"contact.safe_from=25%3A00&phone=%2B%2B%2B&kind=robot",
		"%zz=%zz&&&=",
		"name=" + strings.Repeat("a", 300) + "&profile=journalist&federal_entity=GRO&narrative=x",
	} {
		f.Add(s)
	}
	db := testdb.OpenSQLite(f, testdb.Options{})
	srv, err := New(Options{DB: db, PublicRate: 1 << 30})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		_, before, err := db.FindCases(context.Background(), escudo.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("POST", "/solicitar", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		_, after, err := db.FindCases(context.Background(), escudo.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		switch w.Code {
		case http.StatusCreated:
			if after != before+1 {
				t.Fatalf("receipt shown but %d cases stored", after-before)
			}
		case http.StatusBadRequest:
			if after != before {
				t.Fatalf("refused form stored %d cases", after-before)
			}
		default:
			t.Fatalf("status %d for %q", w.Code, body)
		}
	})
}

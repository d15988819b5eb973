package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestPublicStatistics: anyone, without an account, sees each published
// month's table of requests by entity and procedure in Spanish or English,
// with the small counts shown as "< 10" and the other withheld ones as a
// dash, never their counts; the open-data files carry every cell's flag and
// a count only for published cells; a bad or unpublished month, or an
// unknown format, is a clear, translated error.
func TestPublicStatistics(t *testing.T) {
	clock := testdb.NewClock(time.Time{})
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC))
		site := newWebSite(t, db, Options{})
		if r := site.get("/estadisticas"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Todavía no hay ningún mes publicado") {
			t.Fatalf("before any release: %d %.300s", r.Status, r.Body)
		}
		for entity, n := range map[string]int{"OAX": 14, "GRO": 3, "CDMX": 21, "JAL": 12, "PUE": 11, "VER": 10} {
			for i := 0; i < n; i++ {
				p := &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: fmt.Sprintf("Persona %s %d", entity, i), Entity: entity, Phone: "+52 951 555 0101"}
				if _, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Amenazas."}, p); err != nil {
					t.Fatal(err)
				}
				clock.Advance(time.Minute)
			}
		}
		clock.Set(time.Date(2026, 4, 2, 18, 0, 0, 0, time.UTC))
		if n, err := db.SweepStatistics(ctx, 10); err != nil || n != 2 { // March and the first quarter
			t.Fatalf("sweep: %d %v", n, err)
		}
		r := site.get("/estadisticas")
		if r.Status != http.StatusOK {
			t.Fatalf("statistics: %d %.300s", r.Status, r.Body)
		}
		for _, want := range []string{"marzo de 2026", `id="stats-table"`, `id="chart-requests"`, "Oaxaca", "Guerrero", "&lt; 10", ">71<", "Descargar este mes en CSV"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("statistics page: missing %q", want)
			}
		}
		if strings.Contains(r.Body, "<script") {
			t.Error("statistics page carries a script")
		}
		checkAccessible(t, "/estadisticas", r.Body)
		if en := site.get("/estadisticas", "Accept-Language", "en"); !strings.Contains(en.Body, "March 2026") || !strings.Contains(en.Body, "Nationwide") {
			t.Errorf("English page: %.300s", en.Body)
		}

		csv := site.get("/estadisticas/datos?periodo=2026-03&formato=csv")
		if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %s", csv.Status, csv.Header.Get("Content-Type"))
		}
		for _, want := range []string{"periodo,entidad,procedimiento,solicitudes,estado", "2026-03,GRO,Total,,primary", "2026-03,Total,Total,71,published"} {
			if !strings.Contains(csv.Body, want) {
				t.Errorf("csv: missing %q in\n%s", want, csv.Body)
			}
		}
		js := site.get("/estadisticas/datos?periodo=2026-03&formato=json")
		var f struct {
			Period string
			Cells  []struct {
				Entity, Procedure, Flag string
				Count                   *int64
			}
		}
		if err := json.Unmarshal([]byte(js.Body), &f); err != nil || f.Period != "2026-03" || len(f.Cells) != 34*3 {
			t.Fatalf("json: %v %d cells", err, len(f.Cells))
		}
		for _, c := range f.Cells {
			if (c.Flag == "published") != (c.Count != nil) {
				t.Fatalf("json cell %+v: a count goes with published and only with it", c)
			}
			if c.Count != nil && *c.Count >= 1 && *c.Count < 10 {
				t.Fatalf("json cell %+v: a small count published", c)
			}
		}

		// The reports: linked from the page, inside the site's layout,
		// with their files; nothing in them below 10.
		if !strings.Contains(r.Body, `href="/estadisticas/informe?tipo=trimestral&amp;periodo=2026-Q1"`) {
			t.Error("statistics page does not link the first quarter's report")
		}
		q := site.get("/estadisticas/informe?tipo=trimestral&periodo=2026-Q1")
		if q.Status != http.StatusOK || !strings.Contains(q.Body, "Informe trimestral para los órganos de control: primer trimestre de 2026") ||
			!strings.Contains(q.Body, `id="table-requests"`) || !strings.Contains(q.Body, "Descargar en PDF") || strings.Contains(q.Body, "<script") {
			t.Fatalf("quarterly report: %d %.500s", q.Status, q.Body)
		}
		checkAccessible(t, "/estadisticas/informe", q.Body)
		if regexp.MustCompile(`<td>[1-9]</td>`).MatchString(q.Body) {
			t.Fatal("the report shows a count below 10")
		}
		pdf := site.get("/estadisticas/informe?tipo=trimestral&periodo=2026-Q1&formato=pdf")
		if pdf.Status != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body, "%PDF-") {
			t.Fatalf("pdf: %d %s", pdf.Status, pdf.Header.Get("Content-Type"))
		}
		if m := site.get("/estadisticas/informe?tipo=mensual&periodo=2026-03&formato=csv", "Accept-Language", "en"); m.Status != http.StatusOK ||
			!strings.Contains(m.Body, "requests,2026-03,entity,GRO,procedure,Total,primary,") {
			t.Fatalf("monthly csv: %d %.300s", m.Status, m.Body)
		}

		for _, c := range []struct {
			path   string
			status int
			want   string
		}{
			{"/estadisticas?periodo=2026-13", 400, "El mes debe escribirse como año y mes"},
			{"/estadisticas?periodo=marzo", 400, "El mes debe escribirse como año y mes"},
			{"/estadisticas?periodo=2025-01", 404, "No hay estadísticas publicadas de ese mes"},
			{"/estadisticas/datos?periodo=2026-03&formato=xls", 400, "Elige el formato del archivo"},
			{"/estadisticas/datos?formato=csv", 400, "El mes debe escribirse"},
			{"/estadisticas/datos?periodo=2026-04&formato=csv", 404, "No hay estadísticas publicadas de ese mes"},
			{"/estadisticas/informe?tipo=semanal&periodo=2026", 400, "Elige el informe: mensual, trimestral o anual"},
			{"/estadisticas/informe?tipo=anual&periodo=2026-13", 400, "escrito como 2026."},
			{"/estadisticas/informe?tipo=anual&periodo=2026-Q1", 400, "El informe anual es de un año completo"},
			{"/estadisticas/informe?tipo=anual&periodo=2026", 404, "todavía no están publicadas"},
			{"/estadisticas/informe?tipo=anual&periodo=2026&formato=xls", 400, "Elige el formato: HTML, PDF, CSV o JSON"},
			{"/estadisticas/informe?tipo=trimestral&periodo=2026-Q5", 400, "escrito como 2026-Q3"},
			{"/estadisticas/informe?tipo=mensual&periodo=2026-Q1", 400, "escrito como 2026-10"},
			{"/estadisticas/informe?tipo=mensual&periodo=2026-03&formato=docx", 400, "Elige el formato: HTML, PDF, CSV o JSON"},
			{"/estadisticas/informe?tipo=trimestral&periodo=2026-Q2", 404, "todavía no están publicadas"},
		} {
			if r := site.get(c.path); r.Status != c.status || !strings.Contains(r.Body, c.want) {
				t.Errorf("%s: %d, want %d with %q\n%.300s", c.path, r.Status, c.status, c.want, r.Body)
			}
		}
	})
}

// FuzzStatisticsQuery: whatever month and format are asked for, the
// statistics page and its files answer 200, 400 or 404 (never an error of
// escudo's), and no answer ever carries the withheld count of a cell: the
// month published here has Guerrero's 3 requests, primary, and the file of
// any month never holds a count beside a withheld flag.
func FuzzStatisticsQuery(f *testing.F) {
	for _, s := range []string{"periodo=2026-03", "periodo=2026-03&formato=csv", "periodo=2026-03&formato=json",
		"periodo=2026-13", "periodo=0000-00&formato=csv", "formato=json", "periodo=%zz", "periodo=2026-03&periodo=2026-04&formato=csv",
		"periodo=" + strings.Repeat("9", 300), "periodo=2026-03&formato=CSV"} {
		f.Add(s)
	}
	clock := testdb.NewClock(time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC))
	db := testdb.OpenSQLite(f, testdb.Options{Now: clock.Now})
	ctx := context.Background()
	for entity, n := range map[string]int{"OAX": 12, "GRO": 3} {
		for i := 0; i < n; i++ {
			p := &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: fmt.Sprintf("Persona %s %d", entity, i), Entity: entity, Phone: "+52 951 555 0101"}
			if _, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Amenazas."}, p); err != nil {
				f.Fatal(err)
			}
		}
	}
	clock.Set(time.Date(2026, 4, 2, 18, 0, 0, 0, time.UTC))
	if n, err := db.SweepStatistics(ctx, 10); err != nil || n != 2 { // March and the first quarter
		f.Fatalf("sweep: %d %v", n, err)
	}
	srv, err := New(Options{DB: db, PublicRate: 1 << 30})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query string) {
		for _, path := range []string{"/estadisticas?", "/estadisticas/datos?"} {
			r := httptest.NewRequest("GET", "/", nil)
			r.URL.Path, r.URL.RawQuery = strings.TrimSuffix(path, "?"), query
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			body := w.Body.String()
			switch w.Code {
			case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
			default:
				t.Fatalf("%s%s: %d", path, query, w.Code)
			}
			if strings.Contains(body, "GRO,Total,3,") || strings.Contains(body, `"entity":"GRO","procedure":"Total","count":3`) {
				t.Fatalf("%s%s: Guerrero's withheld count is shown", path, query)
			}
			for _, line := range strings.Split(body, "\n") {
				if (strings.HasSuffix(line, ",primary") || strings.HasSuffix(line, ",secondary")) && !strings.Contains(line, ",,") {
					t.Fatalf("%s%s: a withheld cell with a count: %s", path, query, line)
				}
			}
		}
	})
}

package http

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestPublicAnnualReport: once a year is published, /estadisticas links
// its annual report, which opens inside the site's layout, accessible and
// without script or small count, in Spanish and English, with its PDF and
// CSV.
func TestPublicAnnualReport(t *testing.T) {
	clock := testdb.NewClock(time.Time{})
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		for _, m := range []time.Month{10, 12} {
			clock.Set(time.Date(2025, m, 2, 18, 0, 0, 0, time.UTC))
			for entity, n := range map[string]int{"OAX": 14, "GRO": 3, "CDMX": 21, "VER": 12, "JAL": 11} {
				for i := 0; i < n; i++ {
					p := &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: fmt.Sprintf("Persona %s %d", entity, i), Entity: entity, Phone: "+52 951 555 0101"}
					if _, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Amenazas."}, p); err != nil {
						t.Fatal(err)
					}
					clock.Advance(time.Minute)
				}
			}
		}
		clock.Set(time.Date(2026, 1, 2, 18, 0, 0, 0, time.UTC))
		if n, err := db.SweepStatistics(ctx, 10); err != nil || n != 5 { // October to December, the fourth quarter, the year
			t.Fatalf("sweep: %d %v", n, err)
		}
		r := site.get("/estadisticas")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `href="/estadisticas/informe?tipo=anual&amp;periodo=2025">Informe anual: 2025</a>`) {
			t.Fatalf("statistics page does not link the year's report: %d", r.Status)
		}
		y := site.get("/estadisticas/informe?tipo=anual&periodo=2025")
		if y.Status != http.StatusOK || !strings.Contains(y.Body, "Informe anual: 2025") || !strings.Contains(y.Body, "Lo que hizo el Mecanismo en 2025") ||
			!strings.Contains(y.Body, `id="table-requests"`) || !strings.Contains(y.Body, "Descargar en PDF") || strings.Contains(y.Body, "<script") {
			t.Fatalf("annual report: %d %.500s", y.Status, y.Body)
		}
		checkAccessible(t, "/estadisticas/informe?tipo=anual", y.Body)
		if regexp.MustCompile(`<td>[1-9]</td>`).MatchString(y.Body) {
			t.Fatal("the report shows a count below 10")
		}
		if en := site.get("/estadisticas/informe?tipo=anual&periodo=2025", "Accept-Language", "en"); en.Status != http.StatusOK || !strings.Contains(en.Body, "Annual report: 2025") {
			t.Fatalf("English: %d", en.Status)
		}
		pdf := site.get("/estadisticas/informe?tipo=anual&periodo=2025&formato=pdf")
		if pdf.Status != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body, "%PDF-") ||
			!strings.Contains(pdf.Header.Get("Content-Disposition"), "informe-anual-2025.pdf") {
			t.Fatalf("pdf: %d %s", pdf.Status, pdf.Header.Get("Content-Type"))
		}
		if c := site.get("/estadisticas/informe?tipo=anual&periodo=2025&formato=csv"); c.Status != http.StatusOK ||
			!strings.Contains(c.Body, "requests,2025,entity,GRO,procedure,Total,primary,") || !strings.Contains(c.Body, "requests,2025,entity,Total,procedure,Total,published,122") {
			t.Fatalf("csv: %d %.300s", c.Status, c.Body)
		}
		if r := site.get("/estadisticas/informe?tipo=anual&periodo=2024"); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "todavía no están publicadas") {
			t.Fatalf("2024: %d", r.Status)
		}
	})
}

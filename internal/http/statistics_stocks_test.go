package http

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// /estadisticas shows a month whose entities would all be withheld by
// region, saying so, and the month's stocks at its close; its files name
// the regions.
func TestPublicStatisticsByRegionWithStocks(t *testing.T) {
	clock := testdb.NewClock(time.Time{})
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC))
		site := newWebSite(t, db, Options{})
		// Under 10 each; by region, south (Oaxaca, Guerrero) and centre
		// (Mexico City, Puebla) hold 11.
		for entity, n := range map[string]int{"OAX": 4, "GRO": 7, "CDMX": 6, "PUE": 5} {
			for i := 0; i < n; i++ {
				p := &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: fmt.Sprintf("Persona %s %d", entity, i), Entity: entity, Phone: "+52 951 555 0101"}
				if _, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Amenazas."}, p); err != nil {
					t.Fatal(err)
				}
				clock.Advance(time.Minute)
			}
		}
		clock.Set(time.Date(2026, 4, 2, 18, 0, 0, 0, time.UTC))
		if _, err := db.SweepStatistics(ctx, 10); err != nil {
			t.Fatal(err)
		}
		r := site.get("/estadisticas")
		if r.Status != http.StatusOK {
			t.Fatalf("statistics: %d %.300s", r.Status, r.Body)
		}
		for _, want := range []string{"Este mes se publica por región", ">Región<", ">Sur<", ">Centro<", ">11<", ">22<",
			"Medidas al cierre, por tipo y estado", "Vigentes", "Investigaciones abiertas al cierre, por estado y avance", "Sin avance"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("statistics page: missing %q", want)
			}
		}
		if strings.Contains(r.Body, "Oaxaca") {
			t.Error("a month by region names an entity")
		}
		checkAccessible(t, "/estadisticas", r.Body)
		if en := site.get("/estadisticas", "Accept-Language", "en"); !strings.Contains(en.Body, "published by region") || !strings.Contains(en.Body, ">South<") || !strings.Contains(en.Body, "Measures at the close") {
			t.Errorf("English page: %.300s", en.Body)
		}
		csv := site.get("/estadisticas/datos?periodo=2026-03&formato=csv")
		if !strings.HasPrefix(csv.Body, "periodo,region,procedimiento,solicitudes,estado\n") || !strings.Contains(csv.Body, "2026-03,sur,Total,11,published") {
			t.Errorf("csv: %s", csv.Body)
		}
		if js := site.get("/estadisticas/datos?periodo=2026-03&formato=json"); !strings.Contains(js.Body, `"coarsened":true`) || !strings.Contains(js.Body, `"entity":"centro"`) {
			t.Errorf("json: %s", js.Body)
		}
	})
}

package http

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"escudo"
	"escudo/internal/directory"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// BenchmarkDirectoryPages: the directory (all 32 entities, 105 reference
// bodies with contacts and liaisons, an agreement each) and a case's
// comparison page (an IACHR measure and a state commission's beside the
// Mechanism's measures), rendered through the whole server as the
// coordination reads them. p99 per engine:
//
//	go test ./internal/http -run '^$' -bench DirectoryPages -benchtime 300x -p 1
func BenchmarkDirectoryPages(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		if engine == "postgres" && os.Getenv("ESCUDO_TEST_POSTGRES_URL") == "" {
			continue
		}
		b.Run(engine, func(b *testing.B) {
			var db *store.DB
			if engine == "sqlite" {
				db = testdb.OpenSQLite(b, testdb.Options{})
			} else {
				db = testdb.OpenPostgres(b, testdb.Options{})
			}
			site, caseID := directoryBenchSite(b, db)
			for _, page := range []string{"/directory", "/directory?q=fiscal", "/directory/entities/OAX", fmt.Sprintf("/cases/%d/protection", caseID)} {
				b.Run(page, func(b *testing.B) {
					lat := make([]time.Duration, 0, b.N)
					for b.Loop() {
						t := time.Now()
						if r := site.get(page); r.Status != http.StatusOK {
							b.Fatalf("%s: %d", page, r.Status)
						}
						lat = append(lat, time.Since(t))
					}
					b.StopTimer()
					slices.Sort(lat)
					q := func(x float64) float64 {
						return float64(lat[min(len(lat)-1, int(float64(len(lat))*x))]) / float64(time.Millisecond)
					}
					b.ReportMetric(q(0.50), "p50-ms")
					b.ReportMetric(q(0.99), "p99-ms")
					b.ReportMetric(0, "ns/op")
				})
			}
		})
	}
}

func directoryBenchSite(b *testing.B, db *store.DB) (*webSite, int64) {
	ctx := context.Background()
	site := newWebSite(b, db, Options{ReadRate: 1 << 20}) // the benchmark reads one case many times
	coord := webUser(b, db, "coco", escudo.RoleCoordinator)
	actx := escudo.NewContextWithUser(ctx, coord)
	if _, err := db.SeedDirectory(ctx, directory.Reference()); err != nil {
		b.Fatal(err)
	}
	list, err := db.AgencyList(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var gn int64
	for i, a := range list {
		if a.Code == "gn" {
			gn = a.ID
		}
		e := directory.Entry{Agency: a.Agency, Kind: a.Kind, Contact: directory.Contact{Email: "oficialia@" + a.Code + ".example.org",
			Phone: fmt.Sprintf("55-0000-%04d", i), Address: "Domicilio de prueba", Person: "Lic. Contacto de prueba"}}
		if err := db.UpdateDirectoryEntry(ctx, e); err != nil {
			b.Fatal(err)
		}
		if i%3 == 0 {
			u := webUser(b, db, fmt.Sprintf("enlace%03d", i), escudo.RoleLiaison)
			if err := db.SetUserAgency(ctx, u.ID, a.Code); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, e := range escudo.FederalEntities {
		if _, err := db.RecordAgreement(actx, &directory.Agreement{Entity: e.Code, Status: directory.AgreementInForce,
			SignedOn: time.Now().AddDate(-2, 0, 0), ValidUntil: time.Now().AddDate(2, 0, 0), Document: "Convenio de prueba"}); err != nil {
			b.Fatal(err)
		}
	}
	rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, ImminentDanger: true, Narrative: "Amenazas."},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Periodista de prueba", Entity: "OAX"})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.WithTx(ctx, true, func(tx *store.Tx) error {
		for _, m := range []struct{ id, k, v string }{{"building_protection", "premises", "Domicilio"}, {"evacuation", "destination", "Reservado"}} {
			d := map[string]string{m.k: m.v}
			if m.id == "evacuation" {
				d["people"] = "2"
			}
			if _, err := tx.GrantMeasure(ctx, 0, escudo.MeasureGrant{CaseID: rc.CaseID, Measure: m.id, AgencyID: gn, Source: escudo.SourceUrgent, Reason: "Prueba.", Details: d}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	for _, a := range []*escudo.Assessment{
		{CaseID: rc.CaseID, Body: escudo.BodyIACHR, Reference: "MC-1-26", Level: escudo.RiskExtraordinary, DecidedAt: time.Now().Add(-time.Hour), CatalogueMeasures: []string{"escort", "building_protection"}},
		{CaseID: rc.CaseID, Body: escudo.BodyStateCommission, BodyName: "Defensoría de los Derechos Humanos del Pueblo de Oaxaca", Reference: "DDHPO/1/2026", Level: escudo.RiskOrdinary, DecidedAt: time.Now().Add(-time.Hour), CatalogueMeasures: []string{"police_rounds"}},
	} {
		if _, err := db.RecordAssessment(actx, a); err != nil {
			b.Fatal(err)
		}
	}
	site.login("coco", webPassword)
	return site, rc.CaseID
}

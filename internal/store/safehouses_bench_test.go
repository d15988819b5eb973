package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// BenchmarkSafeHouseRegistry measures what the registry page reads (every
// house with its occupancy, every request waiting or under way, each
// opened and audited one entry per object) on SQLite, with a registry of
// 20 houses, 60 stays and 20 requests waiting, and with one of 40 houses,
// 120 stays and 80 waiting, beyond a national mechanism's; it reports the
// 99th percentile.
//
//	go test ./internal/store -run '^$' -bench SafeHouseRegistry -benchtime 300x
func BenchmarkSafeHouseRegistry(b *testing.B) {
	for _, size := range []struct{ houses, stays, waiting int }{{20, 60, 20}, {40, 120, 80}} {
		b.Run(fmt.Sprintf("houses=%d,requests=%d", size.houses, size.stays+size.waiting), func(b *testing.B) {
			benchRegistry(b, size.houses, size.stays, size.waiting)
		})
	}
}

func benchRegistry(b *testing.B, nHouses, stays, waiting int) {
	db := testdb.OpenSQLite(b, testdb.Options{})
	ctx := context.Background()
	admin := &escudo.User{Username: "administra", DisplayName: "A", Role: escudo.RoleAdmin}
	named := &escudo.User{Username: "registro", DisplayName: "R", Role: escudo.RoleFollowUp}
	for _, u := range []*escudo.User{admin, named} {
		if err := db.CreateUser(ctx, u, "correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.SetSafeHouseNamed(withUser(admin), named.ID, true); err != nil {
		b.Fatal(err)
	}
	nctx := withUser(named)
	var houses []int64
	for i := range nHouses {
		h := &escudo.SafeHouse{Name: fmt.Sprintf("Casa %d", i), Address: fmt.Sprintf("Calle %d, Colonia Centro", i), Coordinates: "17.06,-96.72",
			Phone: "+52 951 555 0100", Capacity: 8, Operator: "Mecanismo"}
		if err := db.CreateSafeHouse(nctx, h); err != nil {
			b.Fatal(err)
		}
		houses = append(houses, h.ID)
	}
	for i := range stays + waiting {
		c, p := newRequest(fmt.Sprintf("Persona %d", i))
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			b.Fatal(err)
		}
		r := &escudo.SafeHouseRequest{CaseID: rc.CaseID, People: 2, Urgency: escudo.UrgencyDays, Needs: []escudo.SafeHouseNeed{escudo.NeedChildren}, Note: "Nota sellada."}
		if err := db.RequestSafeHouse(nctx, r); err != nil {
			b.Fatal(err)
		}
		if i < stays {
			if err := db.AssignSafeHouse(nctx, &escudo.SafeHouseAssignment{RequestID: r.ID, HouseID: houses[i%nHouses], DateIn: time.Now()}); err != nil {
				b.Fatal(err)
			}
		}
	}
	var took []time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		hs, err := db.SafeHouses(nctx)
		if err != nil || len(hs) != nHouses {
			b.Fatalf("%d houses: %v", len(hs), err)
		}
		rs, err := db.SafeHouseRequests(nctx)
		if err != nil || len(rs) != stays+waiting {
			b.Fatalf("%d requests: %v", len(rs), err)
		}
		took = append(took, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	_ = store.OutcomeOK
}

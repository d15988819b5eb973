package http

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// BenchmarkAPICaseList measures GET /api/v1/cases through the whole handler
// chain (middleware, token authentication, filter parsing, store, JSON) on
// 100 cases, and reports the 99th percentile of server time.
//
//	go test -run=^$ -bench=BenchmarkAPICaseList -benchtime=2000x ./internal/http/
func BenchmarkAPICaseList(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchCaseList(b, testdb.OpenSQLite(b, testdb.Options{})) })
	b.Run("postgres", func(b *testing.B) { benchCaseList(b, testdb.OpenPostgres(b, testdb.Options{})) })
}

func benchCaseList(b *testing.B, db *store.DB) {
	ctx := context.Background()
	srv, err := New(Options{DB: db})
	if err != nil {
		b.Fatal(err)
	}
	u := webUser(b, db, "recepcion", escudo.RoleReception)
	_, token, err := db.CreateAPIToken(ctx, u.ID, "bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	entities := []string{"OAX", "GRO", "CHS", "VER", "CDMX"}
	for i := 0; i < 100; i++ {
		c := &escudo.Case{Channel: escudo.ChannelHotline, ImminentDanger: i%7 == 0, Narrative: fmt.Sprintf("Relato %d", i)}
		p := &escudo.Person{Profile: escudo.ProfileJournalist, Name: fmt.Sprintf("Persona Ficticia %d", i), Entity: entities[i%len(entities)]}
		if _, err := db.FileRequest(ctx, c, p); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []struct{ name, url string }{
		{"page", "/api/v1/cases?limit=50"},
		{"filtered", "/api/v1/cases?entity=OAX&open=true&limit=50"},
		{"search", "/api/v1/cases?q=persona+ficticia+42"},
	} {
		b.Run(q.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := httptest.NewRequest("GET", q.url, nil)
				r.Header.Set("Authorization", "Bearer "+token)
				w := httptest.NewRecorder()
				start := time.Now()
				srv.ServeHTTP(w, r)
				times = append(times, time.Since(start))
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
			b.StopTimer()
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

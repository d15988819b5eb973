package staff

import (
	"bytes"
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/demo"
	"escudo/internal/testdb"
	"escudo/internal/web"
)

// BenchmarkRenderBacklog measures template execution alone for a full
// backlog page of 50 rows.
//
//	go test -run=^$ -bench=BenchmarkRenderBacklog ./internal/web/staff/
func BenchmarkRenderBacklog(b *testing.B) {
	clock := &demo.Clock{}
	clock.Set(time.Now().UTC())
	db := testdb.OpenSQLite(b, testdb.Options{Now: clock.Now})
	if _, err := demo.Seed(context.Background(), db, clock, demo.Options{Seed: 7, Cases: 120, Password: "demo-password-for-tests"}); err != nil {
		b.Fatal(err)
	}
	core, err := web.NewCore(web.Options{DB: db})
	if err != nil {
		b.Fatal(err)
	}
	clock.Live()
	bl, err := db.Backlog(context.Background(), escudo.CaseFilter{Open: true, Limit: 50})
	if err != nil {
		b.Fatal(err)
	}
	t := core.Tmpl.Lookup("backlog")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := &backlogData{Backlog: bl, Page: 1}
		p := &web.Page{L: core.I18n.Localizer("es-MX"), Data: d, Now: time.Now(), CSS: "x", Title: "backlog.title", Path: "/backlog"}
		d.Table = backlogRows(p, bl.Rows)
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
			b.Fatal(err)
		}
	}
}

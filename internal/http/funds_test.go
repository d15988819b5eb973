package http

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// smallCount finds a published count of payments from 1 to 9 in the CSV
// (its fourth column) or the JSON.
var smallCount = regexp.MustCompile(`(?m)^[^,]*,[a-z_]+,[^,]*,[1-9],|"payments":[1-9][,}]`)

// withheldRow finds a row of the report whose count is withheld and
// captures its amount, which must be "—".
var withheldRow = regexp.MustCompile(`<td class="num" data-label="[^"]*">(?:&lt; 10|—)</td><td class="num" data-label="[^"]*">([^<]*)</td>`)

// TestFundPages: the coordination records a contract with a withheld item,
// the budget, a commitment and payments through the forms; bad input is a
// translated 400 that changes nothing. The public report (HTML, CSV, JSON)
// and the OCDS package show the withheld item's reason, never its detail,
// and no count of measures from 1 to 9; bad quarters and formats are 400.
func TestFundPages(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newRouteFixture(t, db)
		webUser(t, db, "coord_f", escudo.RoleCoordinator)
		cl := f.site.newClient()
		cl.loginFrom("10.9.0.1", "coord_f")
		if r := cl.page("/funds?year=2026"); r.Status != 200 || !strings.Contains(r.Body, "Registrar contrato") {
			t.Fatalf("ledger page: %d %.300s", r.Status, r.Body)
		}
		contract := url.Values{"form": {"contract"}, "title": {"Casas de refugio 2026"}, "supplier": {"Red de Refugios A.C."}, "supplier_tax": {"RRS090505GH4"},
			"method": {"direct"}, "value": {"100,000.00"}, "signed": {"2026-07-01"}, "starts": {"2026-07-01"}, "ends": {"2026-12-31"},
			"items": {"Operación de casas de refugio"}, "withheld_description": {"Inmueble"}, "withheld_reason": {"safe_house"}, "withheld_detail": {"Calle Escondida 77"}}
		bad := url.Values{}
		for k, v := range contract {
			bad[k] = v
		}
		bad.Set("ends", "2026-06-01")
		if r := cl.form("/funds/contracts", bad); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "La vigencia debe terminar después de empezar") {
			t.Fatalf("inverted term: %d %.500s", r.Status, r.Body)
		}
		if r := cl.form("/funds/contracts", contract); r.Status != http.StatusSeeOther {
			t.Fatalf("contract: %d %.500s", r.Status, r.Body)
		}
		cs, _ := db.FundContracts(ctx, 2026, false)
		if len(cs) != 1 {
			t.Fatalf("contracts %+v", cs)
		}
		entry := func(v url.Values) resp { v.Set("form", "entry"); return cl.form("/funds/entries", v) }
		if r := entry(url.Values{"entry_kind": {"budget"}, "amount": {"-5"}, "date": {"2026-01-02"}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Escribe el monto en pesos") {
			t.Fatalf("negative budget: %d %.300s", r.Status, r.Body)
		}
		if r := entry(url.Values{"entry_kind": {"budget"}, "amount": {"500,000"}, "date": {"2026-01-02"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("budget: %d %.300s", r.Status, r.Body)
		}
		if r := entry(url.Values{"entry_kind": {"commitment"}, "amount": {"100,000.01"}, "date": {"2026-07-02"}, "contract": {"1"}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Excede lo que queda del contrato") {
			t.Fatalf("over the contract: %d %.300s", r.Status, r.Body)
		}
		if r := entry(url.Values{"entry_kind": {"commitment"}, "amount": {"90,000"}, "date": {"2026-07-02"}, "contract": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("commitment: %d %.300s", r.Status, r.Body)
		}
		l, _ := db.FundLedger(ctx, 2026)
		commit := l.Entries[len(l.Entries)-1].ID
		if r := entry(url.Values{"entry_kind": {"payment"}, "amount": {"1,000"}, "date": {"2026-08-02"}, "commitment": {itoa(commit)}, "measure": {itoa(f.measureID)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("payment: %d %.300s", r.Status, r.Body)
		}
		if r := entry(url.Values{"entry_kind": {"payment"}, "amount": {"90,000"}, "date": {"2026-08-02"}, "commitment": {itoa(commit)}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Excede lo que queda por pagar") {
			t.Fatalf("over the commitment: %d %.300s", r.Status, r.Body)
		}
		if l2, _ := db.FundLedger(ctx, 2026); len(l2.Entries) != 3 {
			t.Fatalf("refused entries were written: %d", len(l2.Entries))
		}
		if r := cl.page("/funds?year=2026"); !strings.Contains(r.Body, "Calle Escondida 77") || !strings.Contains(r.Body, "$1,000.00 MXN") {
			t.Errorf("the staff ledger shows the withheld detail and the amounts: %.300s", r.Body)
		}

		pub := f.site.newClient()
		// Not published until the sweep runs: the page says so, the files are 404.
		if r := pub.page("/transparencia/fondo?periodo=2026-Q3"); r.Status != 200 || !strings.Contains(r.Body, "Este trimestre aún no se publica") || strings.Contains(r.Body, "$500,000.00") {
			t.Fatalf("unpublished quarter: %d %.500s", r.Status, r.Body)
		}
		for _, format := range []string{"csv", "json", "pdf"} {
			if r := pub.page("/transparencia/fondo?periodo=2026-Q3&formato=" + format); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "aún no se publica") {
				t.Errorf("unpublished %s: %d %.300s", format, r.Status, r.Body)
			}
		}
		if n, err := db.PublishStatistics(ctx, 100); err != nil || n == 0 {
			t.Fatalf("publish: %d %v", n, err)
		}
		html := pub.page("/transparencia/fondo?periodo=2026-Q3")
		if html.Status != 200 || !strings.Contains(html.Body, "Revelaría una casa de refugio") || !strings.Contains(html.Body, "$500,000.00 MXN") || !strings.Contains(html.Body, "&lt; 10") {
			t.Fatalf("public report: %d %.500s", html.Status, html.Body)
		}
		if strings.Contains(html.Body, "<script") {
			t.Error("the report carries a script")
		}
		checkAccessible(t, "/transparencia/fondo", html.Body)
		if !strings.Contains(html.Body, `<svg class="chart" id="chart-fund-totals"`) || !strings.Contains(html.Body, "fondo?periodo=2026-Q3&amp;formato=pdf") {
			t.Errorf("the report has no chart or no PDF link: %.300s", html.Body)
		}
		rows := withheldRow.FindAllStringSubmatch(html.Body, -1)
		if len(rows) < 2 {
			t.Errorf("withheld rows: %v", rows)
		}
		for _, m := range rows {
			if m[1] != "—" {
				t.Errorf("a withheld row shows an amount: %s", m[0])
			}
		}
		if len(html.Body) > 60<<10 {
			t.Errorf("the report weighs %d bytes", len(html.Body))
		}
		pdf1 := pub.page("/transparencia/fondo?periodo=2026-Q3&formato=pdf")
		pdf2 := pub.do("GET", "/transparencia/fondo?periodo=2026-Q3&formato=pdf", "", "")
		if pdf1.Status != 200 || !strings.HasPrefix(pdf1.Body, "%PDF-") || pdf1.Body != pdf2.Body {
			t.Errorf("PDF: %d, %d bytes, reproducible %v", pdf1.Status, len(pdf1.Body), pdf1.Body == pdf2.Body)
		}
		if en := pub.do("GET", "/transparencia/fondo?periodo=2026-Q3", "", "", "Accept-Language", "en", "Accept", "text/html"); !strings.Contains(en.Body, "Quarter 3 of 2026") {
			t.Errorf("English report: %.300s", en.Body)
		}
		csv := pub.page("/transparencia/fondo?periodo=2026-Q3&formato=csv")
		js := pub.page("/transparencia/fondo?periodo=2026-Q3&formato=json")
		ocds := pub.page("/transparencia/contratos")
		if csv.Status != 200 || js.Status != 200 || ocds.Status != 200 {
			t.Fatalf("files: %d %d %d", csv.Status, js.Status, ocds.Status)
		}
		var pkg struct {
			Releases []struct {
				OCID      string `json:"ocid"`
				Contracts []struct {
					Items []struct {
						Withheld bool   `json:"withheld"`
						Reason   string `json:"withheldReason"`
					} `json:"items"`
					Implementation struct {
						Transactions []struct {
							ID       string           `json:"id"`
							Withheld bool             `json:"withheld"`
							Value    *json.RawMessage `json:"value"`
						} `json:"transactions"`
					} `json:"implementation"`
				} `json:"contracts"`
			} `json:"releases"`
		}
		if err := json.Unmarshal([]byte(ocds.Body), &pkg); err != nil || len(pkg.Releases) != 1 || !strings.HasPrefix(pkg.Releases[0].OCID, "ocds-escudo-2026-") ||
			!pkg.Releases[0].Contracts[0].Items[1].Withheld || pkg.Releases[0].Contracts[0].Items[1].Reason == "" {
			t.Fatalf("OCDS: %v %.600s", err, ocds.Body)
		}
		// The quarter's one payment is withheld in the release, so its
		// transaction is too.
		if tx := pkg.Releases[0].Contracts[0].Implementation.Transactions; len(tx) != 1 || !strings.HasSuffix(tx[0].ID, "-2026-Q3") || !tx[0].Withheld || tx[0].Value != nil {
			t.Errorf("OCDS transactions: %+v", tx)
		}
		for name, body := range map[string]string{"html": html.Body, "csv": csv.Body, "json": js.Body, "ocds": ocds.Body} {
			if strings.Contains(body, "Escondida") {
				t.Errorf("%s carries the withheld detail", name)
			}
			if smallCount.MatchString(body) {
				t.Errorf("%s publishes a count from 1 to 9: %.600s", name, body)
			}
		}
		if !strings.Contains(csv.Body, "tipo_de_medida,escort,,,primary") {
			t.Errorf("CSV: the one escort paid for is not withheld: %s", csv.Body)
		}
		for _, q := range []string{"?periodo=2026-Q5", "?periodo=2026-Q3&formato=docx", "?periodo=2026-3", "?periodo=2026-Q3&extra=1"} {
			if r := pub.page("/transparencia/fondo" + q); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "2026-Q3") {
				t.Errorf("%s: %d %.300s", q, r.Status, r.Body)
			}
		}
		if r := pub.page("/transparencia/contratos?x=1"); r.Status != http.StatusBadRequest {
			t.Errorf("OCDS with a query: %d", r.Status)
		}
		if r := cl.page("/funds?year=20x6"); r.Status != http.StatusBadRequest {
			t.Errorf("bad year: %d", r.Status)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

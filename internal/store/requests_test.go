package store_test

import (
	"context"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/coordination"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

var linkPattern = regexp.MustCompile(`/ack/(r1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)`)

// sentLinks returns the acknowledgement links e-mailed so far, by address,
// taking the e-mails from the outbox as the delivery workers would.
func sentLinks(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	ns, err := db.ClaimDue(context.Background(), 100, time.Minute, store.ChannelEmail)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range ns {
		if n.Kind != store.KindRequestSent {
			continue
		}
		m := linkPattern.FindStringSubmatch(n.Body)
		if m == nil {
			t.Fatalf("an e-mail without a link:\n%s", n.Body)
		}
		if !strings.HasPrefix(n.Body, "El Mecanismo") || strings.Contains(n.Body, "Vigilancia") {
			t.Errorf("the e-mail must not carry what is asked:\n%s", n.Body)
		}
		out[n.Recipient] = m[1]
	}
	return out
}

func newAgencyRequest(caseID, agencyID int64, now time.Time) *coordination.AgencyRequest {
	return &coordination.AgencyRequest{CaseID: caseID, AgencyID: agencyID, Kind: coordination.RequestPoliceSupport,
		LegalBasis: "Artículos 26 y 28 de la Ley para la Protección de Personas Defensoras; convenio de coordinación con Oaxaca.",
		Details:    "Vigilancia armada frente a la oficina del Centro: rondines cada dos horas desde hoy.", Deadline: now.Add(48 * time.Hour)}
}

// A request without an addressee, a deadline, a known kind or a legal
// basis, or naming an unknown agency, another case's measure or a bad
// address, is refused with the field named, and nothing is written.
func TestSendRequestRefusals(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		coord := staff(t, db, "coordinacion", escudo.RoleCoordinator, 0)
		ctx := withUser(coord)
		c1 := admitted(t, db, "Centro Juan Gerardi", escudo.ProcedureExtraordinary)
		c2 := admitted(t, db, "Casa del Migrante de Saltillo", escudo.ProcedureExtraordinary)
		sspo := agency(t, db, "ssp-oax", escudo.AgencyState, "OAX", true)
		other, err := grant(ctx, db, coord.ID, escudo.MeasureGrant{CaseID: c2, Measure: "escort", AgencyID: sspo, Source: escudo.SourceUrgent,
			Reason: "Amenazas.", Details: map[string]string{"officers": "2"}})
		if err != nil {
			t.Fatal(err)
		}
		outbox := countRows(t, db, `SELECT COUNT(*) FROM outbox`)
		for _, tc := range []struct {
			name   string
			change func(r *coordination.AgencyRequest)
			emails []string
			want   string
		}{
			{"no addressee", func(r *coordination.AgencyRequest) { r.AgencyID = 0 }, nil, "addressee request.addressee_required"},
			{"unknown addressee", func(r *coordination.AgencyRequest) { r.AgencyID = 999 }, nil, "addressee request.addressee_unknown"},
			{"no deadline", func(r *coordination.AgencyRequest) { r.Deadline = time.Time{} }, nil, "deadline request.deadline_required"},
			{"deadline past", func(r *coordination.AgencyRequest) { r.Deadline = t0.Add(-time.Hour) }, nil, "deadline request.deadline_past"},
			{"deadline in two years", func(r *coordination.AgencyRequest) { r.Deadline = t0.AddDate(2, 0, 0) }, nil, "deadline request.deadline_far"},
			{"unknown kind", func(r *coordination.AgencyRequest) { r.Kind = "bribe" }, nil, "request_kind request.kind_unknown"},
			{"no legal basis", func(r *coordination.AgencyRequest) { r.LegalBasis = "  " }, nil, "legal_basis validation.required"},
			{"nothing asked", func(r *coordination.AgencyRequest) { r.Details = "" }, nil, "details validation.required"},
			{"implementing without a measure", func(r *coordination.AgencyRequest) { r.Kind = coordination.RequestImplement }, nil, "measure request.measure_required"},
			{"another case's measure", func(r *coordination.AgencyRequest) { r.Kind, r.MeasureID = coordination.RequestImplement, other }, nil, "measure request.measure_unknown"},
			{"a bad address", func(*coordination.AgencyRequest) {}, []string{"fiscalia@"}, "email validation.email"},
		} {
			r := newAgencyRequest(c1, sspo, t0)
			tc.change(r)
			if _, err := db.SendRequest(ctx, r, store.SendOptions{LinkBase: "https://escudo.example.org/ack/", Emails: tc.emails}); !slicesHas(fieldKeys(err), tc.want) {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
			}
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM agency_requests`); n != 0 {
			t.Errorf("%d requests written by refused sends", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM outbox`); n != outbox {
			t.Errorf("refused sends enqueued %d notices", n-outbox)
		}
	})
}

// A request goes to the agency's liaisons (inbox) and, with a signed link,
// to the addresses; the link's page shows what is asked and acknowledges
// once with the name typed. A reused, forged or expired link is refused
// and audited, and changes nothing; a second link of an acknowledged
// request is spent without changing the first receipt. The answer closes
// it and tells who sent it.
func TestRequestReceiptThroughLinks(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		coord := staff(t, db, "coordinacion", escudo.RoleCoordinator, 0)
		ctx := withUser(coord)
		c := admitted(t, db, "Centro Juan Gerardi", escudo.ProcedureExtraordinary)
		sspo := agency(t, db, "ssp-oax", escudo.AgencyState, "OAX", true)
		zamudio := liaison(t, db, "zamudio", "ssp-oax")
		alcala := &escudo.User{Username: "alcala", DisplayName: "Alcalá", Role: escudo.RoleLiaison, Agency: "ssp-oax", Email: "alcala@ssp-oax.example.org"}
		if err := db.CreateUser(context.Background(), alcala, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		id, err := db.SendRequest(ctx, newAgencyRequest(c, sspo, t0), store.SendOptions{LinkBase: "https://escudo.example.org/ack/",
			Emails: []string{"oficialia@ssp-oax.example.org", "ALCALA@ssp-oax.example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []*escudo.User{zamudio, alcala} {
			if n := countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE channel = 'inbox' AND recipient_user = ? AND kind = ?`, u.ID, store.KindRequestSent); n != 1 {
				t.Errorf("%s has %d inbox notices, want 1", u.Username, n)
			}
		}
		links := sentLinks(t, db)
		if len(links) != 2 || links["oficialia@ssp-oax.example.org"] == "" {
			t.Fatalf("links %v: want one per address, the liaison's and the repeated one once", links)
		}
		office := links["oficialia@ssp-oax.example.org"]
		s, err := db.RequestByLink(context.Background(), office)
		if err != nil || s.Request.ID != id || s.Used || !strings.Contains(s.Request.Details, "Vigilancia armada") || s.Request.Status != coordination.RequestSent {
			t.Fatalf("the link's page: %+v %v", s, err)
		}
		if _, err := db.AcknowledgeByLink(context.Background(), office, " "); !slicesHas(fieldKeys(err), "name validation.required") {
			t.Fatalf("no name: %v", err)
		}
		// A forged link: the payload of the office's link naming another request.
		parts := strings.Split(office, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		f := strings.Split(string(payload), ":")
		f[1] = "999"
		forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Join(f, ":"))) + "." + parts[2]
		for _, bad := range []string{forged, "r1.x.y", office[:len(office)-3]} {
			if _, err := db.AcknowledgeByLink(context.Background(), bad, "Lic. Ruiz"); escudo.ErrorKey(err) != "request.link_invalid" {
				t.Errorf("a forged link: %v", err)
			}
		}
		if r, err := db.FindRequest(ctx, id); err != nil || r.Status != coordination.RequestSent {
			t.Fatalf("after refusals: %+v %v", r, err)
		}
		r, err := db.AcknowledgeByLink(context.Background(), office, "Lic. Ana Ruiz, oficialía de partes")
		if err != nil || r.Status != coordination.RequestAcknowledged {
			t.Fatalf("acknowledge: %+v %v", r, err)
		}
		if _, err := db.AcknowledgeByLink(context.Background(), office, "Otra persona"); escudo.ErrorKey(err) != "request.link_used" {
			t.Errorf("a reused link: %v", err)
		}
		if _, err := db.AcknowledgeByLink(context.Background(), links["ALCALA@ssp-oax.example.org"], "Alcalá"); err != nil {
			t.Errorf("the second link of an acknowledged request: %v", err)
		}
		got, err := db.FindRequest(ctx, id)
		if err != nil || got.AckChannel != coordination.AckByLink || got.AckBy != "Lic. Ana Ruiz, oficialía de partes" || got.AcknowledgedAt == nil || !got.AcknowledgedAt.Equal(t0) {
			t.Fatalf("receipt: %+v %v", got, err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'request.link_refused'`); n != 4 {
			t.Errorf("%d refusals audited, want 4", n)
		}
		if err := db.AcknowledgeRequest(withUser(zamudio), id, coordination.AckInEscudo, ""); escudo.ErrorKey(err) != "request.already_acknowledged" {
			t.Errorf("acknowledged twice: %v", err)
		}
		// Expired: a new link, then past its time.
		if err := db.ResendLink(ctx, id, "guardia@ssp-oax.example.org", "https://escudo.example.org/ack/"); err != nil {
			t.Fatal(err)
		}
		late := sentLinks(t, db)["guardia@ssp-oax.example.org"]
		clock.Set(t0.Add(6 * 24 * time.Hour))
		if _, err := db.RequestByLink(context.Background(), late); escudo.ErrorKey(err) != "request.link_expired" {
			t.Errorf("an expired link: %v", err)
		}
		if err := db.CompleteRequest(withUser(zamudio), id, ""); !slicesHas(fieldKeys(err), "outcome validation.required") {
			t.Errorf("an empty answer: %v", err)
		}
		if err := db.CompleteRequest(withUser(zamudio), id, "Rondines en marcha desde el 2 de marzo."); err != nil {
			t.Fatal(err)
		}
		if err := db.CancelRequest(ctx, id, "Ya no hace falta."); escudo.ErrorKey(err) != "request.closed" {
			t.Errorf("cancelling a completed request: %v", err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE recipient_user = ? AND kind = ?`, coord.ID, store.KindRequestAnswered); n != 2 {
			t.Errorf("the sender has %d notices, want acknowledged and completed", n)
		}
		hist, err := db.RequestHistory(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		for _, h := range hist {
			steps = append(steps, h.Step)
		}
		if got := strings.Join(steps, ","); got != "sent,link_sent,link_sent,acknowledged,link_used,link_sent,completed" {
			t.Errorf("history %s", got)
		}
	})
}

// An open request past its deadline climbs the tiers once each; an
// acknowledgement does not stop it (the agency still owes the answer), an
// answer does. The performance figures count it.
func TestRequestSweepAndFacts(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		coord := staff(t, db, "coordinacion", escudo.RoleCoordinator, 0)
		ctx := withUser(coord)
		c := admitted(t, db, "Centro Juan Gerardi", escudo.ProcedureExtraordinary)
		sspo := agency(t, db, "ssp-oax", escudo.AgencyState, "OAX", true)
		fge := agency(t, db, "fge-oax", escudo.AgencyState, "OAX", false)
		zamudio := liaison(t, db, "zamudio", "ssp-oax")
		late, err := db.SendRequest(ctx, newAgencyRequest(c, sspo, t0), store.SendOptions{})
		if err != nil {
			t.Fatal(err)
		}
		answered := newAgencyRequest(c, fge, t0)
		answered.Kind = coordination.RequestInvestigate
		done, err := db.SendRequest(ctx, answered, store.SendOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AcknowledgeRequest(withUser(zamudio), late, coordination.AckInEscudo, ""); err != nil {
			t.Fatal(err)
		}
		clock.Set(t0.Add(10 * time.Hour))
		if err := db.CompleteRequest(ctx, done, "Carpeta de investigación abierta."); err != nil {
			t.Fatal(err)
		}
		if n, err := db.SweepRequests(context.Background(), 0); err != nil || n != 0 {
			t.Fatalf("before the deadline: %d %v", n, err)
		}
		clock.Set(t0.Add(48*time.Hour + time.Minute))
		if n, err := db.SweepRequests(context.Background(), 0); err != nil || n != 1 {
			t.Fatalf("at the deadline: %d %v, want the liaison's tier", n, err)
		}
		clock.Set(t0.Add(48*time.Hour + 73*time.Hour))
		if n, err := db.SweepRequests(context.Background(), 0); err != nil || n != 2 {
			t.Fatalf("three days late: %d %v, want follow-up and coordination", n, err)
		}
		if n, err := db.SweepRequests(context.Background(), 0); err != nil || n != 0 {
			t.Fatalf("again: %d %v", n, err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = ? AND recipient_user = ?`, store.KindRequestOverdue, zamudio.ID); n != 1 {
			t.Errorf("the liaison has %d overdue notices", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = ? AND recipient_user = ?`, store.KindRequestOverdue, coord.ID); n != 1 {
			t.Errorf("the coordination has %d overdue notices", n)
		}
		overdue, err := db.Requests(ctx, store.RequestFilter{Overdue: true})
		if err != nil || len(overdue) != 1 || overdue[0].ID != late || !overdue[0].Overdue(clock.Now()) {
			t.Fatalf("overdue list: %+v %v", overdue, err)
		}
		mine, err := db.Requests(ctx, store.RequestFilter{Agency: "fge-oax"})
		if err != nil || len(mine) != 1 || mine[0].ID != done || mine[0].Details != "" {
			t.Fatalf("an agency's list (without what is asked): %+v %v", mine, err)
		}
		facts, err := db.RequestFacts(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
		if err != nil || len(facts) != 2 {
			t.Fatalf("facts %+v %v", facts, err)
		}
		for _, f := range facts {
			if f.Entity != "" && f.Entity != "OAX" {
				t.Errorf("fact entity %q", f.Entity)
			}
			if f.AgencyID == fge && (f.Completed.IsZero() || f.Acknowledged.IsZero()) {
				t.Errorf("an answered request counts as acknowledged and completed: %+v", f)
			}
			if f.AgencyID == sspo && (!f.Completed.IsZero() || f.Acknowledged.IsZero()) {
				t.Errorf("the acknowledged request: %+v", f)
			}
		}
	})
}

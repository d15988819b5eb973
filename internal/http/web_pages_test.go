package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
	"escudo/internal/web"
)

// webScenario is one step of a browsing session: who does it, the request,
// and what the person must and must not see.
type webScenario struct {
	name   string
	as     string // "" for the public, else a username
	method string
	path   string // {id}, {ref}, {other} are replaced
	form   url.Values
	header []string
	status int
	want   []string
	forbid []string
	// location, when set, is the expected redirect target (prefix).
	location string
}

type webFixture struct {
	site    *webSite
	clients map[string]*http.Client
	vars    map[string]string
	rcpt    *escudo.Receipt
}

func newWebFixture(t *testing.T, db *store.DB, o Options) *webFixture {
	t.Helper()
	ctx := context.Background()
	f := &webFixture{site: newWebSite(t, db, o), clients: map[string]*http.Client{}, vars: map[string]string{}}
	for _, u := range []struct {
		name string
		role escudo.Role
	}{{"rosa", escudo.RoleReception}, {"beto", escudo.RoleAnalyst}, {"dora", escudo.RoleDuty}, {"bene", escudo.RoleBeneficiary}} {
		webUser(t, db, u.name, u.role)
		f.clients[u.name] = newWebClient()
		f.site.c = f.clients[u.name]
		f.site.login(u.name, webPassword)
	}
	f.clients[""] = newWebClient()
	c, p := &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Recibió amenazas por su cobertura de la mina."},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Lucía Hernández Ríos", Entity: "GRO", Phone: "+52 744 123 4567"}
	rcpt, err := db.FileRequest(ctx, c, p)
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelEmail, Narrative: "Hostigamiento judicial."},
		&escudo.Person{Profile: escudo.ProfileDefender, Name: "Colectivo Tierra Viva", Kind: escudo.KindCollective, Entity: "OAX"})
	if err != nil {
		t.Fatal(err)
	}
	f.rcpt = rcpt
	f.vars["{id}"] = fmt.Sprint(rcpt.CaseID)
	f.vars["{ref}"] = rcpt.Reference
	f.vars["{code}"] = rcpt.Code
	f.vars["{other}"] = fmt.Sprint(other.CaseID)
	f.vars["{otherref}"] = other.Reference
	return f
}

func (f *webFixture) expand(s string) string {
	for k, v := range f.vars {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

func (f *webFixture) run(t *testing.T, scenarios []webScenario) {
	t.Helper()
	for _, sc := range scenarios {
		f.site.c = f.clients[sc.as]
		form := sc.form
		if form != nil {
			form = url.Values{}
			for k, vs := range sc.form {
				for _, v := range vs {
					form.Add(k, f.expand(v))
				}
			}
		}
		r := f.site.do(sc.method, f.expand(sc.path), form, sc.header...)
		if r.Status != sc.status {
			t.Fatalf("%s: status %d, want %d\n%.2000s", sc.name, r.Status, sc.status, r.Body)
		}
		for _, w := range sc.want {
			if !strings.Contains(r.Body, f.expand(w)) {
				t.Errorf("%s: missing %q", sc.name, f.expand(w))
			}
		}
		for _, w := range sc.forbid {
			if strings.Contains(r.Body, f.expand(w)) {
				t.Errorf("%s: must not show %q", sc.name, f.expand(w))
			}
		}
		if sc.location != "" && !strings.HasPrefix(r.Header.Get("Location"), f.expand(sc.location)) {
			t.Errorf("%s: redirect to %q, want %q", sc.name, r.Header.Get("Location"), f.expand(sc.location))
		}
		if sc.as != "" && r.Status == http.StatusOK && r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: staff page without Cache-Control: no-store (%q)", sc.name, r.Header.Get("Cache-Control"))
		}
	}
}

func TestPublicPages(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		f := newWebFixture(t, db, Options{})
		f.run(t, []webScenario{
			{name: "home explains the mechanism", method: "GET", path: "/", status: 200,
				want:   []string{`lang="es-MX"`, "Mecanismo de Protección", "casa refugio", "nunca publica", "/solicitar", "procedimiento extraordinario"},
				forbid: []string{"<script", "Lucía"}},
			{name: "home in English", method: "GET", path: "/", header: []string{"Accept-Language", "en-GB,en;q=0.8"}, status: 200,
				want: []string{`lang="en"`, "safe house", "Ask for protection"}},
			{name: "request form", method: "GET", path: "/solicitar", status: 200,
				want: []string{`name="narrative"`, `name="contact.never_sms"`, `name="imminent_danger"`, `<option value="GRO">Guerrero</option>`, `name="contact.safe_from"`, `for="name"`}},
			{name: "status form", method: "GET", path: "/seguimiento", status: 200, want: []string{`name="reference"`, `name="code"`}},
			{name: "unknown page", method: "GET", path: "/no-existe", status: 404, want: []string{"Esta página no existe"}},
			{name: "status with the right pair", method: "POST", path: "/seguimiento", form: url.Values{"reference": {"{ref}"}, "code": {"{code}"}}, status: 200,
				want: []string{"{ref}", "Recepción", "Sin decidir"}, forbid: []string{"Lucía", "cobertura de la mina", "744"}},
			{name: "status typed loosely (lower case, spaces)", method: "POST", path: "/seguimiento",
				form: url.Values{"reference": {" " + "{ref}" + " "}, "code": {"{code}"}}, status: 200, want: []string{"{ref}"}},
			{name: "status with a wrong code", method: "POST", path: "/seguimiento", form: url.Values{"reference": {"{ref}"}, "code": {"AAAA-BBBB-CCCC-DDDD"}}, status: 404,
				want: []string{"No encontramos una solicitud con ese folio y ese código"}, forbid: []string{"Sin decidir"}},
			{name: "status with another case's reference", method: "POST", path: "/seguimiento", form: url.Values{"reference": {"{otherref}"}, "code": {"{code}"}}, status: 404,
				want: []string{"No encontramos una solicitud con ese folio y ese código"}},
			{name: "status with nothing", method: "POST", path: "/seguimiento", form: url.Values{}, status: 400,
				want: []string{"Este dato es obligatorio", `aria-invalid="true"`}},
			{name: "language switch", method: "GET", path: "/lang?to=en&next=/solicitar", status: 303, location: "/solicitar"},
			{name: "page after switch", method: "GET", path: "/solicitar", status: 200, want: []string{"Protection request"}},
			{name: "language switch refuses other sites", method: "GET", path: "/lang?to=es-MX&next=//evil.example/x", status: 303, location: "/"},
		})
		if loc := f.site.get("/lang?to=es-MX&next=//evil.example/x").Header.Get("Location"); loc != "/" {
			t.Fatalf("open redirect: %q", loc)
		}
	})
}

func TestPublicRequestFlow(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		f := newWebFixture(t, db, Options{})
		_, before, err := db.FindCases(context.Background(), escudo.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		bad := url.Values{"name": {"  "}, "profile": {"jefe"}, "federal_entity": {"XX"}, "email": {"no-es-correo"}, "phone": {"abc"},
			"contact.channel": {"sms"}, "contact.never_sms": {"1"}, "contact.safe_from": {"25:99"}, "narrative": {"Me siguen desde hace un mes."},
			"municipality": {"Chilpancingo"}}
		f.run(t, []webScenario{
			{name: "invalid request re-renders with messages and input", method: "POST", path: "/solicitar", form: bad, status: 400,
				want: []string{"Revisa los datos marcados", "Este dato es obligatorio", "Escribe un correo válido", "Escribe un teléfono",
					"nunca te escribamos por SMS", "Escribe la hora como HH:MM", "Elige una de las opciones",
					`value="Chilpancingo"`, "Me siguen desde hace un mes.", `value="no-es-correo"`,
					`<a href="#email">Correo electrónico: Escribe un correo válido`, `<a href="#contact.safe_from">Hora segura desde:`},
				forbid: []string{"ESC-"}},
			{name: "invalid request in English", method: "POST", path: "/solicitar", form: bad, header: []string{"Accept-Language", "en"}, status: 400,
				want: []string{"This is required", "Enter a valid email address"}},
			{name: "oversized narrative", method: "POST", path: "/solicitar", form: url.Values{"name": {"Ana"}, "profile": {"journalist"}, "federal_entity": {"GRO"},
				"narrative": {strings.Repeat("á", escudo.MaxLongText+1)}}, status: 400, want: []string{"máximo 20000 caracteres"}},
		})
		_, after, err := db.FindCases(context.Background(), escudo.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Fatalf("invalid requests stored cases: %d before, %d after", before, after)
		}

		// A body beyond the limit is refused outright.
		r := f.site.post("/solicitar", url.Values{"narrative": {strings.Repeat("x", web.MaxFormBytes+10)}})
		if r.Status != http.StatusBadRequest {
			t.Fatalf("huge body: %d", r.Status)
		}

		good := url.Values{"name": {"María Elena Sánchez"}, "kind": {"individual"}, "profile": {"defender"}, "federal_entity": {"CHH"},
			"municipality": {"Guachochi"}, "phone": {"614 555 0101"}, "contact.channel": {"phone"}, "contact.never_sms": {"1"},
			"contact.safe_from": {"09:00"}, "contact.safe_until": {"13:00"}, "imminent_danger": {"1"},
			"narrative":  {"Hombres armados llegaron a la comunidad y amenazaron con matarme si sigo defendiendo el bosque."},
			"aggressors": {"Grupo armado que controla la tala."}}
		r = f.site.post("/solicitar", good)
		if r.Status != http.StatusCreated {
			t.Fatalf("good request: %d\n%.2000s", r.Status, r.Body)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Fatal("receipt may be cached")
		}
		ref := between(r.Body, `id="reference">`, "<")
		code := between(r.Body, `id="code">`, "<")
		if !strings.HasPrefix(ref, "ESC-") || len(code) < 10 || !strings.Contains(r.Body, "solo se muestra esta vez") {
			t.Fatalf("receipt: ref %q code %q", ref, code)
		}
		// The code works once typed back, and the new case is extraordinary.
		r = f.site.post("/seguimiento", url.Values{"reference": {strings.ToLower(ref)}, "code": {code}})
		if r.Status != 200 || !strings.Contains(r.Body, "Extraordinario") {
			t.Fatalf("status of new request: %d", r.Status)
		}
		// The duty operator sees the urgent request in their queue, and
		// reception finds it on the backlog above the ordinary ones.
		f.vars["{new}"] = ref
		f.run(t, []webScenario{
			{name: "duty queue shows the urgent request", as: "dora", method: "GET", path: "/queue", status: 200,
				want: []string{"Nueva solicitud con peligro inminente", "{new}"}},
			{name: "backlog lists the urgent request first", as: "rosa", method: "GET", path: "/backlog", status: 200,
				want: []string{"{new}", "Evaluación de acción inmediata (2 h)", "{ref}"}},
			{name: "search by exact name", as: "rosa", method: "GET", path: "/cases?q=Mar%C3%ADa+Elena+S%C3%A1nchez", status: 200, want: []string{"{new}"}, forbid: []string{"{ref}"}},
			{name: "search by phone in another format", as: "rosa", method: "GET", path: "/cases?q=6145550101", status: 200, want: []string{"{new}"}},
		})
		if strings.Index(f.site.get("/backlog").Body, ref) > strings.Index(f.site.get("/backlog").Body, f.vars["{ref}"]) {
			t.Fatal("urgent request is not above the ordinary one")
		}
	})
}

func TestPublicRequestRateLimit(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	site := newWebSite(t, db, Options{PublicRate: 2})
	form := url.Values{"name": {"Ana"}, "profile": {"journalist"}, "federal_entity": {"GRO"}, "phone": {"7441234567"}, "narrative": {"Amenazas."}}
	for i := 0; i < 2; i++ {
		if r := site.post("/solicitar", form); r.Status != http.StatusCreated {
			t.Fatalf("request %d: %d", i, r.Status)
		}
	}
	r := site.post("/solicitar", form)
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "demasiados envíos") || r.Header.Get("Retry-After") == "" {
		t.Fatalf("third request: %d", r.Status)
	}
	_, n, err := db.FindCases(context.Background(), escudo.CaseFilter{})
	if err != nil || n != 2 {
		t.Fatalf("stored %d cases, want 2 (%v)", n, err)
	}
}

func TestStaffPages(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		f := newWebFixture(t, db, Options{})
		ids := map[string]int64{}
		users, _ := db.FindUsers(context.Background())
		for _, u := range users {
			ids[u.Username] = u.ID
		}
		f.vars["{beto}"] = fmt.Sprint(ids["beto"])
		f.vars["{rosa}"] = fmt.Sprint(ids["rosa"])
		f.vars["{bene}"] = fmt.Sprint(ids["bene"])
		f.run(t, []webScenario{
			{name: "anonymous is sent to login", method: "GET", path: "/cases/{id}", status: 303, location: "/login?next=%2Fcases%2F{id}"},
			{name: "anonymous POST is sent to login", method: "POST", path: "/cases/{id}/notes", form: url.Values{"note": {"x"}}, status: 303, location: "/login"},
			{name: "beneficiary account is refused", as: "bene", method: "GET", path: "/backlog", status: 403, want: []string{"no tiene permiso"}},
			{name: "queue", as: "rosa", method: "GET", path: "/queue", status: 200, want: []string{"Mi cola de trabajo", "No tienes casos abiertos asignados", "Rosa Pérez"}},
			{name: "backlog", as: "rosa", method: "GET", path: "/backlog", status: 200,
				want: []string{"{ref}", "{otherref}", "Evaluar el riesgo (10 días)", "En plazo", "quedan 9 d 23 h", "Guerrero"}},
			{name: "backlog filtered by entity", as: "rosa", method: "GET", path: "/backlog?entity=OAX", status: 200, want: []string{"{otherref}"}, forbid: []string{"{ref}<"}},
			{name: "backlog with junk filters ignores them", as: "rosa", method: "GET", path: "/backlog?stage=%3Cscript%3E&entity=ZZ&page=-4", status: 200,
				want: []string{"{ref}"}, forbid: []string{"<script>"}},
			{name: "cases list", as: "rosa", method: "GET", path: "/cases", status: 200, want: []string{"{ref}", "Lucía Hernández Ríos", "Colectivo Tierra Viva"}},
			{name: "search by reference opens the case", as: "rosa", method: "GET", path: "/cases?q={ref}", status: 303, location: "/cases/{id}"},
			{name: "search by exact name", as: "rosa", method: "GET", path: "/cases?q=Luc%C3%ADa+Hern%C3%A1ndez+R%C3%ADos", status: 200, want: []string{"{ref}"}, forbid: []string{"{otherref}"}},
			{name: "search by one word of the name", as: "rosa", method: "GET", path: "/cases?q=hernandez", status: 200, want: []string{"{ref}"}, forbid: []string{"{otherref}"}},
			{name: "search by part of a word finds nothing", as: "rosa", method: "GET", path: "/cases?q=Luc", status: 200, want: []string{"No encontramos casos"}},
			{name: "search escapes input", as: "rosa", method: "GET", path: "/cases?q=%3Cb%3Ex", status: 200, want: []string{"&lt;b&gt;x"}, forbid: []string{"<b>x"}},
			{name: "case page", as: "rosa", method: "GET", path: "/cases/{id}", status: 200,
				want: []string{"{ref}", "Lucía Hernández Ríos", "Recibió amenazas por su cobertura de la mina.", "744 123 4567", "Plazos legales",
					"Historial", "Línea telefónica", "Decidir admisión", `action="/cases/{id}/assign"`}},
			{name: "unknown case", as: "rosa", method: "GET", path: "/cases/999999", status: 404, want: []string{"No encontramos lo que buscas"}},
			{name: "malformed case id", as: "rosa", method: "GET", path: "/cases/abc", status: 404},
			{name: "empty note is refused", as: "rosa", method: "POST", path: "/cases/{id}/notes", form: url.Values{"note": {"   "}}, status: 400,
				want: []string{"Este dato es obligatorio", `id="note-text"`, `aria-invalid="true"`}},
			{name: "note", as: "rosa", method: "POST", path: "/cases/{id}/notes", form: url.Values{"note": {"Llamé; pide que sea después de las 18 h."}}, status: 303, location: "/cases/{id}"},
			{name: "note on the timeline with a confirmation", as: "rosa", method: "GET", path: "/cases/{id}", status: 200,
				want: []string{"Se agregó la nota.", "Llamé; pide que sea después de las 18 h.", "Rosa Pérez"}},
			{name: "confirmation shown once", as: "rosa", method: "GET", path: "/cases/{id}", status: 200, forbid: []string{"Se agregó la nota."}},
			{name: "assign to a beneficiary is refused", as: "rosa", method: "POST", path: "/cases/{id}/assign", form: url.Values{"assignee": {"{bene}"}}, status: 400,
				want: []string{"Elige a una persona del personal"}},
			{name: "assign with garbage id", as: "rosa", method: "POST", path: "/cases/{id}/assign", form: url.Values{"assignee": {"x"}}, status: 400,
				want: []string{"Elige a una persona del personal"}},
			{name: "assign", as: "rosa", method: "POST", path: "/cases/{id}/assign", form: url.Values{"assignee": {"{beto}"}}, status: 303},
			{name: "analyst's queue shows the case and the notice", as: "beto", method: "GET", path: "/queue", status: 200,
				want: []string{"{ref}", "Te asignaron un caso"}},
			{name: "reassign without hand-over note", as: "rosa", method: "POST", path: "/cases/{id}/assign", form: url.Values{"assignee": {"{rosa}"}}, status: 400,
				want: []string{"escribe una nota de entrega", `<option value="{rosa}" selected>`, `<a href="#assign-note">Nota:`}},
			{name: "reassign with note", as: "rosa", method: "POST", path: "/cases/{id}/assign", form: url.Values{"assignee": {"{rosa}"}, "note": {"Falta la entrevista."}}, status: 303},
			{name: "timeline shows the hand-over", as: "rosa", method: "GET", path: "/cases/{id}", status: 200,
				want: []string{"Caso reasignado", "Beto Pérez → Rosa Pérez", "Falta la entrevista."}},
			{name: "refusal needs a reason", as: "rosa", method: "POST", path: "/cases/{id}/admission", form: url.Values{"admission": {"not_admitted"}}, status: 400,
				want: []string{"Este dato es obligatorio", `value="not_admitted" checked`}},
			{name: "unknown decision", as: "rosa", method: "POST", path: "/cases/{id}/admission", form: url.Values{"admission": {"maybe"}}, status: 400, want: []string{"Elige una de las opciones"}},
			{name: "admit", as: "rosa", method: "POST", path: "/cases/{id}/admission", form: url.Values{"admission": {"admitted"}, "procedure": {"ordinary"}}, status: 303},
			{name: "second decision conflicts", as: "rosa", method: "POST", path: "/cases/{id}/admission", form: url.Values{"admission": {"admitted"}}, status: 409,
				want: []string{"Ya se tomó una decisión"}},
			{name: "milestone in the future", as: "beto", method: "POST", path: "/cases/{id}/milestones", form: url.Values{"milestone": {"evaluated"}, "at": {"2099-01-01T10:00"}}, status: 400,
				want: []string{"no puede estar en el futuro"}},
			{name: "milestone with a bad date", as: "beto", method: "POST", path: "/cases/{id}/milestones", form: url.Values{"milestone": {"evaluated"}, "at": {"ayer"}}, status: 400,
				want: []string{"Escribe una fecha y hora válidas"}},
			{name: "milestone unknown", as: "beto", method: "POST", path: "/cases/{id}/milestones", form: url.Values{"milestone": {"received"}}, status: 400,
				want: []string{"Elige una de las opciones"}},
			{name: "reception may not record the evaluation", as: "rosa", method: "POST", path: "/cases/{id}/milestones", form: url.Values{"milestone": {"evaluated"}}, status: 403,
				want: []string{"tu función no puede registrarlo"}},
			{name: "milestone", as: "beto", method: "POST", path: "/cases/{id}/milestones", form: url.Values{"milestone": {"evaluated"}, "note": {"Riesgo alto."}}, status: 303},
			{name: "case moved on and clocks show it", as: "rosa", method: "GET", path: "/cases/{id}", status: 200,
				want: []string{"Evaluación de riesgo terminada", "Cumplido a tiempo", "Enviar a la Junta (3 días)", "Junta de Gobierno"}},
			{name: "action on unknown case", as: "rosa", method: "POST", path: "/cases/999999/notes", form: url.Values{"note": {"x"}}, status: 404},
			{name: "English staff page", as: "rosa", method: "GET", path: "/cases/{id}", header: []string{"Accept-Language", "en"}, status: 200,
				want: []string{"Legal deadlines", "Timeline", "Record a completed step"}},
		})
	})
}

func TestStaffIntake(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		f := newWebFixture(t, db, Options{})
		_, before, err := db.FindCases(context.Background(), escudo.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		f.run(t, []webScenario{
			{name: "intake form", as: "rosa", method: "GET", path: "/cases/new", status: 200,
				want: []string{`name="channel"`, `name="referred_by"`, `name="received_at"`, `name="imminent_danger"`, "Línea telefónica"}, forbid: []string{`value="web"`}},
			{name: "referral without referring body, future time", as: "rosa", method: "POST", path: "/cases",
				form: url.Values{"channel": {"referral"}, "received_at": {"2099-05-01T10:00"}, "name": {"Pedro Cruz"}, "profile": {"journalist"},
					"federal_entity": {"VER"}, "narrative": {"Lo golpearon a la salida del periódico."}}, status: 400,
				want: []string{"Este dato es obligatorio", "no puede estar en el futuro", `value="Pedro Cruz"`, "Lo golpearon a la salida del periódico."}},
			{name: "web channel is not for staff", as: "rosa", method: "POST", path: "/cases",
				form: url.Values{"channel": {"web"}, "name": {"Pedro Cruz"}, "profile": {"journalist"}, "federal_entity": {"VER"}, "narrative": {"x"}}, status: 400,
				want: []string{"Elige una de las opciones"}},
		})
		_, after, err := db.FindCases(context.Background(), escudo.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Fatalf("invalid intake stored a case")
		}
		f.site.c = f.clients["rosa"]
		r := f.site.post("/cases", url.Values{"channel": {"referral"}, "referred_by": {"CNDH"}, "received_at": {"2026-01-10T09:30"},
			"name": {"Pedro Cruz"}, "profile": {"journalist"}, "federal_entity": {"VER"}, "phone": {"229 555 0000"},
			"narrative": {"Lo golpearon a la salida del periódico."}})
		if r.Status != http.StatusCreated || !strings.Contains(r.Body, "Dicta el folio y el código") {
			t.Fatalf("intake: %d\n%.1500s", r.Status, r.Body)
		}
		ref := between(r.Body, `id="reference">`, "<")
		cases, _, err := db.FindCases(context.Background(), escudo.CaseFilter{Query: ref})
		if err != nil || len(cases) != 1 {
			t.Fatalf("intake case not found: %v", err)
		}
		c := cases[0]
		if c.Channel != escudo.ChannelReferral || c.ReferredBy != "CNDH" || c.CreatedBy == 0 {
			t.Fatalf("stored case: %+v", c)
		}
		// 09:30 in Mexico City is 15:30 UTC.
		if got := c.ReceivedAt.UTC().Format("2006-01-02 15:04"); got != "2026-01-10 15:30" {
			t.Fatalf("received at %s", got)
		}
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		f := newWebFixture(t, db, Options{})
		f.run(t, []webScenario{
			{name: "cross-site note", as: "rosa", method: "POST", path: "/cases/{id}/notes", form: url.Values{"note": {"forged"}},
				header: []string{"Sec-Fetch-Site", "cross-site"}, status: 403, want: []string{"vino de otro sitio"}},
			{name: "foreign origin", as: "rosa", method: "POST", path: "/cases/{id}/notes", form: url.Values{"note": {"forged"}},
				header: []string{"Origin", "https://evil.example"}, status: 403},
			{name: "cross-site public request", method: "POST", path: "/solicitar", form: url.Values{"name": {"x"}},
				header: []string{"Sec-Fetch-Site", "cross-site"}, status: 403},
			{name: "cross-site login", method: "POST", path: "/login", form: url.Values{"username": {"rosa"}, "password": {webPassword}},
				header: []string{"Sec-Fetch-Site", "cross-site"}, status: 403},
			{name: "same-origin note works", as: "rosa", method: "POST", path: "/cases/{id}/notes", form: url.Values{"note": {"genuine"}},
				header: []string{"Sec-Fetch-Site", "same-origin"}, status: 303},
			{name: "only the genuine note is on the case", as: "rosa", method: "GET", path: "/cases/{id}", status: 200,
				want: []string{"genuine"}, forbid: []string{"forged"}},
		})
	})
}

func TestDisabledUserIsLoggedOut(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		f := newWebFixture(t, db, Options{})
		f.run(t, []webScenario{{name: "before", as: "beto", method: "GET", path: "/queue", status: 200}})
		if err := db.WithTx(context.Background(), true, func(tx *store.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE users SET disabled = 1 WHERE username = ?`, "beto")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		f.run(t, []webScenario{{name: "after", as: "beto", method: "GET", path: "/queue", status: 303, location: "/login"}})
	})
}

func between(s, start, end string) string {
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, end)
	return v
}

func TestCasePageShowsCoveredPeople(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := newWebSite(t, db, Options{})
		webUser(t, db, "rosa", escudo.RoleReception)
		rcpt, err := db.FileRequest(context.Background(), &escudo.Case{Channel: escudo.ChannelInPerson, Narrative: "Amenazas a la radio comunitaria."},
			&escudo.Person{Kind: escudo.KindCollective, Profile: escudo.ProfileJournalist, Name: "Radio Xalli", Entity: "PUE",
				Members:   []escudo.Member{{Name: "Tomasa Flores", Role: "locutora"}},
				Relatives: []escudo.Relative{{Name: "Julián Flores", Relationship: "hijo"}}})
		if err != nil {
			t.Fatal(err)
		}
		site.login("rosa", webPassword)
		r := site.get(fmt.Sprintf("/cases/%d", rcpt.CaseID))
		for _, want := range []string{"Integrantes", "Tomasa Flores — locutora", "Familiares protegidos", "Julián Flores (hijo)", "Un colectivo u organización"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("case page does not show %q", want)
			}
		}
	})
}

// TestStaffIntakeRecordsWhoThePersonIs: staff intake takes gender, ethnic
// identity, language, relatives and collective members; a refused form
// comes back with every one of them as typed.
func TestStaffIntakeRecordsWhoThePersonIs(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newWebFixture(t, db, Options{})
		f.site.c = f.clients["rosa"]
		form := url.Values{"channel": {"hotline"}, "name": {"Colectivo Somos Tú"}, "kind": {"collective"}, "profile": {"defender"},
			"federal_entity": {"OAX"}, "gender": {"mujeres"}, "ethnicity": {"zapoteca"}, "language": {"zapoteco del Istmo"},
			"relatives.0.name": {"Rosa Jiménez"}, "relatives.0.relationship": {"madre"},
			"members.0.name": {"Ana López"}, "members.0.role": {"vocera"}, "members.1.name": {"Luz Cruz"}, "members.1.role": {"fotógrafa"}}
		refused := url.Values{}
		for k, v := range form {
			refused[k] = v
		}
		refused.Set("narrative", "") // required: the form comes back
		r := f.site.post("/cases", refused)
		if r.Status != http.StatusBadRequest {
			t.Fatalf("refused intake: %d", r.Status)
		}
		for _, kept := range []string{`value="zapoteca"`, `value="zapoteco del Istmo"`, `value="Rosa Jiménez"`, `value="madre"`, `value="Luz Cruz"`, `value="fotógrafa"`} {
			if !strings.Contains(r.Body, kept) {
				t.Errorf("refused form lost %s", kept)
			}
		}
		form.Set("narrative", "Amenazas en la radio comunitaria.")
		if r := f.site.post("/cases", form); r.Status != http.StatusCreated {
			t.Fatalf("intake: %d %.500s", r.Status, r.Body)
		}
		cases, _, err := db.FindCases(ctx, escudo.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var p *escudo.Person
		for _, c := range cases {
			if full, err := db.FindCaseByID(ctx, c.ID); err == nil && full.Person != nil && full.Person.Name == "Colectivo Somos Tú" {
				p = full.Person
			}
		}
		if p == nil {
			t.Fatal("intake case not found")
		}
		if p.Gender != "mujeres" || p.Ethnicity != "zapoteca" || p.Language != "zapoteco del Istmo" ||
			len(p.Relatives) != 1 || p.Relatives[0].Relationship != "madre" || len(p.Members) != 2 || p.Members[1].Role != "fotógrafa" {
			t.Fatalf("stored person %+v", p)
		}
	})
}

// TestPublicPagesSayHowToReachTheMechanism: the configured hotline, e-mail
// and offices are on the home page; every public page has a quick exit and
// staff pages do not; a request that left neither phone nor e-mail is told
// plainly how it will be followed.
func TestPublicPagesSayHowToReachTheMechanism(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	site := newWebSite(t, db, Options{PublicRate: 100, Contact: escudo.PublicContact{Hotline: "800 111 2222", Email: "atencion@mecanismo.example",
		Offices: []escudo.Office{{Name: "Oficina central", Address: "Calle 1, Ciudad de México", Hours: "9 a 18 h"}}}})
	home := site.get("/")
	for _, want := range []string{`href="tel:8001112222"`, "atencion@mecanismo.example", "Calle 1, Ciudad de México", `id="quick-exit"`} {
		if !strings.Contains(home.Body, want) {
			t.Errorf("home page lacks %s", want)
		}
	}
	for _, path := range []string{"/solicitar", "/seguimiento", "/login"} {
		if r := site.get(path); !strings.Contains(r.Body, `id="quick-exit"`) {
			t.Errorf("%s has no quick exit", path)
		}
	}
	r := site.post("/solicitar", url.Values{"name": {"Ana"}, "profile": {"journalist"}, "federal_entity": {"GRO"}, "narrative": {"Amenazas."}})
	if r.Status != http.StatusCreated || !strings.Contains(r.Body, `id="no-contact"`) {
		t.Fatalf("receipt without contact: %d, no honest word on how it is followed", r.Status)
	}
	r = site.post("/solicitar", url.Values{"name": {"Ana"}, "profile": {"journalist"}, "federal_entity": {"GRO"}, "narrative": {"Amenazas."}, "phone": {"757 555 0101"}})
	if r.Status != http.StatusCreated || strings.Contains(r.Body, `id="no-contact"`) {
		t.Fatalf("receipt with a phone: %d", r.Status)
	}
	webUser(t, db, "rosa", escudo.RoleReception)
	site.login("rosa", webPassword)
	if r := site.get("/queue"); strings.Contains(r.Body, `id="quick-exit"`) {
		t.Error("staff pages carry the quick exit")
	}
}

package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// A Board session through the pages. The coordination schedules it, puts
// two cases on the agenda (the Saltillo shelter's director asked to be
// heard), publishes it, takes attendance without any Council seat: the
// quorum check refuses, and so does the decision, with its reasons kept on
// the agenda. With a Council seat present the Juan Gerardi Center's case is
// decided with named votes. A Board member reads the session and the case
// with names but no address, cannot record a vote, and amends the minutes
// of the session they attended.
func TestBoardPages(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		analyst := webUser(t, db, "analista", escudo.RoleAnalyst)
		webUser(t, db, "coordinacion", escudo.RoleCoordinator)
		segob := webUser(t, db, "junta", escudo.RoleBoard)
		for _, s := range []struct {
			seat string
			role escudo.Role
		}{{"sspc", escudo.RoleBoard}, {"sre", escudo.RoleBoard}, {"fgr", escudo.RoleBoard}, {"cndh", escudo.RoleBoard}, {"council_1", escudo.RoleCouncil}} {
			u := webUser(t, db, "j_"+s.seat, s.role)
			if err := db.SetSeatHolder(ctx, s.seat, u.ID, false); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetSeatHolder(ctx, "segob", segob.ID, false); err != nil {
			t.Fatal(err)
		}
		actx := escudo.NewContextWithUser(ctx, analyst)
		open := func(name, address string) (int64, string) {
			rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Vigilancia armada"},
				&escudo.Person{Kind: escudo.KindCollective, Profile: escudo.ProfileDefender, Name: name, Entity: "COA", Address: address})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
				t.Fatal(err)
			}
			id, err := db.StartEvaluation(actx, rc.CaseID, escudo.EvaluationFull, escudo.ReasonInitial)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SubmitEvaluation(actx, id, riskDraft()); err != nil {
				t.Fatal(err)
			}
			return rc.CaseID, rc.Reference
		}
		_, saltillo := open("Casa del Migrante de Saltillo", "Calle Juárez 940, Saltillo")
		gerardiID, gerardi := open("Centro de Derechos Humanos Juan Gerardi", "Avenida Morelos 12, Torreón")

		co := site.newClient()
		co.loginFrom("10.9.14.1", "coordinacion")
		at := time.Now().Add(5 * 24 * time.Hour).In(time.UTC).Format("2006-01-02T15:04")
		if r := co.form("/board/sessions", url.Values{"at": {at}, "place": {" "}, "kind": {"ordinary"}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Lugar: Este dato es obligatorio.") {
			t.Fatalf("session without a place: %d %.1500s", r.Status, r.Body)
		}
		r := co.form("/board/sessions", url.Values{"at": {at}, "place": {"Sala de juntas, Segob"}, "kind": {"ordinary"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %.800s", r.Status, r.Body)
		}
		sess := r.Header.Get("Location")
		for _, c := range []struct{ ref, hearing string }{{saltillo, "1"}, {gerardi, ""}} {
			if r := co.form(sess+"/agenda", url.Values{"case": {c.ref}, "hearing": {c.hearing}}); r.Status != http.StatusSeeOther {
				t.Fatalf("agenda %s: %d %.800s", c.ref, r.Status, r.Body)
			}
		}
		if r := co.form(sess+"/publish", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("publish: %d %.800s", r.Status, r.Body)
		}
		if r := co.form(sess+"/agenda", url.Values{"case": {gerardi}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "ya se publicó y no puede cambiar") {
			t.Fatalf("agenda after publishing: %d", r.Status)
		}
		gov := url.Values{"attend.segob": {"member"}, "attend.sspc": {"member"}, "attend.sre": {"member"}, "attend.fgr": {"member"}, "attend.cndh": {"member"}}
		if r := co.form(sess+"/attendance", gov); r.Status != http.StatusSeeOther {
			t.Fatalf("attendance: %d %.800s", r.Status, r.Body)
		}
		co.form(sess+"/quorum", nil)
		page := co.page(sess)
		if !strings.Contains(page.Body, "No hay quórum: 5 lugares presentes, 0 del Consejo Consultivo") || !strings.Contains(page.Body, "ningún lugar del Consejo Consultivo") ||
			!strings.Contains(page.Body, "al menos 5 de sus 9 lugares") {
			t.Fatalf("quorum without the Council: %.3000s", page.Body)
		}
		var itemS, itemG string
		s, _ := db.BoardSessions(ctx)
		full, _ := db.Session(ctx, s[0].ID, false)
		for _, it := range full.Items {
			if it.CaseReference == saltillo {
				itemS = fmt.Sprint(it.ID)
			} else {
				itemG = fmt.Sprint(it.ID)
			}
		}
		votes := func(seats ...string) url.Values {
			v := url.Values{"level": {"extraordinario"}, "reasons": {"Vigilancia armada frente al centro."}, "threat_brief": {"Hombres armados en la entrada."}}
			for _, s := range seats {
				v.Set("vote."+s, "for")
			}
			return v
		}
		r = co.form(sess+"/items/"+itemS, votes("segob", "sspc", "sre", "fgr", "cndh"))
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "No hay quórum: no se puede votar.") || !strings.Contains(r.Body, "pidió ser escuchada y no está presente") {
			t.Fatalf("Saltillo without quorum nor hearing: %d %.3000s", r.Status, r.Body)
		}
		if page := co.page(sess); !strings.Contains(page.Body, "La decisión se rechazó") || !strings.Contains(page.Body, "pidió ser escuchada") {
			t.Fatalf("refusal not kept on the agenda: %.3000s", page.Body)
		}
		gov.Set("attend.council_1", "member")
		co.form(sess+"/attendance", gov)
		if r := co.form(sess+"/items/"+itemG, votes("segob", "sspc", "sre", "fgr", "cndh", "council_1")); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Aún no se comprueba el quórum") {
			t.Fatalf("vote on stale attendance: %d", r.Status)
		}
		co.form(sess+"/quorum", nil)
		absent := votes("segob", "sspc", "sre", "fgr", "cndh", "council_1")
		absent.Set("vote.council_2", "against")
		if r := co.form(sess+"/items/"+itemG, absent); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "no está presente y no puede votar") {
			t.Fatalf("vote by an absent seat: %d %.2000s", r.Status, r.Body)
		}
		// The decision page offers the evaluation's proposals first.
		if page := co.page(sess + "/items/" + itemG); page.Status != http.StatusOK || !strings.Contains(page.Body, "propuesta por la evaluación") || !strings.Contains(page.Body, `name="grant.panic_button"`) {
			t.Fatalf("decision page: %d %.3000s", page.Status, page.Body)
		}
		gn, err := db.AddAgency(ctx, escudo.Agency{Code: "gn", Name: "Guardia Nacional", Level: escudo.AgencyFederal, Police: true})
		if err != nil {
			t.Fatal(err)
		}
		withMeasure := votes("segob", "sspc", "sre", "fgr", "cndh", "council_1")
		withMeasure.Set("grant.panic_button", "1")
		withMeasure.Set("reason.panic_button", "Vigilancia en la entrada.")
		if r := co.form(sess+"/items/"+itemG, withMeasure); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Botón de asistencia: ") {
			t.Fatalf("a grant without its agency: %d %.3000s", r.Status, r.Body)
		}
		withMeasure.Set("agency.panic_button", fmt.Sprint(gn))
		if r := co.form(sess+"/items/"+itemG, withMeasure); r.Status != http.StatusSeeOther {
			t.Fatalf("record: %d %.3000s", r.Status, r.Body)
		}
		if ms, _ := db.CaseMeasures(ctx, gerardiID); len(ms) != 1 || ms[0].Measure != "panic_button" || ms[0].Agency.ID != gn {
			t.Fatalf("granted: %+v", ms)
		}
		res, _ := db.CaseResolutions(ctx, gerardiID)
		if len(res) != 1 || !res[0].Adopted || len(res[0].Votes) != 6 {
			t.Fatalf("resolutions: %+v", res)
		}
		// The Guardia Nacional's liaison finds the instruction to their
		// agency on the measure, and reads it, but not the case.
		if err := db.CreateUser(ctx, &escudo.User{Username: "enlace-gn", DisplayName: "Enlace Guardia", Role: escudo.RoleLiaison, Agency: "gn"}, webPassword); err != nil {
			t.Fatal(err)
		}
		gnc := site.newClient()
		gnc.loginFrom("10.9.14.9", "enlace-gn")
		ms, _ := db.CaseMeasures(ctx, gerardiID)
		mp := gnc.page(fmt.Sprintf("/measures/%d", ms[0].ID))
		instr := fmt.Sprintf(`href="/cases/%d/letters/%s-I-gn"`, gerardiID, res[0].Identifier)
		if mp.Status != http.StatusOK || !strings.Contains(mp.Body, `id="measure-letters"`) || !strings.Contains(mp.Body, instr) {
			t.Errorf("the liaison's measure page has no instruction letter (%s): %d %.3000s", instr, mp.Status, mp.Body)
		}
		if lp := gnc.page(fmt.Sprintf("/cases/%d/letters/%s-I-gn", gerardiID, res[0].Identifier)); lp.Status != http.StatusOK || strings.Contains(lp.Body, "Avenida Morelos") {
			t.Errorf("the liaison reads the instruction: %d", lp.Status)
		}
		if cp := gnc.page(fmt.Sprintf("/cases/%d", gerardiID)); cp.Status != http.StatusNotFound {
			t.Errorf("the liaison opens the case: %d", cp.Status)
		}

		jb := site.newClient()
		jb.loginFrom("10.9.14.2", "junta")
		page = jb.page(sess)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "Centro de Derechos Humanos Juan Gerardi") || !strings.Contains(page.Body, res[0].Identifier) {
			t.Fatalf("the Board member's session page: %d %.2000s", page.Status, page.Body)
		}
		for _, addr := range []string{"Avenida Morelos", "Calle Juárez"} {
			if strings.Contains(page.Body, addr) {
				t.Fatalf("a Board member sees an address on the session page")
			}
		}
		if strings.Contains(page.Body, `/items/`) || strings.Contains(page.Body, `action="`+sess+`/attendance"`) {
			t.Fatal("a Board member is offered the secretariat's forms")
		}
		if r := jb.form(sess+"/items/"+itemS, votes("segob")); r.Status != http.StatusForbidden {
			t.Fatalf("a Board member records a vote: %d", r.Status)
		}
		cp := jb.page(fmt.Sprintf("/cases/%d", gerardiID))
		if cp.Status != http.StatusOK || !strings.Contains(cp.Body, res[0].Identifier) || strings.Contains(cp.Body, "Avenida Morelos") {
			t.Fatalf("the Board member's case page: %d %.2000s", cp.Status, cp.Body)
		}
		// The case page says what the Board resolved, with its named votes,
		// and the secretariat reaches the session from there.
		for who, c := range map[string]*client{"the Board member": jb, "the coordination": co} {
			cp := c.page(fmt.Sprintf("/cases/%d", gerardiID))
			if !strings.Contains(cp.Body, `id="res-`+res[0].Identifier+`"`) || !strings.Contains(cp.Body, "Resoluciones de la Junta") ||
				!strings.Contains(cp.Body, "6 a favor") || !strings.Contains(cp.Body, "Secretaría de Gobernación") {
				t.Errorf("%s's case page lacks the resolution: %.3000s", who, cp.Body)
			}
			if link := `href="` + sess + `#res-` + res[0].Identifier + `"`; !strings.Contains(cp.Body, link) {
				t.Errorf("%s: no link to the session's resolution", who)
			}
		}
		if r := jb.form(sess+"/minutes/amend", url.Values{"amendment": {"Consta que Segob votó a favor."}}); r.Status != http.StatusSeeOther {
			t.Fatalf("amend: %d %.1000s", r.Status, r.Body)
		}
		co.form(sess+"/minutes", url.Values{"minutes": {"Acta de la sesión ordinaria."}})
		if r := co.form(sess+"/minutes/final", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("final: %d %.1000s", r.Status, r.Body)
		}
		if r := jb.form(sess+"/minutes/amend", url.Values{"amendment": {"Otro cambio."}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "El acta es definitiva") {
			t.Fatalf("amend final minutes: %d", r.Status)
		}
	})
}

package demo_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"escudo"
	"escudo/internal/comparison"
	"escudo/internal/demo"
	demodirectory "escudo/internal/demo/directory"
	"escudo/internal/directory"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

var now = time.Date(2026, 11, 20, 15, 30, 0, 0, time.UTC)

const password = "demo password for tests"

func stageTally(reqs []demo.Request) map[escudo.Stage]int {
	m := map[escudo.Stage]int{}
	for _, r := range reqs {
		m[r.Stage]++
	}
	return m
}

func TestGenerateIsDeterministicAndVaried(t *testing.T) {
	a := demo.Generate(7, 300, now)
	b := demo.Generate(7, 300, now)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different data")
	}
	if c := demo.Generate(8, 300, now); reflect.DeepEqual(a[0].Person, c[0].Person) {
		t.Fatal("another seed gave the same first person")
	}
	// A larger data set extends a smaller one.
	if small := demo.Generate(7, 10, now); !reflect.DeepEqual(small, a[:10]) {
		t.Fatal("case i must depend only on the seed and i")
	}
	entities, channels, kinds, profiles, ethnic := map[string]bool{}, map[escudo.IntakeChannel]bool{}, map[escudo.PersonKind]bool{}, map[escudo.Profile]bool{}, 0
	extraordinary, relatives, members := 0, 0, 0
	for _, r := range a {
		if r.Case.ReceivedAt.Before(now.Add(-731*24*time.Hour)) || r.Case.ReceivedAt.After(now) {
			t.Fatalf("received %v outside the last two years", r.Case.ReceivedAt)
		}
		if err := r.Person.Validate(); err != nil {
			t.Fatalf("invalid person %+v: %v", r.Person, err)
		}
		if err := r.Case.Validate(); err != nil {
			t.Fatalf("invalid case: %v", err)
		}
		for i, s := range r.Steps {
			if s.At.After(now) || s.At.Before(r.Case.ReceivedAt) || i > 0 && s.At.Before(r.Steps[i-1].At) {
				t.Fatalf("step out of order or in the future: %+v", s)
			}
		}
		entities[r.Person.Entity], channels[r.Case.Channel], kinds[r.Person.Kind], profiles[r.Person.Profile] = true, true, true, true
		if r.Person.Ethnicity != "" {
			ethnic++
		}
		if r.Case.Procedure == escudo.ProcedureExtraordinary {
			extraordinary++
		}
		relatives += len(r.Person.Relatives)
		members += len(r.Person.Members)
	}
	if len(entities) < 25 || len(channels) != len(escudo.IntakeChannels) || len(kinds) != 2 || len(profiles) != 3 {
		t.Fatalf("too little variety: %d entities, %d channels, %d kinds, %d profiles", len(entities), len(channels), len(kinds), len(profiles))
	}
	if ethnic < 30 || relatives == 0 || members == 0 {
		t.Fatalf("identities %d, relatives %d, members %d", ethnic, relatives, members)
	}
	if share := float64(extraordinary) / float64(len(a)); share < 0.08 || share > 0.22 {
		t.Fatalf("extraordinary share %.2f, want about 0.15", share)
	}
	tally := stageTally(a)
	for _, s := range escudo.Stages {
		if tally[s] == 0 {
			t.Errorf("no case in stage %s: %v", s, tally)
		}
	}
}

func TestSeed(t *testing.T) {
	clock := &demo.Clock{}
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		calls := 0
		res, err := demo.Seed(ctx, db, clock, demo.Options{Seed: 1, Cases: 120, Now: now, Password: password, Progress: func(done, total int) { calls++ }})
		if err != nil {
			t.Fatal(err)
		}
		if calls == 0 {
			t.Fatal("no progress reported")
		}
		b, err := db.Backlog(ctx, escudo.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		want := stageTally(res.Requests)
		for _, s := range escudo.Stages {
			if b.StageCounts[s] != want[s] {
				t.Errorf("stage %s: %d cases stored, %d generated", s, b.StageCounts[s], want[s])
			}
		}
		checkDemoEvaluations(t, ctx, db, res)
		checkDemoBoard(t, ctx, db)
		checkDemoPrevention(t, ctx, db)
		checkDemoSafeHouses(t, ctx, db, res)
		checkDemoAgencies(t, ctx, db)
		checkDemoDirectory(t, ctx, db, res)
		checkDemoRequests(t, ctx, db, res)
		checkDemoPortal(t, ctx, db, res)
		if b.BreachedCount == 0 {
			t.Error("no breached clock")
		}
		for _, p := range []escudo.Procedure{escudo.ProcedureOrdinary, escudo.ProcedureExtraordinary} {
			if _, n, err := db.FindCases(ctx, escudo.CaseFilter{Procedure: p}); err != nil || n == 0 {
				t.Errorf("no %s case: %v", p, err)
			}
		}
		users, err := db.FindUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		roles := map[escudo.Role]bool{}
		for _, u := range users {
			roles[u.Role] = true
			if u.Role.Staff() && u.Role != escudo.RoleCoordinator && u.SupervisorID == 0 {
				t.Errorf("staff %s has no supervisor", u.Username)
			}
		}
		for _, r := range escudo.Roles {
			if !roles[r] {
				t.Errorf("no demo user with role %s", r)
			}
		}
		if _, err := db.Authenticate(ctx, "analista", password); err != nil {
			t.Errorf("demo login: %v", err)
		}
		ben := res.Users[demo.BeneficiaryUsername]
		if p, err := db.FindPersonByID(ctx, ben.PersonID); err != nil || p.Kind != escudo.KindIndividual {
			t.Errorf("beneficiary account not linked to its person: %v", err)
		}
		// Timelines carry the history: breaches recorded at their time and hand-over notes.
		var breaches, handovers int
		for _, rc := range res.Receipts {
			ev, err := db.Timeline(ctx, rc.CaseID)
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range ev {
				if i > 0 && e.At.Before(ev[i-1].At) {
					t.Fatalf("timeline out of order: %+v", ev)
				}
				switch e.Kind {
				case escudo.EventClockBreach:
					breaches++
				case escudo.EventReassigned:
					if e.Note == "" {
						t.Fatal("reassignment without hand-over note")
					}
					handovers++
				}
			}
		}
		if breaches == 0 || handovers == 0 {
			t.Errorf("timelines: %d breaches, %d hand-overs", breaches, handovers)
		}
		if db.Path() != "" {
			db.Close()
			assertNoPlaintext(t, filepath.Dir(db.Path()), res)
		}
	})
}

// checkDemoAgencies: the agencies' page has something to show, the demo
// liaison under the agency they act for, with its measures in life.
func checkDemoAgencies(t *testing.T, ctx context.Context, db *store.DB) {
	t.Helper()
	list, err := db.AgencyList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Code == "ssp-oax" {
			if len(a.Liaisons) != 1 || a.Liaisons[0].DisplayName != "Raúl Zamudio Téllez" || a.OpenMeasures == 0 {
				t.Errorf("Oaxaca's secretariat: %+v", a)
			}
			return
		}
	}
	t.Errorf("no agency for the demo liaison among %+v", list)
}

func assertNoPlaintext(t *testing.T, dir string, res *demo.Result) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "escudo.db*"))
	if len(files) == 0 {
		t.Fatal("no database file")
	}
	var secrets []string
	for _, r := range res.Requests {
		secrets = append(secrets, r.Person.Name, r.Person.Phone, r.Case.Narrative[:40])
		for _, m := range r.Person.Members {
			secrets = append(secrets, m.Name)
		}
		for _, rel := range r.Person.Relatives {
			secrets = append(secrets, rel.Name)
		}
	}
	slices.Sort(secrets)
	secrets = slices.Compact(secrets)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains %q in plaintext", filepath.Base(f), s)
			}
		}
	}
}

// The bulk path stores the same procedural picture as the real methods.
func TestBulkMatchesSeed(t *testing.T) {
	clock := &demo.Clock{}
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(now)
		users, err := demo.CreateStaff(ctx, db, password)
		if err != nil {
			t.Fatal(err)
		}
		reqs := demo.Generate(1, 120, now)
		bulk, err := demo.Bulk(reqs, users)
		if err != nil {
			t.Fatal(err)
		}
		receipts, err := db.FileRequests(ctx, bulk, 97)
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.Backlog(ctx, escudo.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		want := stageTally(reqs)
		for _, s := range escudo.Stages {
			if b.StageCounts[s] != want[s] {
				t.Errorf("stage %s: %d cases stored, %d generated", s, b.StageCounts[s], want[s])
			}
		}
		if b.BreachedCount == 0 {
			t.Error("no breached clock")
		}
		// Names are sealed and found through the blind index.
		r := reqs[5]
		list, n, err := db.FindCases(ctx, escudo.CaseFilter{Query: r.Person.Name})
		if err != nil || n == 0 || !slices.ContainsFunc(list, func(c *escudo.Case) bool { return c.ID == receipts[5].CaseID }) {
			t.Fatalf("search by name: %v %d", err, n)
		}
		got, err := db.FindCaseByID(ctx, receipts[5].CaseID)
		if err != nil || got.Narrative != r.Case.Narrative || got.Person.Phone != r.Person.Phone || got.Stage != r.Stage {
			t.Fatalf("bulk round trip: %v %+v", err, got)
		}
		st, err := db.PublicStatus(ctx, receipts[5].Reference, receipts[5].Code)
		if err != nil || st.Stage != r.Stage {
			t.Fatalf("follow-up code from bulk: %v", err)
		}
		ev, _ := db.Timeline(ctx, receipts[5].CaseID)
		// A Board resolution writes its milestone and the resolution itself.
		resolutions := 0
		for _, s := range r.Steps {
			if s.Milestone == escudo.MilestoneResolved {
				resolutions++
			}
		}
		kinds := map[string]int{}
		for _, e := range ev {
			kinds[e.Kind]++
		}
		if kinds[escudo.EventResolution] != resolutions {
			t.Fatalf("bulk timeline: %d resolutions for %d resolved steps", kinds[escudo.EventResolution], resolutions)
		}
		if len(ev) != len(r.Steps)+1+resolutions || !ev[len(ev)-1].At.Equal(r.Steps[len(r.Steps)-1].At) {
			t.Fatalf("bulk timeline: %d events for %d steps", len(ev), len(r.Steps))
		}
	})
}

// BenchmarkSeedDemo measures what `escudo demo` spends seeding its default
// 200 cases (accounts included) on SQLite.
// CPU time is reported beside wall time, since on a loaded machine the wall
// time mostly measures the wait for a core.
func BenchmarkSeedDemo(b *testing.B) {
	var cpu time.Duration
	for b.Loop() {
		clock := &demo.Clock{}
		db := testdb.OpenSQLite(b, testdb.Options{Now: clock.Now})
		c0 := processCPU()
		if _, err := demo.Seed(context.Background(), db, clock, demo.Options{Seed: 1, Cases: 200, Now: now, Password: password}); err != nil {
			b.Fatal(err)
		}
		cpu += processCPU() - c0
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// checkDemoEvaluations recomputes every evaluation of the demo from its
// stored instrument version and answers, and checks that the demo shows
// what the evaluation pages need: both levels, several analysts, both
// kinds, re-evaluations.
func checkDemoEvaluations(t *testing.T, ctx context.Context, db *store.DB, res *demo.Result) {
	t.Helper()
	ids, err := db.SubmittedEvaluationIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) < 20 {
		t.Fatalf("%d evaluations in the demo", len(ids))
	}
	levels, analysts, kinds, reasons := map[escudo.RiskLevel]int{}, map[int64]bool{}, map[escudo.EvaluationKind]int{}, map[escudo.EvaluationReason]int{}
	for _, id := range ids {
		rc, err := db.RecomputeEvaluation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !rc.Matches {
			t.Errorf("evaluation %d: stored %s %d/%d, recomputed %s %d/%d", id, rc.Evaluation.Level, rc.Evaluation.Num, rc.Evaluation.Den, rc.Result.Level, rc.Result.Num, rc.Result.Den)
		}
		e := rc.Evaluation
		levels[e.Level]++
		analysts[e.AnalystID] = true
		kinds[e.Kind]++
		reasons[e.Reason]++
	}
	if levels[escudo.RiskOrdinary] == 0 || levels[escudo.RiskExtraordinary] == 0 {
		t.Errorf("levels in the demo: %v", levels)
	}
	if len(analysts) < 3 || kinds[escudo.EvaluationImmediate] == 0 || kinds[escudo.EvaluationFull] == 0 || reasons[escudo.ReasonScheduled] == 0 {
		t.Errorf("demo evaluations: %d analysts, kinds %v, reasons %v", len(analysts), kinds, reasons)
	}
}

// checkDemoSafeHouses: the registry has its houses, one stay under way and
// one request from an extraordinary case waiting; only the registry's demo
// account is named, not the coordination.
func checkDemoSafeHouses(t *testing.T, ctx context.Context, db *store.DB, res *demo.Result) {
	t.Helper()
	named, err := db.NamedForSafeHouses(ctx)
	if err != nil || len(named) != 1 || !named[res.Users[demo.SafeHouseUsername].ID] || named[res.Users["coordinacion"].ID] {
		t.Fatalf("named for the registry: %v %v", named, err)
	}
	houses, err := db.SafeHouses(ctx)
	if err != nil || len(houses) != 3 || houses[0].Occupied != 3 {
		t.Fatalf("demo houses: %+v %v", houses, err)
	}
	reqs, err := db.SafeHouseRequests(ctx)
	if err != nil || len(reqs) != 2 || reqs[0].State != escudo.SafeHousePending || reqs[0].Procedure != escudo.ProcedureExtraordinary ||
		reqs[1].State != escudo.SafeHouseAssigned || reqs[1].Assignment == nil {
		t.Fatalf("demo requests: %+v %v", reqs, err)
	}
}

// checkDemoDirectory: the 32 entities each have a current agreement, the
// demo liaison is in the directory under Oaxaca's police, and the radio's
// case carries the IACHR's precautionary measure, which the comparison
// finds above the Mechanism's level and with an escort the Mechanism did
// not grant.
func checkDemoDirectory(t *testing.T, ctx context.Context, db *store.DB, res *demo.Result) {
	t.Helper()
	cur, err := db.CurrentAgreements(ctx)
	if err != nil || len(cur) != 32 {
		t.Fatalf("%d current agreements: %v", len(cur), err)
	}
	statuses := map[directory.AgreementStatus]bool{}
	for _, a := range cur {
		statuses[a.Status] = true
	}
	if len(statuses) != 4 {
		t.Errorf("agreement statuses %v: want a mix of all four", statuses)
	}
	oax, err := db.EntityDirectory(ctx, "OAX")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[directory.Kind]bool{}
	liaison := false
	for _, a := range oax {
		kinds[a.Kind] = true
		if a.Code == "ssp-oax" && a.Kind == directory.KindPolice && len(a.Liaisons) == 1 && a.Liaisons[0].DisplayName == "Raúl Zamudio Téllez" {
			liaison = true
		}
		if !strings.HasSuffix(a.Contact.Email, ".example.org") {
			t.Errorf("%s: contact e-mail %q is not fictional", a.Code, a.Contact.Email)
		}
	}
	if !liaison || !kinds[directory.KindGovernment] || !kinds[directory.KindProsecutor] || !kinds[directory.KindCommission] || !kinds[directory.KindMunicipal] {
		t.Errorf("Oaxaca's directory: %+v", oax)
	}
	for i := len(res.Receipts) - 1; i >= 0; i-- {
		id := res.Receipts[i].CaseID
		as, err := db.CaseAssessments(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.Reference != demodirectory.IACHRNumber {
				continue
			}
			evals, _ := db.CaseEvaluations(ctx, id)
			var level escudo.RiskLevel
			for _, e := range evals {
				if e.State == escudo.StateSubmitted {
					level = e.Level
					break
				}
			}
			granted, _ := db.CaseMeasures(ctx, id)
			c := comparison.Protection(level, granted, as)
			var higher, escort bool
			for _, f := range c.Findings {
				higher = higher || f.Kind == comparison.FindingLevelHigher
				escort = escort || f.Kind == comparison.FindingOtherOnly && f.Measure == "escort"
			}
			if !higher || !escort {
				t.Errorf("the precautionary measure's comparison: %+v", c)
			}
			return
		}
	}
	t.Error("no IACHR precautionary measure in the demo")
}

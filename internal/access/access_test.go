package access

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"escudo"
)

var update = flag.Bool("update", false, "rewrite docs/permissions.md from the table")

func TestPermissionsDocument(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "permissions.md")
	want := Markdown()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/access -update)", err)
	}
	if string(got) != want {
		t.Fatal("docs/permissions.md differs from the permission table; run go test ./internal/access -update")
	}
}

func TestEveryRoleHasRules(t *testing.T) {
	for _, r := range escudo.Roles {
		if _, ok := table[r]; !ok {
			t.Errorf("role %s has no rules", r)
		}
	}
	for r, rules := range table {
		if !escudo.ValidRole(r) {
			t.Errorf("table has unknown role %s", r)
		}
		for a := range rules {
			if !slices.Contains(Actions, a) {
				t.Errorf("%s: action %s not in Actions", r, a)
			}
		}
	}
}

// fakeGrants holds consent and task scopes by user and person.
type fakeGrants struct {
	consent map[[2]int64][]string
	task    map[[2]int64][]string
	named   map[int64]bool
	err     error
}

func (g *fakeGrants) ConsentScope(ctx context.Context, u *escudo.User, personID int64) ([]string, error) {
	return g.consent[[2]int64{u.ID, personID}], g.err
}

func (g *fakeGrants) Named(ctx context.Context, u *escudo.User) (bool, error) {
	return g.named[u.ID], g.err
}

func (g *fakeGrants) TaskScope(ctx context.Context, u *escudo.User, personID, caseID int64) ([]string, error) {
	return g.task[[2]int64{u.ID, caseID}], g.err
}

func TestDecide(t *testing.T) {
	oax := Object{Kind: "case", ID: 7, CaseID: 7, PersonID: 70, Entity: "OAX"}
	gro := Object{Kind: "case", ID: 8, CaseID: 8, PersonID: 80, Entity: "GRO"}
	g := &fakeGrants{
		consent: map[[2]int64][]string{{11, 70}: {Risk}},
		task:    map[[2]int64][]string{{12, 7}: {Location}},
	}
	p := &Policy{Grants: g}
	user := func(id int64, role escudo.Role) *escudo.User { return &escudo.User{ID: id, Role: role} }
	liaison := &escudo.User{ID: 10, Role: escudo.RoleLiaison, Entity: "OAX"}
	noEntity := &escudo.User{ID: 13, Role: escudo.RoleLiaison}
	benef := &escudo.User{ID: 14, Role: escudo.RoleBeneficiary, PersonID: 70}
	disabled := &escudo.User{ID: 15, Role: escudo.RoleCoordinator, Disabled: true}
	tests := []struct {
		name   string
		u      *escudo.User
		a      Action
		o      Object
		allow  bool
		fields []string
	}{
		{"anonymous", nil, CaseRead, oax, false, nil},
		{"analyst reads any case", user(1, escudo.RoleAnalyst), CaseRead, gro, true, all},
		{"admin reads no case", user(2, escudo.RoleAdmin), CaseRead, oax, false, nil},
		{"admin manages users", user(2, escudo.RoleAdmin), UserManage, Object{Kind: "user"}, true, noFields},
		{"disabled coordinator", disabled, CaseRead, oax, false, nil},
		{"liaison in entity, no task names the case", liaison, CaseRead, oax, false, nil},
		{"liaison reads an alert routed to its entity", liaison, AlertRead, Object{Kind: "alert", ID: 3, PersonID: 4, Entity: "OAX"}, true, idLoc},
		{"liaison outside entity", liaison, AlertRead, Object{Kind: "alert", ID: 5, PersonID: 6, Entity: "GRO"}, false, nil},
		{"liaison never reads the narrative", liaison, CaseReadSensitive, oax, false, nil},
		{"liaison without entity", noEntity, CaseRead, Object{Kind: "case", ID: 9}, false, nil},
		{"reviewer with consent for risk", user(11, escudo.RoleReviewer), CaseReadSensitive, oax, true, []string{Risk}},
		{"reviewer consent does not cover identity", user(11, escudo.RoleReviewer), PersonReadIdentity, oax, false, nil},
		{"reviewer without consent", user(11, escudo.RoleReviewer), CaseRead, gro, false, nil},
		{"contractor with task", user(12, escudo.RoleContractor), CaseRead, oax, true, []string{Location}},
		{"contractor task does not give identity", user(12, escudo.RoleContractor), PersonReadIdentity, oax, false, nil},
		{"contractor other case", user(12, escudo.RoleContractor), CaseRead, gro, false, nil},
		{"beneficiary own case", benef, CaseReadSensitive, oax, true, all},
		{"beneficiary other case", benef, CaseRead, gro, false, nil},
		{"beneficiary cannot admit", benef, CaseAdmission, oax, false, nil},
		{"council reads statistics only", user(16, escudo.RoleCouncil), CaseList, oax, false, nil},
		{"board never sees addresses", user(17, escudo.RoleBoard), PersonReadLocation, oax, false, nil},
		{"auditor exports audit", user(18, escudo.RoleAuditor), AuditExport, Object{Kind: "audit"}, true, noFields},
		{"auditor reads no case", user(18, escudo.RoleAuditor), CaseRead, oax, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := p.Decide(context.Background(), tt.u, tt.a, tt.o)
			if d.Allowed != tt.allow {
				t.Fatalf("Decide = %v, want allowed=%v", d, tt.allow)
			}
			if tt.allow && !slices.Equal(d.Fields, tt.fields) {
				t.Fatalf("fields = %v, want %v", d.Fields, tt.fields)
			}
			if !tt.allow && d.Reason == "" {
				t.Fatal("denial without a reason")
			}
		})
	}
}

func TestGrantErrorsDeny(t *testing.T) {
	p := &Policy{Grants: &fakeGrants{err: os.ErrPermission, consent: map[[2]int64][]string{{11, 70}: all}}}
	d := p.Decide(context.Background(), &escudo.User{ID: 11, Role: escudo.RoleReviewer}, CaseRead, Object{PersonID: 70})
	if d.Allowed {
		t.Fatal("a failed consent look-up allowed access")
	}
	// Without a grants source, grant-based rules are denied.
	if d := Decide(&escudo.User{ID: 11, Role: escudo.RoleReviewer}, CaseRead, Object{PersonID: 70}); d.Allowed {
		t.Fatal("Decide without grants allowed a consent-scoped read")
	}
}

// DecideRole is the gate in front of a route: it lets a role through when
// the table gives it the action on some object (a contractor, whose reach
// depends on tasks, included) and stops the anonymous, the disabled and the
// roles the table leaves out.
func TestDecideRole(t *testing.T) {
	tests := []struct {
		name   string
		u      *escudo.User
		a      Action
		allow  bool
		reason string
	}{
		{"anonymous", nil, AlertRead, false, "anonymous"},
		{"disabled coordinator", &escudo.User{Role: escudo.RoleCoordinator, Disabled: true}, AlertRead, false, "disabled"},
		{"analyst has no alert console", &escudo.User{Role: escudo.RoleAnalyst}, AlertRead, false, "role"},
		{"duty operator answers alerts", &escudo.User{Role: escudo.RoleDuty}, AlertRespond, true, "all"},
		{"liaison answers its entity's alerts", &escudo.User{Role: escudo.RoleLiaison}, AlertRespond, true, "entity"},
		{"contractor reaches cases by task", &escudo.User{Role: escudo.RoleContractor}, CaseRead, true, "task"},
		{"unknown role", &escudo.User{Role: "jefe"}, CaseRead, false, "role"},
	}
	for _, tt := range tests {
		d := DecideRole(tt.u, tt.a)
		if d.Allowed != tt.allow || d.Reason != tt.reason {
			t.Errorf("%s: %+v, want allowed=%v reason %q", tt.name, d, tt.allow, tt.reason)
		}
	}
	if d := DecideRole(&escudo.User{Role: escudo.RoleBoard}, CaseRead); !slices.Equal(d.Fields, idRisk) {
		t.Errorf("the board's gate shows %v, want %v", d.Fields, idRisk)
	}
}

// The safe-house registry opens only to named people: the role alone is
// never enough, a look-up error denies, and no other rule of the table
// shows the safe-house compartment.
func TestSafeHouseRegistryNeedsANamedPerson(t *testing.T) {
	g := &fakeGrants{named: map[int64]bool{21: true, 25: true}}
	p := &Policy{Grants: g}
	coord := &escudo.User{ID: 20, Role: escudo.RoleCoordinator}
	namedCoord := &escudo.User{ID: 21, Role: escudo.RoleCoordinator}
	namedAdmin := &escudo.User{ID: 25, Role: escudo.RoleAdmin} // named by mistake: the role has no cell
	reg := Object{Kind: "safe_house"}
	for _, tt := range []struct {
		name  string
		u     *escudo.User
		a     Action
		allow bool
		why   string
	}{
		{"coordinator not named", coord, SafeHouseRead, false, "not_named"},
		{"coordinator named", namedCoord, SafeHouseRead, true, "named"},
		{"named coordinator assigns", namedCoord, SafeHouseAssign, true, "named"},
		{"named administrator still has no cell", namedAdmin, SafeHouseRead, false, "role"},
		{"administrator names people", &escudo.User{ID: 26, Role: escudo.RoleAdmin}, SafeHouseName, true, "all"},
		{"analyst is never named", &escudo.User{ID: 21, Role: escudo.RoleAnalyst}, SafeHouseRead, false, "role"},
		{"board member", &escudo.User{ID: 21, Role: escudo.RoleBoard}, SafeHouseRead, false, "role"},
		{"contractor", &escudo.User{ID: 21, Role: escudo.RoleContractor}, SafeHouseRead, false, "role"},
		{"beneficiary asks on their own case", &escudo.User{ID: 27, Role: escudo.RoleBeneficiary, PersonID: 70}, SafeHouseRequest, true, "own"},
		{"beneficiary on another's case", &escudo.User{ID: 27, Role: escudo.RoleBeneficiary, PersonID: 71}, SafeHouseRequest, false, "not_own"},
	} {
		o := reg
		if tt.a == SafeHouseRequest {
			o = Object{Kind: "case", ID: 7, CaseID: 7, PersonID: 70}
		}
		d := p.Decide(context.Background(), tt.u, tt.a, o)
		if d.Allowed != tt.allow || d.Reason != tt.why {
			t.Errorf("%s: %v, want allowed=%v reason %s", tt.name, d, tt.allow, tt.why)
		}
		if d.Allowed && d.Reason == "named" && !slices.Equal(d.Fields, []string{SafeHouse}) {
			t.Errorf("%s: fields %v, want only the safe-house compartment", tt.name, d.Fields)
		}
	}
	// Un-named between two requests: the next decision refuses.
	g.named[21] = false
	if d := p.Decide(context.Background(), namedCoord, SafeHouseRead, reg); d.Allowed {
		t.Fatal("an un-named coordinator still reads the registry")
	}
	g.named[21], g.err = true, os.ErrPermission
	if d := p.Decide(context.Background(), namedCoord, SafeHouseRead, reg); d.Allowed || d.Reason != "grant_error" {
		t.Fatalf("a failed look-up of the list: %v", d)
	}
	if d := Decide(namedCoord, SafeHouseRead, reg); d.Allowed {
		t.Fatal("a policy without grants admitted a named scope")
	}
	for role, rules := range table {
		for a, rule := range rules {
			if slices.Contains(rule.Fields, SafeHouse) != (rule.Scope == Named) {
				t.Errorf("%s %s: scope %s with fields %v; the safe-house compartment belongs to the named cells only", role, a, rule.Scope, rule.Fields)
			}
		}
	}
	if slices.Contains(AllCompartments, SafeHouse) || slices.Contains(escudo.Compartments, SafeHouse) {
		t.Fatal("the safe-house compartment is among the case compartments that consent records and tasks grant")
	}
}

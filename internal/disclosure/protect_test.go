package disclosure

import (
	"errors"
	"testing"
)

func dim(name string, cats ...string) Dimension { return Dimension{Name: name, Categories: cats} }

func mustTable(t *testing.T, prefix string, dims ...Dimension) *Table {
	t.Helper()
	tb, err := NewTable(prefix, dims...)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func mustSet(t *testing.T, tb *Table, v int64, cats ...string) {
	t.Helper()
	if err := tb.Set(v, cats...); err != nil {
		t.Fatal(err)
	}
}

func statuses(r *Result) map[string]Status {
	m := map[string]Status{}
	for _, c := range r.Cells {
		m[c.Key()] = c.Status()
	}
	return m
}

func protectAndCheck(t *testing.T, tb *Table, h History, name string) (*Result, History) {
	t.Helper()
	r, err := Protect(tb, h, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, r)
	h = append(h, r.Release(name))
	checkHistory(t, h, DefaultThreshold)
	return r, h
}

func TestTwoByTwoOneSmallCell(t *testing.T) {
	tb := mustTable(t, "", dim("a", "x", "y"), dim("b", "u", "v"))
	mustSet(t, tb, 3, "x", "u")
	mustSet(t, tb, 20, "x", "v")
	mustSet(t, tb, 30, "y", "u")
	mustSet(t, tb, 40, "y", "v")
	r, _ := protectAndCheck(t, tb, nil, "r1")
	want := map[string]Status{
		"a=x|b=u": Primary, "a=x|b=v": Secondary, "a=y|b=u": Secondary, "a=y|b=v": Secondary,
		"a=x|b=Total": Published, "a=y|b=Total": Published, "a=Total|b=u": Published,
		"a=Total|b=v": Published, "a=Total|b=Total": Published,
	}
	for k, s := range statuses(r) {
		if want[k] != s {
			t.Errorf("%s: %v, want %v", k, s, want[k])
		}
	}
}

// The classic case: a total minus the published cells reveals the small one.
func TestTotalMinusPublishedRevealsCell(t *testing.T) {
	tb := mustTable(t, "", dim("gender", "F", "M", "X"))
	mustSet(t, tb, 40, "F")
	mustSet(t, tb, 25, "M")
	mustSet(t, tb, 4, "X")
	r, _ := protectAndCheck(t, tb, nil, "r1")
	s := statuses(r)
	if s["gender=X"] != Primary || s["gender=M"] != Secondary || s["gender=F"] != Published || s["gender=Total"] != Published {
		t.Fatalf("statuses %v: want X primary, M (the smaller) secondary, F and Total published", s)
	}
	if v, ok := mustCell(t, r, "gender=Total").Value(); !ok || v != 69 {
		t.Fatalf("total %d %v", v, ok)
	}
}

func mustCell(t *testing.T, r *Result, key string) Cell {
	t.Helper()
	c, ok := r.Cell(key)
	if !ok {
		t.Fatalf("no cell %s", key)
	}
	return c
}

func TestHierarchy(t *testing.T) {
	geo := Dimension{Name: "entity", Categories: []string{"s1", "s2", "s3", "s4"},
		Groups: []Group{{Name: "north", Members: []string{"s1", "s2"}}, {Name: "south", Members: []string{"s3", "s4"}}}}
	tb := mustTable(t, "", geo)
	mustSet(t, tb, 3, "s1")
	mustSet(t, tb, 20, "s2")
	mustSet(t, tb, 15, "s3")
	mustSet(t, tb, 30, "s4")
	r, _ := protectAndCheck(t, tb, nil, "r1")
	s := statuses(r)
	if s["entity=s1"] != Primary || s["entity=s2"] != Secondary {
		t.Fatalf("s1 and its region partner s2 must be suppressed: %v", s)
	}
	for _, k := range []string{"entity=north", "entity=south", "entity=Total", "entity=s3", "entity=s4"} {
		if s[k] != Published {
			t.Errorf("%s: %v, want published", k, s[k])
		}
	}
}

// Cumulative through May, June's own table, then cumulative through June:
// without the history, cumulative June minus cumulative May gives June's
// small cell.
func TestTwoReleasesCumulative(t *testing.T) {
	ents := dim("entity", "x", "y")
	may := mustTable(t, "", ents)
	mustSet(t, may, 12, "x")
	mustSet(t, may, 30, "y")
	for _, e := range []string{"x", "y"} {
		if err := may.SetAtoms([]string{"jan-may:" + e}, e); err != nil {
			t.Fatal(err)
		}
	}
	_, h := protectAndCheck(t, may, nil, "cum-may")

	june := mustTable(t, "june:", ents)
	mustSet(t, june, 3, "x")
	mustSet(t, june, 20, "y")
	_, h = protectAndCheck(t, june, h, "june")

	cum := mustTable(t, "", ents)
	mustSet(t, cum, 15, "x")
	mustSet(t, cum, 50, "y")
	for _, e := range []string{"x", "y"} {
		if err := cum.SetAtoms([]string{"jan-may:" + e, "june:entity=" + e}, e); err != nil {
			t.Fatal(err)
		}
	}
	// Unprotected (no history): everything is publishable on its own, and
	// Verify finds June's small cell.
	alone, err := Protect(cum, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range alone.Cells {
		if c.Status() != Published {
			t.Fatalf("without history %s would be %v", c.Key(), c.Status())
		}
	}
	bad, err := Verify(append(append(History(nil), h...), alone.Release("cum-june")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasSensitive(bad, "june/entity=x") {
		t.Fatalf("Verify missed June's derivable cell: %+v", bad)
	}
	// Protected with the history.
	r, h := protectAndCheck(t, cum, h, "cum-june")
	if mustCell(t, r, "entity=x").Status() == Published {
		t.Fatal("cumulative x published: reveals June's x")
	}
	found, err := Verify(h, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		if f.Sensitive() {
			t.Fatalf("Verify: %+v", f)
		}
	}
}

func hasSensitive(fs []Finding, relKey string) bool {
	for _, f := range fs {
		if f.Release+"/"+f.Key == relKey && f.Sensitive() {
			return true
		}
	}
	return false
}

func TestZeroCellsArePublished(t *testing.T) {
	tb := mustTable(t, "", dim("g", "a", "b", "c"))
	mustSet(t, tb, 0, "a")
	mustSet(t, tb, 3, "b")
	mustSet(t, tb, 20, "c")
	r, _ := protectAndCheck(t, tb, nil, "r1")
	s := statuses(r)
	if s["g=a"] != Published || s["g=b"] != Primary || s["g=c"] != Secondary || s["g=Total"] != Published {
		t.Fatalf("%v", s)
	}
	if v, ok := mustCell(t, r, "g=a").Value(); !ok || v != 0 {
		t.Fatal("zero cell must be published as 0")
	}
	all0 := mustTable(t, "", dim("g", "a", "b"), dim("h", "u", "v"))
	r, _ = protectAndCheck(t, all0, nil, "r2")
	for _, c := range r.Cells {
		if c.Status() != Published {
			t.Fatalf("all-zero table: %s %v", c.Key(), c.Status())
		}
	}
}

// The LP audit catches what the Gaussian step alone cannot: x+y = 12 with
// x = 3 primary and y = 9 primary is fine, but a total of 8+... is bounded.
func TestAuditUpperBound(t *testing.T) {
	// a=3 (primary) b=5 (primary) c=30: a's upper bound is a+b = 8 < 10
	// unless c is suppressed too.
	tb := mustTable(t, "", dim("g", "a", "b", "c"))
	mustSet(t, tb, 3, "a")
	mustSet(t, tb, 5, "b")
	mustSet(t, tb, 30, "c")
	r, _ := protectAndCheck(t, tb, nil, "r1")
	if s := statuses(r); s["g=c"] != Secondary && s["g=Total"] != Secondary {
		t.Fatalf("audit did not suppress more: %v", s)
	}
	if r.Rounds < 2 {
		t.Fatalf("expected an audit repair round, got %d", r.Rounds)
	}
}

func TestThresholdOption(t *testing.T) {
	tb := mustTable(t, "", dim("g", "a", "b"))
	mustSet(t, tb, 12, "a")
	mustSet(t, tb, 40, "b")
	r, err := Protect(tb, nil, Options{Threshold: 15})
	if err != nil {
		t.Fatal(err)
	}
	if mustCell(t, r, "g=a").Status() != Primary {
		t.Fatal("12 must be primary with threshold 15")
	}
}

func TestStablePattern(t *testing.T) {
	mk := func(prefix string, b, c int64) *Table {
		tb := mustTable(t, prefix, dim("g", "a", "b", "c"))
		mustSet(t, tb, 4, "a")
		mustSet(t, tb, b, "b")
		mustSet(t, tb, c, "c")
		return tb
	}
	r1, err := Protect(mk("m1:", 30, 20), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if mustCell(t, r1, "g=c").Status() != Secondary {
		t.Fatal("c, the smaller, should be suppressed first")
	}
	h := History{r1.Release("m1")}
	// Next month b is the smaller one; without Stable b is suppressed,
	// with Stable c again.
	r2, err := Protect(mk("m2:", 20, 30), h, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if mustCell(t, r2, "g=b").Status() != Secondary {
		t.Fatal("without Stable the smaller b is suppressed")
	}
	r3, err := Protect(mk("m2:", 20, 30), h, Options{Stable: true})
	if err != nil {
		t.Fatal(err)
	}
	if mustCell(t, r3, "g=c").Status() != Secondary || mustCell(t, r3, "g=b").Status() != Published {
		t.Fatal("Stable must suppress c again")
	}
}

func TestCoarsening(t *testing.T) {
	ents := dim("entity", "e1", "e2", "e3", "e4")
	tb := mustTable(t, "m1:", ents, dim("gender", "F", "M"))
	vals := []int64{3, 12, 2, 11, 4, 15, 1, 20}
	i := 0
	for _, e := range ents.Categories {
		for _, g := range []string{"F", "M"} {
			mustSet(t, tb, vals[i], e, g)
			i++
		}
	}
	regions := map[string]string{"e1": "north", "e2": "north", "e3": "south", "e4": "south"}
	r, err := ProtectCoarsened(tb, nil, Options{}, Coarsening{Dimension: "entity", Regions: regions})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Coarsened {
		t.Fatal("expected coarsening: every inner cell would be suppressed")
	}
	if _, ok := r.Cell("entity=north|gender=F"); !ok {
		t.Fatal("coarsened table lacks regions")
	}
	checkResult(t, r)
	checkHistory(t, History{r.Release("m1")}, DefaultThreshold)
	// The merged cells keep the original atoms.
	c := mustCell(t, r, "entity=north|gender=F")
	if len(c.atoms) != 2 {
		t.Fatalf("atoms %v", c.atoms)
	}
}

func TestInputErrors(t *testing.T) {
	if _, err := NewTable(""); err == nil {
		t.Error("no dimensions accepted")
	}
	if _, err := NewTable("", dim("a", "x", "x")); err == nil {
		t.Error("repeated category accepted")
	}
	if _, err := NewTable("", dim("a", "Total")); err == nil {
		t.Error("category Total accepted")
	}
	tb := mustTable(t, "", dim("a", "x"))
	if err := tb.Set(-1, "x"); err == nil {
		t.Error("negative count accepted")
	}
	if err := tb.Set(1, "nope"); err == nil {
		t.Error("unknown category accepted")
	}
	if _, err := Protect(nil, nil, Options{}); err == nil {
		t.Error("nil table accepted")
	}
}

func TestDisclosedByHistory(t *testing.T) {
	// An earlier release (wrongly) published a small count: the cell of this
	// table with the same atoms is primary and already exactly known, which
	// Protect reports as an error, not a panic.
	h := History{{Name: "bad", Cells: []ReleasedCell{{Key: "a=x", Atoms: []string{"a=x"}, Status: Published, Value: 5}}}}
	tb := mustTable(t, "", dim("a", "x", "y"))
	mustSet(t, tb, 5, "x")
	mustSet(t, tb, 20, "y")
	_, err := Protect(tb, h, Options{})
	var de *DisclosedError
	if !errors.As(err, &de) {
		t.Fatalf("want DisclosedError, got %v", err)
	}
	found, err := Verify(h, Options{})
	if err != nil || len(found) != 1 || !found[0].Sensitive() {
		t.Fatalf("Verify: %+v %v", found, err)
	}
}

// A small cell of an earlier release that shares no atom with the new
// table, only a total that does: the month's refusals (3) are its total
// (39) less its admissions, and a second table publishing the admissions
// (36) alone would reveal them.
func TestEarlierSmallCellReachedThroughItsTotal(t *testing.T) {
	dec := mustTable(t, "m:", dim("decision", "admitted", "refused"))
	mustSet(t, dec, 36, "admitted")
	mustSet(t, dec, 3, "refused")
	r1, h := protectAndCheck(t, dec, nil, "decisions")
	if st := statuses(r1); st["decision=Total"] != Published || st["decision=admitted"] == Published {
		t.Fatalf("decisions: %v", st)
	}
	ben := mustTable(t, "b:", dim("gender", "woman"))
	if err := ben.SetAtoms([]string{"m:decision=admitted"}, "woman"); err != nil {
		t.Fatal(err)
	}
	mustSet(t, ben, 36, "woman")
	r2, err := Protect(ben, h, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st := statuses(r2); st["gender=Total"] != Secondary || st["gender=woman"] != Secondary {
		t.Fatalf("beneficiaries publish the admissions, so the refusals: %v", st)
	}
}

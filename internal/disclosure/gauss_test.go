package disclosure

import "testing"

// TestForcedCellAlreadyKnownIsPublished: the audit forced out two cells;
// one of them (a total an earlier release published over the same atoms)
// anyone can add up already, so withholding it protects nothing and it is
// published, while the other stays withheld (c is published: a and b stay
// joined).
func TestForcedCellAlreadyKnownIsPublished(t *testing.T) {
	// Atoms: a (small), b, c. Cells: a, b, c, a+b+c.
	in := gaussInput{
		cells:   []vec{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}},
		keys:    []string{"a", "b", "c", "total"},
		primary: []bool{true, false, false, false},
		order:   []int{1, 2, 3},
		forced:  []bool{false, true, false, true},
		// An earlier release published the same total.
		history: []vec{{1, 1, 1}},
	}
	out, err := gauss(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []Status{Primary, Secondary, Published, Published}
	for i, w := range want {
		if out.status[i] != w {
			t.Errorf("%s: %s, want %s", in.keys[i], out.status[i], w)
		}
	}
	// Without the earlier total, the forced total stays withheld.
	in.history = nil
	if out, err = gauss(in); err != nil {
		t.Fatal(err)
	}
	if out.status[3] != Secondary {
		t.Errorf("total with no history: %s, want secondary", out.status[3])
	}
}

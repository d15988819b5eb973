package prevention

import "testing"

func TestParseAlertIDs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"", 0, true}, {"12, 15", 2, true}, {"#12 ; 15,,16", 3, true}, {"12, x", 0, false}, {"-3", 0, false}, {"0", 0, false},
	} {
		got, err := ParseAlertIDs(tc.in)
		if (err == nil) != tc.ok || len(got) != tc.want {
			t.Errorf("ParseAlertIDs(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func FuzzParseAlertIDs(f *testing.F) {
	for _, s := range []string{"12, 15", "#1", "1;2;3", "", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := ParseAlertIDs(s)
		if err != nil {
			return
		}
		if len(ids) > 20 {
			t.Fatalf("%q: %d ids", s, len(ids))
		}
		for _, id := range ids {
			if id <= 0 {
				t.Fatalf("%q: id %d", s, id)
			}
		}
	})
}

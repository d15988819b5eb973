package contact

import (
	"testing"
	"time"
)

func TestZone(t *testing.T) {
	for _, tc := range []struct{ entity, want string }{
		{"OAX", "America/Mexico_City"}, {"CDMX", "America/Mexico_City"}, {"", "America/Mexico_City"}, {"XX", "America/Mexico_City"},
		{"BC", "America/Tijuana"}, {"SON", "America/Hermosillo"}, {"QR", "America/Cancun"}, {"SIN", "America/Mazatlan"},
	} {
		if got := Zone(tc.entity).String(); got != tc.want {
			t.Errorf("Zone(%q) = %s, want %s", tc.entity, got, tc.want)
		}
	}
}

func TestParseClock(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"00:00", 0, true}, {"09:30", 570, true}, {"23:59", 1439, true},
		{"24:00", 0, false}, {"9:30", 0, false}, {"09:60", 0, false}, {"ab:cd", 0, false}, {"", 0, false}, {"09-30", 0, false},
	} {
		got, err := ParseClock(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseClock(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestNextSafe(t *testing.T) {
	mx := Zone("OAX")
	tj := Zone("BC")
	at := func(loc *time.Location, d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, loc) }
	for _, tc := range []struct {
		name string
		w    Window
		loc  *time.Location
		now  time.Time
		want time.Time
	}{
		{"no window: now", Window{}, mx, at(mx, 3, 3, 0), at(mx, 3, 3, 0)},
		{"only one bound: now", Window{From: "09:00"}, mx, at(mx, 3, 3, 0), at(mx, 3, 3, 0)},
		{"equal bounds: now", Window{"09:00", "09:00"}, mx, at(mx, 3, 3, 0), at(mx, 3, 3, 0)},
		{"malformed: now", Window{"9", "20:00"}, mx, at(mx, 3, 3, 0), at(mx, 3, 3, 0)},
		{"inside", Window{"09:00", "20:00"}, mx, at(mx, 3, 12, 15), at(mx, 3, 12, 15)},
		{"at the opening", Window{"09:00", "20:00"}, mx, at(mx, 3, 9, 0), at(mx, 3, 9, 0)},
		{"at the closing: tomorrow", Window{"09:00", "20:00"}, mx, at(mx, 3, 20, 0), at(mx, 4, 9, 0)},
		{"before the opening: today", Window{"09:00", "20:00"}, mx, at(mx, 3, 6, 59), at(mx, 3, 9, 0)},
		{"night: tomorrow", Window{"09:00", "20:00"}, mx, at(mx, 3, 23, 30), at(mx, 4, 9, 0)},
		{"overnight window, late: inside", Window{"22:00", "07:00"}, mx, at(mx, 3, 23, 0), at(mx, 3, 23, 0)},
		{"overnight window, early: inside", Window{"22:00", "07:00"}, mx, at(mx, 3, 6, 0), at(mx, 3, 6, 0)},
		{"overnight window, day: tonight", Window{"22:00", "07:00"}, mx, at(mx, 3, 12, 0), at(mx, 3, 22, 0)},
		{"end of month", Window{"09:00", "20:00"}, mx, at(mx, 31, 21, 0), time.Date(2027, 1, 1, 9, 0, 0, 0, mx)},
		// 03:00 UTC is 21:00 the day before in Oaxaca and 19:00 in Tijuana.
		{"person's zone, not the server's: closed in Oaxaca", Window{"09:00", "20:00"}, mx, time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC), at(mx, 3, 9, 0)},
		{"person's zone, not the server's: open in Tijuana", Window{"09:00", "20:00"}, tj, time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC), time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)},
	} {
		got := tc.w.NextSafe(tc.now, tc.loc)
		if !got.Equal(tc.want) {
			t.Errorf("%s: NextSafe = %s, want %s", tc.name, got.In(tc.loc), tc.want.In(tc.loc))
		}
		if !tc.w.Inside(got, tc.loc) {
			t.Errorf("%s: %s is outside the window", tc.name, got.In(tc.loc))
		}
	}
}

func FuzzNextSafe(f *testing.F) {
	f.Add("09:00", "20:00", int64(1764732000))
	f.Add("22:00", "07:00", int64(0))
	f.Add("", "x", int64(-5))
	f.Fuzz(func(t *testing.T, from, until string, unix int64) {
		now := time.Unix(unix%(1<<34), 0)
		w := Window{from, until}
		got := w.NextSafe(now, Zone("OAX"))
		if got.Before(now) || got.Sub(now) > 25*time.Hour || !w.Inside(got, Zone("OAX")) {
			t.Fatalf("NextSafe(%q, %q, %s) = %s", from, until, now, got)
		}
	})
}

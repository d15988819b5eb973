// Package contact holds the rules for reaching a protected person (issue
// 16, item 4; docs/portal.md): the local time of each federal entity, and
// when a notice may go out within the safe hours the person chose. It is
// pure: no database, no network.
package contact

import (
	"fmt"
	"time"
	// The zone database is embedded so that a static build on a machine
	// without /usr/share/zoneinfo still knows Mexico's hours.
	_ "time/tzdata"
)

// zones is the IANA zone of each federal entity that is not on central
// time. Since 2022 Mexico keeps no daylight saving time outside the
// northern border; an entity split between zones takes the zone of most of
// its people.
var zones = map[string]string{
	"BC":  "America/Tijuana",
	"BCS": "America/Mazatlan",
	"SIN": "America/Mazatlan",
	"NAY": "America/Mazatlan",
	"SON": "America/Hermosillo",
	"CHH": "America/Chihuahua",
	"QR":  "America/Cancun",
	"NL":  "America/Monterrey",
	"COA": "America/Monterrey",
	"TAM": "America/Monterrey",
}

const central = "America/Mexico_City"

// Zone returns the local time zone of a federal entity's code; an unknown
// or empty code is on central time, the country's official time.
func Zone(entity string) *time.Location {
	name, ok := zones[entity]
	if !ok {
		name = central
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The embedded database has every zone above; this is unreachable
		// but must not lose a notice.
		return time.FixedZone("CST", -6*3600)
	}
	return loc
}

// ParseClock reads "HH:MM" (24-hour) as minutes after midnight.
func ParseClock(s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("contact: %q is not HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 23 || m > 59 || h < 0 || m < 0 {
		return 0, fmt.Errorf("contact: %q is not HH:MM", s)
	}
	return h*60 + m, nil
}

// Window is the daily span in which the person may be contacted, in their
// local time. A window whose end is before its start runs past midnight
// (22:00–07:00); an empty window means any hour.
type Window struct {
	From, Until string // "HH:MM"; both empty for any hour
}

// bounds returns the window in minutes after midnight; empty, equal or
// malformed bounds mean "no restriction", because the edge validates them
// and a notice must never be held forever.
func (w Window) bounds() (from, until int, ok bool) {
	if w.From == "" || w.Until == "" {
		return 0, 0, false
	}
	f, err1 := ParseClock(w.From)
	u, err2 := ParseClock(w.Until)
	if err1 != nil || err2 != nil || f == u {
		return 0, 0, false
	}
	return f, u, true
}

// Inside reports whether t (any zone) falls in the window in loc.
func (w Window) Inside(t time.Time, loc *time.Location) bool {
	f, u, ok := w.bounds()
	if !ok {
		return true
	}
	l := t.In(loc)
	m := l.Hour()*60 + l.Minute()
	if f < u {
		return m >= f && m < u
	}
	return m >= f || m < u
}

// NextSafe returns the first moment at or after now when a message may go
// out: now itself inside the window, otherwise the window's next opening
// in the person's local time.
func (w Window) NextSafe(now time.Time, loc *time.Location) time.Time {
	if w.Inside(now, loc) {
		return now
	}
	f, _, _ := w.bounds()
	l := now.In(loc)
	open := time.Date(l.Year(), l.Month(), l.Day(), f/60, f%60, 0, 0, loc)
	if !open.After(l) {
		open = time.Date(l.Year(), l.Month(), l.Day()+1, f/60, f%60, 0, 0, loc)
	}
	return open
}

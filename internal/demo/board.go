package demo

import (
	"context"
	"fmt"

	"escudo"
	"escudo/internal/store"
)

// boardSeats names who holds each seat of the default Governing Board:
// member, then alternate ("" when the seat has none).
var boardSeats = []struct{ seat, member, alternate string }{
	{"segob", "junta", ""},
	{"sspc", "junta_sspc", "junta_sspc_sup"},
	{"sre", "junta_sre", ""},
	{"fgr", "junta_fgr", "junta_fgr_sup"},
	{"cndh", "junta_cndh", ""},
	{"council_1", "consejo", "consejo_sup"},
	{"council_2", "consejo2", ""},
	{"council_3", "consejo3", ""},
	{"council_4", "consejo4", ""},
}

// seatBoard gives the demo Board's seats their members and alternates.
func seatBoard(ctx context.Context, db *store.DB, users map[string]*escudo.User) error {
	for _, s := range boardSeats {
		for i, name := range []string{s.member, s.alternate} {
			if name == "" {
				continue
			}
			u := users[name]
			if u == nil {
				return fmt.Errorf("demo: board seat %s: unknown user %q", s.seat, name)
			}
			if err := db.SetSeatHolder(ctx, s.seat, u.ID, i == 1); err != nil {
				return fmt.Errorf("demo: board seat %s: %w", s.seat, err)
			}
		}
	}
	return nil
}

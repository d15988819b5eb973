package store

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"escudo"
)

// IsUnavailable tells "the database is away" from refusals of the request.
func TestIsUnavailable(t *testing.T) {
	// A real refused connection: nothing listens on the port.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, refused := Open(context.Background(), Options{URL: "postgres://escudo@" + addr + "/escudo?sslmode=disable"})
	if refused == nil {
		t.Fatal("connected to a closed port")
	}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", refused, true},
		{"server shutting down", fmt.Errorf("store: x: %w", &pgconn.PgError{Code: "57P01"}), true},
		{"server starting", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"timed out", fmt.Errorf("alert: %w", context.DeadlineExceeded), true},
		{"connection done", sql.ErrConnDone, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"no rows", sql.ErrNoRows, false},
		{"refusal", escudo.Errorf(escudo.ECONFLICT, "error.conflict"), false},
		{"nil", nil, false},
	} {
		if got := IsUnavailable(c.err); got != c.want {
			t.Errorf("%s (%v): IsUnavailable = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

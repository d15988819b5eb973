package web

import (
	"context"
	"net/http"
	"time"
)

// A session may carry its own idle limit, shorter than the session
// manager's: a sign-in on a shared device (10 minutes) and every
// beneficiary's (30 minutes). It is counted on the store's clock, so tests
// move time instead of waiting (docs/accounts.md).
const (
	SessionIdleKey   = "idle_limit" // seconds
	SessionSeenKey   = "seen_at"    // unix seconds of the last request
	SharedDeviceIdle = 10 * time.Minute
	BeneficiaryIdle  = 30 * time.Minute
	// seenEvery spares a session write on every page view.
	seenEvery = 15 * time.Second
)

// SetIdleLimit gives the session an idle limit from now.
func (s *Core) SetIdleLimit(ctx context.Context, d time.Duration) {
	s.Sessions.Put(ctx, SessionIdleKey, int64(d/time.Second))
	s.Sessions.Put(ctx, SessionSeenKey, s.DB.Now().Unix())
}

// sessionFresh ends a session idle for longer than its own limit and
// reports whether it is still alive; sessions without a limit are.
func (s *Core) sessionFresh(r *http.Request) bool {
	ctx := r.Context()
	limit := s.Sessions.GetInt64(ctx, SessionIdleKey)
	if limit <= 0 {
		return true
	}
	now := s.DB.Now().Unix()
	seen := s.Sessions.GetInt64(ctx, SessionSeenKey)
	if now-seen > limit {
		if err := s.Sessions.Destroy(ctx); err != nil {
			s.Log.Error("end idle session", "err", err)
		}
		return false
	}
	if now-seen >= int64(seenEvery/time.Second) {
		s.Sessions.Put(ctx, SessionSeenKey, now)
	}
	return true
}

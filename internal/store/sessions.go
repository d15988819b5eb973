package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
)

// SessionStore keeps web sessions in the sessions table. It implements the
// store interfaces of github.com/alexedwards/scs/v2 (Find, Commit, Delete
// and their context variants) on both engines.
//
// Tokens are stored only as SHA-256 digests, so a copy of the database does
// not hand out live sessions. Session expiry follows the wall clock, as the
// session manager computes it from time.Now.
type SessionStore struct {
	db *DB
	// CleanupEvery is how often expired rows are purged, piggy-backed on a
	// commit so no background goroutine is needed; default 5 minutes.
	CleanupEvery time.Duration
	// Slack lets a commit that only moves the expiry forward by less than
	// this skip the write: with an idle timeout every request re-commits the
	// session, and a write per page view would contend with real writes on
	// SQLite's single writer. Default one minute.
	Slack time.Duration
	// UserKey is the session value holding the user's id; each row records
	// it, so an account's sessions can be destroyed (DestroyUserSessions).
	// Default "uid".
	UserKey string

	mu          sync.Mutex
	lastCleanup time.Time
}

// Sessions returns the session store of db.
func (db *DB) Sessions() *SessionStore {
	return &SessionStore{db: db, CleanupEvery: 5 * time.Minute, Slack: time.Minute, UserKey: "uid"}
}

func sessionKey(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// FindCtx returns the data of an unexpired session.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.db.readRow(ctx, `SELECT data FROM sessions WHERE token = ? AND expiry > ?`,
		sessionKey(token), micros(time.Now())).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("store: find session: %w", err)
	}
	return b, true, nil
}

// CommitCtx creates or updates a session, recording whose it is.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := s.db.write.ExecContext(ctx, s.db.Rebind(`INSERT INTO sessions (token, data, expiry, user_id) VALUES (?, ?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry, user_id = excluded.user_id
		WHERE sessions.data <> excluded.data OR sessions.expiry < excluded.expiry - ? OR sessions.expiry > excluded.expiry`),
		sessionKey(token), b, micros(expiry), nullID(s.sessionUser(b)), s.Slack.Microseconds())
	if err != nil {
		return fmt.Errorf("store: commit session: %w", err)
	}
	s.maybeCleanup(ctx)
	return nil
}

// sessionUser reads the user's id from a session's encoded data; 0 for a
// session nobody has signed in to yet (or data it cannot read).
func (s *SessionStore) sessionUser(b []byte) int64 {
	if s.UserKey == "" {
		return 0
	}
	_, values, err := scs.GobCodec{}.Decode(b)
	if err != nil {
		return 0
	}
	id, _ := values[s.UserKey].(int64)
	return id
}

// DeleteCtx removes a session; unknown tokens are not an error.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	if _, err := s.db.write.ExecContext(ctx, s.db.Rebind(`DELETE FROM sessions WHERE token = ?`), sessionKey(token)); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// Find implements scs.Store.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (s *SessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// Cleanup deletes expired sessions and returns how many went.
func (s *SessionStore) Cleanup(ctx context.Context) (int64, error) {
	res, err := s.db.write.ExecContext(ctx, s.db.Rebind(`DELETE FROM sessions WHERE expiry <= ?`), micros(time.Now()))
	if err != nil {
		return 0, fmt.Errorf("store: clean sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func (s *SessionStore) maybeCleanup(ctx context.Context) {
	s.mu.Lock()
	due := time.Since(s.lastCleanup) >= s.CleanupEvery
	if due {
		s.lastCleanup = time.Now()
	}
	s.mu.Unlock()
	if due {
		if _, err := s.Cleanup(ctx); err != nil {
			s.db.log.Warn("session cleanup failed", "err", err)
		}
	}
}

// destroyUserSessions ends every session of a user, in the transaction
// that disables or re-enables the account.
func (tx *Tx) destroyUserSessions(ctx context.Context, userID int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("store: destroy sessions: %w", err)
	}
	return nil
}

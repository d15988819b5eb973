package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"escudo"
)

// APITokenPrefix starts every personal API token, so a leaked one is easy
// to recognise in logs and by secret scanners.
const APITokenPrefix = "esc_"

// apiTokenUseGranularity bounds how often last_used_at is written, so busy
// machine clients do not turn every read into a write.
const apiTokenUseGranularity = time.Minute

// APIToken describes a personal API token; the secret itself is never stored.
type APIToken struct {
	ID         int64
	UserID     int64
	Role       escudo.Role // the role the user held when the token was made
	Name       string
	Prefix     string // first characters of the secret, to tell tokens apart
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// CreateAPIToken issues a token for an enabled staff user, valid for ttl
// (0: until revoked). It returns the secret, which is shown once.
func (db *DB) CreateAPIToken(ctx context.Context, userID int64, name string, ttl time.Duration) (*APIToken, string, error) {
	name = strings.TrimSpace(name)
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > escudo.MaxShortText || strings.ContainsRune(name, 0) {
		return nil, "", escudo.FieldError("name", "validation.too_long", map[string]any{"Max": escudo.MaxShortText})
	}
	if ttl < 0 {
		return nil, "", escudo.FieldError("expires", "validation.range", nil)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", fmt.Errorf("store: token: %w", err)
	}
	secret := APITokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	t := &APIToken{UserID: userID, Name: name, Prefix: secret[:len(APITokenPrefix)+6]}
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		var role string
		var disabled int
		err := tx.QueryRow(ctx, `SELECT role, disabled FROM users WHERE id = ?`, userID).Scan(&role, &disabled)
		if isNoRows(err) {
			return escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
		} else if err != nil {
			return fmt.Errorf("store: token user: %w", err)
		}
		if disabled == 1 || !escudo.Role(role).Staff() {
			return escudo.FieldError("username", "validation.token_user", nil)
		}
		t.Role, t.CreatedAt = escudo.Role(role), tx.now
		var expires any
		if ttl > 0 {
			e := tx.now.Add(ttl)
			t.ExpiresAt, expires = &e, micros(e)
		}
		t.ID, err = tx.InsertID(ctx, `INSERT INTO api_tokens (user_id, role, name, prefix, token_mac, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			userID, role, name, t.Prefix, db.Keys.MAC("api_token", []byte(secret)), micros(tx.now), expires)
		if err != nil {
			return fmt.Errorf("store: insert token: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "token.create", ObjectType: "user", ObjectID: fmt.Sprint(userID), Fields: "api_token"})
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// AuthenticateAPIToken returns the user a token speaks for. Unknown, revoked
// and expired tokens, disabled users and users whose role changed since the
// token was made all give the same error, and the denial is audited.
func (db *DB) AuthenticateAPIToken(ctx context.Context, secret string) (*escudo.User, error) {
	fail := escudo.Errorf(escudo.EUNAUTHORIZED, "error.unauthorized")
	if !strings.HasPrefix(secret, APITokenPrefix) || len(secret) > 128 {
		db.AuditRefusal(ctx, AuditEntry{Action: "token.use", ObjectType: "user", Outcome: OutcomeDenied})
		return nil, fail
	}
	mac := db.Keys.MAC("api_token", []byte(secret))
	var id, userID int64
	var role string
	var stored []byte
	var expires, lastUsed, revoked sql.NullInt64
	err := db.readRow(ctx, `SELECT id, user_id, role, token_mac, expires_at, last_used_at, revoked_at FROM api_tokens WHERE token_mac = ?`, mac).
		Scan(&id, &userID, &role, &stored, &expires, &lastUsed, &revoked)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("store: token: %w", err)
	}
	now := db.Now()
	if err != nil || subtle.ConstantTimeCompare(stored, mac) != 1 || revoked.Valid || (expires.Valid && !now.Before(fromMicros(expires.Int64))) {
		db.AuditRefusal(ctx, AuditEntry{Action: "token.use", ObjectType: "user", Outcome: OutcomeDenied})
		return nil, fail
	}
	u, err := db.FindUserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.Disabled || string(u.Role) != role {
		_ = db.Audit(ctx, AuditEntry{ActorID: u.ID, ActorRole: string(u.Role), Action: "token.use", ObjectType: "user", ObjectID: fmt.Sprint(u.ID), Outcome: OutcomeDenied})
		return nil, fail
	}
	if !lastUsed.Valid || now.Sub(fromMicros(lastUsed.Int64)) >= apiTokenUseGranularity {
		err := db.WithTx(ctx, true, func(tx *Tx) error {
			_, err := tx.Exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, micros(tx.now), id)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("store: token use: %w", err)
		}
	}
	return u, nil
}

// APITokens lists a user's tokens, newest first.
func (db *DB) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := db.readQuery(ctx, `SELECT id, user_id, role, name, prefix, created_at, expires_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var created int64
		var expires, used, revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Role, &t.Name, &t.Prefix, &created, &expires, &used, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = fromMicros(created), ptrMicros(expires), ptrMicros(used), ptrMicros(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken ends a token at once.
func (db *DB) RevokeAPIToken(ctx context.Context, id int64) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var userID int64
		err := tx.QueryRow(ctx, `SELECT user_id FROM api_tokens WHERE id = ? AND revoked_at IS NULL`, id).Scan(&userID)
		if isNoRows(err) {
			return escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, micros(tx.now), id); err != nil {
			return fmt.Errorf("store: revoke token: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "token.revoke", ObjectType: "user", ObjectID: fmt.Sprint(userID), Fields: "api_token"})
	})
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"escudo"
	"escudo/internal/password"
)

var _ escudo.UserService = (*DB)(nil)

const userColumns = `id, username, display_name, role, organization, agency, entity, person_id, supervisor_id, email, locale, disabled, created_at, must_change_password`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (*escudo.User, error) {
	var u escudo.User
	var person, sup sql.NullInt64
	var disabled, mustChange int
	var created int64
	dest := append([]any{&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.Organization, &u.Agency, &u.Entity, &person, &sup, &u.Email, &u.Locale, &disabled, &created, &mustChange}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	u.PersonID, u.SupervisorID, u.Disabled, u.CreatedAt = person.Int64, sup.Int64, disabled == 1, fromMicros(created)
	u.MustChangePassword = mustChange == 1
	return &u, nil
}

// CreateUser adds an account with an argon2id password hash.
func (db *DB) CreateUser(ctx context.Context, u *escudo.User, pw string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if utf8.RuneCountInString(pw) < escudo.MinPasswordLength {
		return escudo.FieldError("password", "validation.password_short", map[string]any{"Min": escudo.MinPasswordLength})
	}
	if len(pw) > 1024 {
		return escudo.FieldError("password", "validation.too_long", map[string]any{"Max": 1024})
	}
	hash, err := password.Hash(pw, password.Default)
	if err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE username = ?`, u.Username).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return escudo.FieldError("username", "validation.username_taken", nil)
		}
		u.CreatedAt = tx.now
		u.ID, err = tx.InsertID(ctx, `INSERT INTO users (username, display_name, role, organization, agency, entity, person_id, supervisor_id, email, locale, password_hash, disabled, created_at, must_change_password)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.Username, u.DisplayName, string(u.Role), u.Organization, u.Agency, u.Entity, nullID(u.PersonID), nullID(u.SupervisorID),
			u.Email, u.Locale, hash, boolInt(u.Disabled), micros(u.CreatedAt), boolInt(u.MustChangePassword))
		if err != nil {
			return fmt.Errorf("store: create user: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "user.create", ObjectType: "user", ObjectID: fmt.Sprint(u.ID), Fields: "username,role"})
	})
}

// SetPassword replaces a user's password.
func (db *DB) SetPassword(ctx context.Context, userID int64, pw string) error {
	return db.setPassword(ctx, userID, pw, false, "user.password")
}

// SetTemporaryPassword is SetPassword for a password an administrator hands
// to the person: they must choose their own at the next sign-in.
func (db *DB) SetTemporaryPassword(ctx context.Context, userID int64, pw string) error {
	return db.setPassword(ctx, userID, pw, true, "user.password_temporary")
}

// ChangeOwnPassword is a person choosing their password: the current one
// first, then a new one of the minimum length that differs from it. Every
// session of the account ends, this one too: the person signs in again
// with the new password.
func (db *DB) ChangeOwnPassword(ctx context.Context, userID int64, current, next string) error {
	var hash string
	if err := db.readRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, userID).Scan(&hash); err != nil {
		return fmt.Errorf("store: read password: %w", err)
	}
	if err := password.Verify(current, hash); err != nil {
		_ = db.Audit(ctx, AuditEntry{Action: "user.password_change", ObjectType: "user", ObjectID: fmt.Sprint(userID), Outcome: OutcomeDenied})
		return escudo.FieldError("current", "validation.password_wrong", nil)
	}
	if next == current {
		return escudo.FieldError("password", "validation.password_same", nil)
	}
	return db.setPassword(ctx, userID, next, false, "user.password_change")
}

func (db *DB) setPassword(ctx context.Context, userID int64, pw string, temporary bool, action string) error {
	if utf8.RuneCountInString(pw) < escudo.MinPasswordLength {
		return escudo.FieldError("password", "validation.password_short", map[string]any{"Min": escudo.MinPasswordLength})
	}
	if len(pw) > 1024 {
		return escudo.FieldError("password", "validation.too_long", map[string]any{"Max": 1024})
	}
	hash, err := password.Hash(pw, password.Default)
	if err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?`, hash, boolInt(temporary), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
		}
		// A new password ends the sessions the old one opened.
		if err := tx.destroyUserSessions(ctx, userID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: action, ObjectType: "user", ObjectID: fmt.Sprint(userID), Fields: "password,sessions"})
	})
}

// SetUserDisabled disables or re-enables an account. Either way every
// session the account had is destroyed with it, so a cookie from before
// stays dead after the account is enabled again.
func (db *DB) SetUserDisabled(ctx context.Context, userID int64, disabled bool) error {
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE users SET disabled = ? WHERE id = ?`, boolInt(disabled), userID)
		if err != nil {
			return fmt.Errorf("store: disable user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
		}
		if err := tx.destroyUserSessions(ctx, userID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: action, ObjectType: "user", ObjectID: fmt.Sprint(userID), Fields: "disabled,sessions"})
	})
}

// SetUserRole changes an account's role. It takes effect on the account's
// next request (every request loads the user afresh); the account's sessions
// are ended so that nothing signed in under the old role lingers.
func (db *DB) SetUserRole(ctx context.Context, userID int64, role escudo.Role) error {
	if !escudo.ValidRole(role) {
		return escudo.FieldError("role", "validation.choice", nil)
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE users SET role = ? WHERE id = ?`, string(role), userID)
		if err != nil {
			return fmt.Errorf("store: set role: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
		}
		if err := tx.destroyUserSessions(ctx, userID); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "user.role", ObjectType: "user", ObjectID: fmt.Sprint(userID), Fields: "role:" + string(role) + ",sessions"})
	})
}

// FindUserByID returns one user.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*escudo.User, error) {
	u, err := scanUser(db.readRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
	}
	return u, err
}

// FindUserByUsername returns one user.
func (db *DB) FindUserByUsername(ctx context.Context, username string) (*escudo.User, error) {
	u, err := scanUser(db.readRow(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, strings.ToLower(strings.TrimSpace(username))))
	if isNoRows(err) {
		return nil, escudo.Errorf(escudo.ENOTFOUND, "error.not_found")
	}
	return u, err
}

// FindUsers lists all users by name.
func (db *DB) FindUsers(ctx context.Context) ([]*escudo.User, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY display_name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*escudo.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Authenticate checks a username and password. Unknown users, disabled users
// and wrong passwords all give the same error after the same work, and every
// attempt is audited.
func (db *DB) Authenticate(ctx context.Context, username, pw string) (*escudo.User, error) {
	fail := escudo.Errorf(escudo.EUNAUTHORIZED, "error.login_failed")
	if len(pw) > 1024 || len(username) > 256 {
		password.VerifyDummy(pw)
		return nil, fail
	}
	var hash string
	u, err := scanUser(db.readRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE username = ?`,
		strings.ToLower(strings.TrimSpace(username))), &hash)
	switch {
	case isNoRows(err):
		password.VerifyDummy(pw)
		// No account by that name: nobody to name, so counted with the other
		// anonymous refusals from this address (audit_refusals.go).
		db.AuditRefusal(ctx, AuditEntry{Action: "login", ObjectType: "user", Outcome: OutcomeFailed})
		return nil, fail
	case err != nil:
		return nil, err
	}
	if hash == unusablePassword {
		// Invited, not yet accepted: the same work as a wrong password.
		password.VerifyDummy(pw)
		hash = ""
	}
	if err := password.Verify(pw, hash); hash == "" || err != nil || u.Disabled {
		_ = db.Audit(ctx, AuditEntry{ActorID: u.ID, ActorRole: string(u.Role), Action: "login", ObjectType: "user", ObjectID: fmt.Sprint(u.ID), Outcome: OutcomeFailed})
		return nil, fail
	}
	if err := db.Audit(ctx, AuditEntry{ActorID: u.ID, ActorRole: string(u.Role), Action: "login", ObjectType: "user", ObjectID: fmt.Sprint(u.ID)}); err != nil {
		return nil, err
	}
	return u, nil
}

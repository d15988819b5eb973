package escudo

import (
	"context"
	"strings"
	"time"
)

// Role is what a user does in the mechanism. The permission table that maps
// roles to actions lives in internal/access.
type Role string

const (
	RoleReception   Role = "reception"   // reception officer
	RoleDuty        Role = "duty"        // 24/7 duty operator (rapid reaction)
	RoleAnalyst     Role = "analyst"     // risk evaluation analyst
	RoleFollowUp    Role = "followup"    // prevention and follow-up officer
	RoleCoordinator Role = "coordinator" // executive coordination
	RoleAdmin       Role = "admin"
	RoleBoard       Role = "board"      // Governing Board member
	RoleCouncil     Role = "council"    // Consultative Council member
	RoleLiaison     Role = "liaison"    // implementing agency liaison
	RoleContractor  Role = "contractor" // security company technician
	RoleReviewer    Role = "reviewer"   // external reviewer, by consent
	RoleBeneficiary Role = "beneficiary"
	RoleAuditor     Role = "auditor"
)

// Roles lists every role.
var Roles = []Role{RoleReception, RoleDuty, RoleAnalyst, RoleFollowUp, RoleCoordinator, RoleAdmin,
	RoleBoard, RoleCouncil, RoleLiaison, RoleContractor, RoleReviewer, RoleBeneficiary, RoleAuditor}

// ValidRole reports whether r is a known role.
func ValidRole(r Role) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Staff reports whether the role belongs to mechanism staff.
func (r Role) Staff() bool {
	switch r {
	case RoleReception, RoleDuty, RoleAnalyst, RoleFollowUp, RoleCoordinator, RoleAdmin:
		return true
	}
	return false
}

// User is someone who logs in.
type User struct {
	ID           int64  `json:"id"`
	Username     string `json:"username"`
	DisplayName  string `json:"display_name"`
	Role         Role   `json:"role"`
	Organization string `json:"organization,omitempty"`
	Agency       string `json:"agency,omitempty"`         // liaisons: agency they act for
	Entity       string `json:"federal_entity,omitempty"` // liaisons: scope
	PersonID     int64  `json:"person_id,omitempty"`      // beneficiaries: their person record
	SupervisorID int64  `json:"supervisor_id,omitempty"`
	Email        string `json:"email,omitempty"`
	Locale       string `json:"locale,omitempty"`
	Disabled     bool   `json:"disabled"`
	// MustChangePassword: the password was set by an administrator; the
	// person chooses their own before any page opens.
	MustChangePassword bool      `json:"must_change_password,omitempty"`
	CreatedAt          time.Time `json:"created_at"`
}

// Validate checks a user's fields.
func (u *User) Validate() error {
	var v ValidationErrors
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	if u.Username == "" {
		v.Add("username", "validation.required", nil)
	}
	for _, r := range u.Username {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			v.Add("username", "validation.username", nil)
			break
		}
	}
	checkText(&v, "username", u.Username, 64)
	checkText(&v, "display_name", u.DisplayName, MaxShortText)
	if !ValidRole(u.Role) {
		v.Add("role", "validation.choice", nil)
	}
	if u.Entity != "" {
		if _, ok := LookupFederalEntity(u.Entity); !ok {
			v.Add("federal_entity", "validation.choice", nil)
		}
	}
	return v.Err()
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// UserService manages accounts and credentials.
type UserService interface {
	CreateUser(ctx context.Context, u *User, password string) error
	FindUserByID(ctx context.Context, id int64) (*User, error)
	FindUsers(ctx context.Context) ([]*User, error)
	// Authenticate checks a password; it takes the same time whether or not
	// the account exists.
	Authenticate(ctx context.Context, username, password string) (*User, error)
}

type ctxKey int

const userCtxKey ctxKey = 1

// NewContextWithUser returns ctx carrying the acting user.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userCtxKey, u)
}

// UserFromContext returns the acting user, or nil for the public.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userCtxKey).(*User)
	return u
}

// UserIDFromContext returns the acting user's id, or 0.
func UserIDFromContext(ctx context.Context) int64 {
	if u := UserFromContext(ctx); u != nil {
		return u.ID
	}
	return 0
}

package escudo

import (
	"strings"
	"time"
)

// Consent is a beneficiary's record granting a named person (a user) or an
// organisation access to named compartments of their case until Expires.
type Consent struct {
	ID          int64      `json:"id"`
	PersonID    int64      `json:"person_id"`
	GranteeUser int64      `json:"grantee_user,omitempty"`
	GranteeOrg  string     `json:"grantee_org,omitempty"`
	Scope       []string   `json:"scope"` // compartments: identity, location, risk, logistics
	Purpose     string     `json:"purpose,omitempty"`
	GrantedBy   int64      `json:"granted_by,omitempty"`
	GrantedAt   time.Time  `json:"granted_at"`
	Expires     time.Time  `json:"expires_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// Compartments that consent records and tasks may name.
var Compartments = []string{"identity", "location", "risk", "logistics"}

// Active reports whether the record grants access at t.
func (c *Consent) Active(t time.Time) bool {
	return c.RevokedAt == nil && t.Before(c.Expires)
}

// Validate checks a new consent record against now.
func (c *Consent) Validate(now time.Time) error {
	var v ValidationErrors
	c.GranteeOrg = strings.TrimSpace(c.GranteeOrg)
	if c.PersonID <= 0 {
		v.Add("person_id", "validation.required", nil)
	}
	if (c.GranteeUser == 0) == (c.GranteeOrg == "") {
		v.Add("grantee", "validation.consent_grantee", nil)
	}
	checkText(&v, "grantee_org", c.GranteeOrg, MaxShortText)
	checkText(&v, "purpose", c.Purpose, MaxLongText)
	if err := validScope(c.Scope); err != "" {
		v.Add("scope", err, nil)
	}
	if !c.Expires.After(now) {
		v.Add("expires_at", "validation.future", nil)
	}
	return v.Err()
}

func validScope(scope []string) string {
	if len(scope) == 0 {
		return "validation.required"
	}
	for _, s := range scope {
		ok := false
		for _, c := range Compartments {
			ok = ok || s == c
		}
		if !ok {
			return "validation.choice"
		}
	}
	return ""
}

// ContractorTask is a measure task assigned to a contractor technician: the
// only way a contractor reaches a case, and only the compartments in Scope.
type ContractorTask struct {
	ID          int64      `json:"id"`
	CaseID      int64      `json:"case_id"`
	UserID      int64      `json:"user_id"`
	Scope       []string   `json:"scope"`
	Description string     `json:"description,omitempty"` // not sensitive: "install camera"
	CreatedAt   time.Time  `json:"created_at"`
	Expires     *time.Time `json:"expires_at,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
}

// Validate checks a new task.
func (t *ContractorTask) Validate() error {
	var v ValidationErrors
	if t.CaseID <= 0 {
		v.Add("case_id", "validation.required", nil)
	}
	if t.UserID <= 0 {
		v.Add("user_id", "validation.required", nil)
	}
	if err := validScope(t.Scope); err != "" {
		v.Add("scope", err, nil)
	}
	checkText(&v, "description", t.Description, MaxShortText)
	return v.Err()
}

// DataRead is one entry of "who read my data": who, when, what, and
// whether it was allowed ("ok") or refused ("denied"). Seq orders the
// entries and pages the list.
type DataRead struct {
	Seq          int64     `json:"seq"`
	At           time.Time `json:"at"`
	ActorID      int64     `json:"actor_id,omitempty"`
	ActorName    string    `json:"actor_name,omitempty"`
	ActorRole    string    `json:"actor_role,omitempty"`
	Organization string    `json:"organization,omitempty"`
	Action       string    `json:"action"`
	ObjectType   string    `json:"object_type"`
	ObjectID     string    `json:"object_id"`
	Fields       string    `json:"fields,omitempty"`
	Outcome      string    `json:"outcome"`
}

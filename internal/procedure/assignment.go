package procedure

import (
	"strings"

	"escudo"
)

// HandOverNote trims a hand-over note and checks its length.
func HandOverNote(note string) (string, error) {
	note = strings.TrimSpace(note)
	if len(note) > escudo.MaxLongText {
		return note, escudo.FieldError("note", "validation.too_long", map[string]any{"Max": escudo.MaxLongText})
	}
	return note, nil
}

// CheckAssignee checks that a case may be given to u (nil: no such user):
// only active staff take cases.
func CheckAssignee(u *escudo.User) error {
	if u == nil || u.Disabled || !u.Role.Staff() {
		return escudo.FieldError("assignee", "validation.assignee", nil)
	}
	return nil
}

// Assignment is what giving a case to someone does.
type Assignment struct {
	Changed bool   // false: the case is theirs already, nothing to record
	Event   string // escudo.EventAssigned, or escudo.EventReassigned when taken from someone
	Note    string // the trimmed hand-over note
}

// Assign decides giving a case to user to (CheckAssignee comes first).
// Taking a case from someone else needs a hand-over note, so what the
// previous assignee knew survives staff turnover.
func Assign(s State, to int64, note string) (Assignment, error) {
	note, err := HandOverNote(note)
	if err != nil {
		return Assignment{}, err
	}
	if s.AssignedTo == to {
		return Assignment{Note: note}, nil
	}
	a := Assignment{Changed: true, Event: escudo.EventAssigned, Note: note}
	if s.AssignedTo != 0 {
		a.Event = escudo.EventReassigned
		if note == "" {
			return Assignment{}, escudo.FieldError("note", "validation.handover_required", nil)
		}
	}
	return a, nil
}

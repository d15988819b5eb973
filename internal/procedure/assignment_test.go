package procedure_test

import (
	"strings"
	"testing"

	"escudo"
	"escudo/internal/procedure"
)

func TestHandOverNote(t *testing.T) {
	long := strings.Repeat("x", escudo.MaxLongText)
	tests := []struct {
		name, note, want string
		err              want
	}{
		{"empty", "", "", noErr},
		{"trimmed", "  visita el lunes \n", "visita el lunes", noErr},
		{"longest", long, long, noErr},
		{"longest once trimmed", "  " + long + "\t", long, noErr},
		{"too long", long + "x", "", invalid("note", "validation.too_long")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := procedure.HandOverNote(tt.note)
			tt.err.check(t, err)
			if err == nil && got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckAssignee(t *testing.T) {
	staff := map[escudo.Role]bool{escudo.RoleReception: true, escudo.RoleDuty: true, escudo.RoleAnalyst: true,
		escudo.RoleFollowUp: true, escudo.RoleCoordinator: true, escudo.RoleAdmin: true}
	for _, r := range append(escudo.Roles, "", "root") {
		t.Run(string(r), func(t *testing.T) {
			err := procedure.CheckAssignee(&escudo.User{ID: 7, Role: r})
			if staff[r] {
				noErr.check(t, err)
			} else {
				invalid("assignee", "validation.assignee").check(t, err)
			}
			// Disabled, nobody takes cases.
			invalid("assignee", "validation.assignee").check(t, procedure.CheckAssignee(&escudo.User{ID: 7, Role: r, Disabled: true}))
		})
	}
	invalid("assignee", "validation.assignee").check(t, procedure.CheckAssignee(nil))
}

func TestAssign(t *testing.T) {
	unassigned := procedure.State{Stage: escudo.StageEvaluation, ReceivedAt: received}
	ana := unassigned
	ana.AssignedTo = 1
	long := strings.Repeat("x", escudo.MaxLongText)
	tests := []struct {
		name  string
		state procedure.State
		to    int64
		note  string
		want  procedure.Assignment
		err   want
	}{
		{"first assignment needs no note", unassigned, 1, "", procedure.Assignment{Changed: true, Event: escudo.EventAssigned}, noErr},
		{"first assignment keeps a note, trimmed", unassigned, 1, " contexto \n", procedure.Assignment{Changed: true, Event: escudo.EventAssigned, Note: "contexto"}, noErr},
		{"same person: nothing to do, no note needed", ana, 1, "", procedure.Assignment{}, noErr},
		{"same person with a note: nothing to do", ana, 1, "otra vez", procedure.Assignment{Note: "otra vez"}, noErr},
		{"taken from someone without a note", ana, 2, "", procedure.Assignment{}, invalid("note", "validation.handover_required")},
		{"taken from someone with a blank note", ana, 2, " \t\n", procedure.Assignment{}, invalid("note", "validation.handover_required")},
		{"taken from someone with a note", ana, 2, "  Pendiente: visita a la sede el lunes. ", procedure.Assignment{Changed: true, Event: escudo.EventReassigned, Note: "Pendiente: visita a la sede el lunes."}, noErr},
		{"longest note", ana, 2, long, procedure.Assignment{Changed: true, Event: escudo.EventReassigned, Note: long}, noErr},
		{"note too long", ana, 2, long + "x", procedure.Assignment{}, invalid("note", "validation.too_long")},
		{"note too long, same person: too long first", ana, 1, long + "x", procedure.Assignment{}, invalid("note", "validation.too_long")},
		{"closed case may change hands", procedure.State{Stage: escudo.StageClosed, AssignedTo: 1}, 2, "archivo", procedure.Assignment{Changed: true, Event: escudo.EventReassigned, Note: "archivo"}, noErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := procedure.Assign(tt.state, tt.to, tt.note)
			tt.err.check(t, err)
			if err == nil && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

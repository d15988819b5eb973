// Package procedure decides the steps of the protection procedure: whether an
// admission decision, a milestone or an assignment is allowed on a case, what
// it changes, and which legal clocks it starts, stops or restarts. It holds no
// database and no HTTP: the store reads a case's State inside its
// transaction, asks this package, and writes what it is told.
//
// A milestone is recorded only in the stages and by the roles its
// MilestoneRule names (MayRecord), so the procedure is followed in order.
// Staff may still date a milestone in the past, because they often enter
// them late: a clock whose stop milestone was recorded before its start is
// born stopped (see Start).
package procedure

import (
	"time"

	"escudo"
)

// State is what the rules read of a case: its procedural fields.
type State struct {
	Procedure  escudo.Procedure
	Stage      escudo.Stage
	ReceivedAt time.Time
	AssignedTo int64 // 0: nobody
}

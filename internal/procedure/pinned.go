package procedure

import "escudo"

// Pinned reports whether an open request marked as imminent danger stays at
// the top of the backlog and of every queue: until someone is assigned to it
// and its urgent measures are issued, nobody may have to scroll to find it.
// The store's list queries apply the same rule in SQL (store.pinnedCond),
// checked case by case in TestImminentDangerPinnedUntilAttended.
func Pinned(imminent bool, stage escudo.Stage, assignedTo int64, urgentIssued bool) bool {
	return imminent && stage != escudo.StageClosed && (assignedTo == 0 || !urgentIssued)
}

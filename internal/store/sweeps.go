package store

import "context"

// ProcedureSweeps names the store's periodic sweeps of the procedure, which
// the job runner runs once across the nodes at the configuration's
// measures_sweep interval. Each takes at most limit items a run and reports
// how many it moved.
func (db *DB) ProcedureSweeps() map[string]func(ctx context.Context, limit int) (int, error) {
	return map[string]func(context.Context, int) (int, error){
		// Overdue measures climb their tiers.
		"measures.sweep": db.SweepMeasures,
		// Overdue inter-agency requests climb the same tiers.
		"requests.sweep": db.SweepRequests,
		// Investigations without progress are flagged and escalated once.
		"investigations.sweep": db.SweepInvestigations,
		// Clusters of incidents raise an early warning once per area and week.
		"warnings.sweep": db.SweepWarnings,
		// Beneficiaries hear of their own deadlines, once each.
		"reminders.sweep": db.SweepReminders,
		// Each month, once over, is published as statistics, once; so is
		// each quarter of the trust fund.
		"statistics.publish": db.PublishStatistics,
	}
}

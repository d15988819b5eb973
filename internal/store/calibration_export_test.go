package store

import (
	"context"
	"encoding/json"
	"fmt"

	"escudo"
	"escudo/internal/vault"
)

// BulkEvaluationsForTest writes n submitted evaluations spread over the
// given cases and analysts, each with its sealed calibration_enc, as
// SubmitEvaluation leaves them (the answers are not needed by the report
// and are left empty), in batches of 1,000 per transaction. Levels,
// genders, ethnic identities, entities and delays cycle over short lists
// by i, so the counts are known.
func (db *DB) BulkEvaluationsForTest(ctx context.Context, caseIDs, analysts []int64, n int) error {
	genders := []string{"woman", "man", "non_binary", "other", "not_stated"}
	ethnic := []string{"indigenous", "afro_mexican", "none", "other", "not_stated"}
	entities := []string{"OAX", "GRO", "CHIS", "CDMX", "VER", "MICH", "JAL"}
	profiles := []string{"defender", "journalist", "both"}
	inst := db.instrument
	for start := 0; start < n; start += 1000 {
		err := db.WithTx(ctx, true, func(tx *Tx) error {
			for i := start; i < min(n, start+1000); i++ {
				b, err := json.Marshal(calibrationDims{Gender: genders[i%5], Ethnic: ethnic[(i/5)%5], Profile: profiles[i%3], Entity: entities[i%7]})
				if err != nil {
					return err
				}
				sealed, err := tx.seal(vault.Risk, "risk_evaluations.calibration", string(b))
				if err != nil {
					return err
				}
				level := escudo.RiskOrdinary
				if i%3 == 0 {
					level = escudo.RiskExtraordinary
				}
				at := micros(tx.now) - int64(i%30)*86_400_000_000
				if _, err := tx.Exec(ctx, `INSERT INTO risk_evaluations (case_id, kind, reason, state, instrument, version, analyst_id, calibration_enc, level, value_num, value_den, created_at, updated_at, submitted_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?, ?)`, caseIDs[i%len(caseIDs)], string(escudo.EvaluationFull), string(escudo.ReasonInitial),
					string(escudo.StateSubmitted), inst.ID, inst.Version, analysts[i%len(analysts)], sealed, string(level), at, at, at); err != nil {
					return fmt.Errorf("bulk evaluation %d: %w", i, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

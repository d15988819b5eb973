package store

import (
	"context"

	"escudo"
)

// checkMeasureDecisions refuses measure decisions until granted measures
// are part of the store: a resolution may then only adopt a level.
func (tx *Tx) checkMeasureDecisions(_ context.Context, _ int64, ms []escudo.ResolutionMeasure) error {
	if len(ms) > 0 {
		return escudo.FieldError("measures", "board.measures_unavailable", nil)
	}
	return nil
}

func (tx *Tx) applyMeasureDecisions(_ context.Context, _ *escudo.Resolution) error { return nil }

package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"escudo"
	"escudo/internal/vault"
)

// A resolution's measure decisions go through the granted measures'
// decision methods (measures.go) inside the resolution's transaction: a
// refused decision refuses the whole resolution.

// checkMeasureDecisions checks what the decisions say before anything is
// written: a known action, a grant naming its measure, any other decision
// naming a granted measure of this case, once.
func (tx *Tx) checkMeasureDecisions(ctx context.Context, caseID int64, ms []escudo.ResolutionMeasure) error {
	var v escudo.ValidationErrors
	seen := map[int64]bool{}
	for i, m := range ms {
		f := fmt.Sprintf("measures[%d]", i)
		switch m.Action {
		case escudo.ActionGrant:
			if m.Grant.Measure == "" {
				v.Add(f+".measure", "measures.unknown", nil)
			}
		case escudo.ActionModify, escudo.ActionWithdraw, escudo.ActionRatify, escudo.ActionEnd:
			var c int64
			err := tx.QueryRow(ctx, `SELECT case_id FROM granted_measures WHERE id = ?`, m.GrantedID).Scan(&c)
			switch {
			case isNoRows(err) || err == nil && c != caseID:
				v.Add(f+".granted_id", "board.measure_other_case", nil)
			case err != nil:
				return err
			case seen[m.GrantedID]:
				v.Add(f+".granted_id", "board.measure_twice", nil)
			}
			seen[m.GrantedID] = true
		default:
			v.Add(f+".action", "validation.choice", nil)
		}
	}
	return v.Err()
}

// applyMeasureDecisions carries out an adopted resolution's decisions and
// records in r what they became (the granted measures' ids and deadlines),
// re-sealing the resolution's decisions so letters carry exactly them.
func (tx *Tx) applyMeasureDecisions(ctx context.Context, r *escudo.Resolution) error {
	for i := range r.Measures {
		m := &r.Measures[i]
		var err error
		switch m.Action {
		case escudo.ActionGrant:
			g := m.Grant
			g.CaseID, g.Source, g.ResolutionID = r.CaseID, escudo.SourceBoard, r.ID
			if g.Reason == "" {
				g.Reason = m.Reason
			}
			var id int64
			if id, err = tx.GrantMeasure(ctx, r.RecordedBy, g); err == nil {
				m.GrantedID = id
				var due int64
				if err = tx.QueryRow(ctx, `SELECT deadline FROM granted_measures WHERE id = ?`, id).Scan(&due); err == nil {
					m.Grant.Deadline = fromMicros(due)
				}
				m.Grant.CaseID, m.Grant.Source, m.Grant.ResolutionID, m.Grant.Reason = g.CaseID, g.Source, g.ResolutionID, g.Reason
			}
		case escudo.ActionModify:
			g := m.Grant
			g.ResolutionID = r.ID
			err = tx.ModifyMeasure(ctx, r.RecordedBy, m.GrantedID, g, m.Reason)
		case escudo.ActionWithdraw:
			err = tx.EndMeasure(ctx, r.RecordedBy, m.GrantedID, escudo.MeasureWithdrawn, m.Reason)
		case escudo.ActionEnd:
			err = tx.EndMeasure(ctx, r.RecordedBy, m.GrantedID, escudo.MeasureEnded, m.Reason)
		case escudo.ActionRatify:
			err = tx.RatifyMeasure(ctx, r.RecordedBy, m.GrantedID, r.ID)
		}
		if err != nil {
			return prefixField(fmt.Sprintf("measures[%d].", i), err)
		}
	}
	if len(r.Measures) == 0 {
		return nil
	}
	b, err := json.Marshal(r.Measures)
	if err != nil {
		return err
	}
	sealed, err := tx.seal(vault.Risk, "board_resolutions.measures", string(b))
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE board_resolutions SET measures_enc = ? WHERE id = ?`, sealed, r.ID)
	return err
}

// prefixField names a measure decision's fields within the resolution.
func prefixField(prefix string, err error) error {
	if v, ok := escudo.AsValidation(err); ok {
		out := make(escudo.ValidationErrors, len(v))
		for i, e := range v {
			c := *e
			c.Field = prefix + c.Field
			out[i] = &c
		}
		return out
	}
	var e *escudo.Error
	if errors.As(err, &e) && e.Field != "" {
		c := *e
		c.Field = prefix + c.Field
		return &c
	}
	return err
}

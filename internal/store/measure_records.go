package store

import (
	"context"
	"fmt"
	"strings"

	"escudo"
	"escudo/internal/vault"
)

// What a granted measure's page shows besides its status: the measure, the
// beneficiary's confirmations and ratings, its costs and who pays them.

// FindMeasure returns one granted measure with its details open; the read
// is audited.
func (db *DB) FindMeasure(ctx context.Context, id int64) (escudo.GrantedMeasure, error) {
	r, err := scanMeasure(db.readRow(ctx, `SELECT `+measureColumns+measureFrom+` WHERE g.id = ?`, id))
	if isNoRows(err) {
		return escudo.GrantedMeasure{}, errNotFound()
	} else if err != nil {
		return escudo.GrantedMeasure{}, fmt.Errorf("store: measure: %w", err)
	}
	m, err := db.openMeasure(r)
	if err != nil {
		return m, err
	}
	return m, db.Audit(ctx, AuditEntry{Action: "measure.read", ObjectType: "measure", ObjectID: fmt.Sprint(id), Fields: "details,reason"})
}

// MeasureConfirmations lists the beneficiary's answers on a measure,
// newest first, with their comments; the read is audited.
func (db *DB) MeasureConfirmations(ctx context.Context, id int64) ([]escudo.MeasureConfirmation, error) {
	rows, err := db.readQuery(ctx, `SELECT c.id, c.confirmed, c.channel, c.comment_enc, COALESCE(u.display_name, ''), c.at
		FROM measure_confirmations c LEFT JOIN users u ON u.id = c.recorded_by WHERE c.measure_id = ? ORDER BY c.at DESC, c.id DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("store: confirmations: %w", err)
	}
	defer rows.Close()
	var out []escudo.MeasureConfirmation
	for rows.Next() {
		var c escudo.MeasureConfirmation
		var confirmed int
		var comment []byte
		var at int64
		if err := rows.Scan(&c.ID, &confirmed, &c.Channel, &comment, &c.RecordedBy, &at); err != nil {
			return nil, err
		}
		c.Confirmed, c.At = confirmed == 1, fromMicros(at)
		if len(comment) > 0 {
			if c.Comment, err = db.open("measure_confirmations.comment", comment); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.Audit(ctx, AuditEntry{Action: "measure.read", ObjectType: "measure", ObjectID: fmt.Sprint(id), Fields: "confirmations"})
}

// RateMeasure records how useful the beneficiary finds a measure in force
// (or under review), by themselves on their own measure or by follow-up on
// their behalf. A counterproductive or not-useful rating needs its why.
func (db *DB) RateMeasure(ctx context.Context, id int64, rating escudo.MeasureRating, why string) error {
	u := escudo.UserFromContext(ctx)
	if u == nil {
		return escudo.Errorf(escudo.EUNAUTHORIZED, "error.unauthorized")
	}
	why = strings.TrimSpace(why)
	var v escudo.ValidationErrors
	known := false
	for _, r := range escudo.MeasureRatings {
		known = known || r == rating
	}
	if !known {
		v.Add("rating", "measure.rating", nil)
	}
	if rating != escudo.RatingUseful && why == "" {
		v.Add("why", "measure.rating_why", nil)
	}
	if len(why) > MaxCommentLen {
		v.Add("why", "validation.too_long", map[string]any{"Max": MaxCommentLen})
	}
	if err := v.Err(); err != nil {
		return err
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		r, err := tx.measureForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if u.Role == escudo.RoleBeneficiary && !tx.ownsCase(ctx, u, r.m.CaseID) {
			return errNotFound()
		}
		switch r.m.Status {
		case escudo.MeasureInForce, escudo.MeasureUnderReview, escudo.MeasureEnded, escudo.MeasureAwaiting:
		default:
			return escudo.FieldError("rating", "measure.rating_early", nil)
		}
		sealed, err := tx.seal(vault.Risk, "measure_ratings.why", why)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO measure_ratings (measure_id, rating, why_enc, recorded_by, at) VALUES (?, ?, ?, ?, ?)`,
			id, string(rating), sealed, u.ID, micros(tx.now)); err != nil {
			return fmt.Errorf("store: rating: %w", err)
		}
		if err := tx.addEvent(ctx, r.m.CaseID, u.ID, escudo.EventMeasure, fmt.Sprintf("%d:%s:rated_%s", id, r.m.Measure, rating), ""); err != nil {
			return err
		}
		return tx.Audit(ctx, AuditEntry{Action: "measure.rate", ObjectType: "measure", ObjectID: fmt.Sprint(id), Fields: "rating,why"})
	})
}

// MeasureRatings lists a measure's ratings, newest first; audited.
func (db *DB) MeasureRatings(ctx context.Context, id int64) ([]escudo.MeasureRatingEntry, error) {
	rows, err := db.readQuery(ctx, `SELECT r.id, r.rating, r.why_enc, COALESCE(u.display_name, ''), r.at
		FROM measure_ratings r LEFT JOIN users u ON u.id = r.recorded_by WHERE r.measure_id = ? ORDER BY r.at DESC, r.id DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("store: ratings: %w", err)
	}
	defer rows.Close()
	var out []escudo.MeasureRatingEntry
	for rows.Next() {
		var e escudo.MeasureRatingEntry
		var why []byte
		var at int64
		if err := rows.Scan(&e.ID, &e.Rating, &why, &e.RecordedBy, &at); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		if len(why) > 0 {
			if e.Why, err = db.open("measure_ratings.why", why); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.Audit(ctx, AuditEntry{Action: "measure.read", ObjectType: "measure", ObjectID: fmt.Sprint(id), Fields: "ratings"})
}

// AddMeasureCost records a cost of a measure that has not ended.
func (db *DB) AddMeasureCost(ctx context.Context, id int64, c escudo.MeasureCost) (int64, error) {
	c.Description = strings.TrimSpace(c.Description)
	if err := c.Validate(); err != nil {
		return 0, err
	}
	var cid int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		r, err := tx.measureForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if r.m.Status.Final() {
			return escudo.FieldError("status", "measure.final", nil)
		}
		uid := escudo.UserIDFromContext(ctx)
		cid, err = tx.InsertID(ctx, `INSERT INTO measure_costs (measure_id, description, amount_centavos, period, payer, cannot_pay, recorded_by, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, c.Description, c.Centavos, string(c.Period), string(c.Payer), boolInt(c.CannotPay), nullID(uid), micros(tx.now))
		if err != nil {
			return fmt.Errorf("store: cost: %w", err)
		}
		return tx.Audit(ctx, AuditEntry{Action: "measure.cost", ObjectType: "measure", ObjectID: fmt.Sprint(id), Fields: "cost:" + fmt.Sprint(cid)})
	})
	return cid, err
}

// MeasureCosts lists a measure's costs, oldest first.
func (db *DB) MeasureCosts(ctx context.Context, id int64) ([]escudo.MeasureCost, error) {
	rows, err := db.readQuery(ctx, `SELECT c.id, c.description, c.amount_centavos, c.period, c.payer, c.cannot_pay, COALESCE(u.display_name, ''), c.at
		FROM measure_costs c LEFT JOIN users u ON u.id = c.recorded_by WHERE c.measure_id = ? ORDER BY c.at, c.id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: costs: %w", err)
	}
	defer rows.Close()
	var out []escudo.MeasureCost
	for rows.Next() {
		var c escudo.MeasureCost
		var cannot int
		var at int64
		if err := rows.Scan(&c.ID, &c.Description, &c.Centavos, &c.Period, &c.Payer, &cannot, &c.RecordedBy, &at); err != nil {
			return nil, err
		}
		c.CannotPay, c.At = cannot == 1, fromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// FlaggedCosts returns, of the measures given, those with a recurring cost
// the beneficiary pays and says they cannot.
func (db *DB) FlaggedCosts(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	in := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	rows, err := db.readQuery(ctx, `SELECT DISTINCT measure_id FROM measure_costs WHERE cannot_pay = 1 AND payer = 'beneficiary' AND period <> 'once' AND measure_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: flagged costs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// PersonName returns only a person's name (identity compartment), for
// pages that show a beneficiary's name and nothing else of them (an
// agency's liaison implementing a measure that needs it); the read is
// audited.
func (db *DB) PersonName(ctx context.Context, personID int64) (string, error) {
	var sealed []byte
	err := db.readRow(ctx, `SELECT name_enc FROM people WHERE id = ?`, personID).Scan(&sealed)
	if isNoRows(err) {
		return "", errNotFound()
	} else if err != nil {
		return "", err
	}
	name, err := db.open("people.name", sealed)
	if err != nil {
		return "", err
	}
	return name, db.Audit(ctx, AuditEntry{Action: "person.read", ObjectType: "person", ObjectID: fmt.Sprint(personID), Fields: "name"})
}

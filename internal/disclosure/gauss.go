package disclosure

import "fmt"

// DisclosedError says that a primary cell is already derivable from earlier
// releases alone, so no choice in this release can protect it.
type DisclosedError struct{ Key string }

func (e *DisclosedError) Error() string {
	return fmt.Sprintf("disclosure: cell %s is already derivable from earlier releases", e.Key)
}

// gaussInput is the secondary-suppression problem of one table.
type gaussInput struct {
	cells   []vec // rows of the table's published cells over local atoms
	keys    []string
	primary []bool
	order   []int  // non-primary cells, most preferred for publication first
	forced  []bool // cells the audit asked to suppress
	history []vec  // rows already published by earlier releases
	// earlier releases' primary cells, which must stay protected too
	histPrimary []vec
	histKeys    []string
}

// gaussOutput says which cells are published and which rows are independent.
type gaussOutput struct {
	status    []Status
	accepted  []int // published table cells whose rows were independent
	histIndep []int // independent history rows
}

// gauss runs secondary suppression by Gaussian elimination: history rows are
// published first, then the candidates in order; a candidate is suppressed
// when its row, added to the published rows, would put a primary row in
// their span.
func gauss(in gaussInput) (gaussOutput, error) {
	out := gaussOutput{status: make([]Status, len(in.cells))}
	var b basis
	var res []vec // reduced primary rows
	var resKey []string
	for i, p := range in.primary {
		if p {
			out.status[i] = Primary
			res = append(res, append(vec(nil), in.cells[i]...))
			resKey = append(resKey, in.keys[i])
		}
	}
	for i, p := range in.histPrimary {
		res = append(res, append(vec(nil), p...))
		resKey = append(resKey, in.histKeys[i])
	}
	for i, h := range in.history {
		ok, key, err := tryPublish(&b, res, resKey, append(vec(nil), h...))
		if err != nil {
			return out, err
		}
		if key != "" {
			return out, &DisclosedError{Key: key}
		}
		if ok {
			out.histIndep = append(out.histIndep, i)
		}
	}
	for _, c := range in.order {
		if in.forced[c] {
			out.status[c] = Secondary
			continue
		}
		r := append(vec(nil), in.cells[c]...)
		ok, key, err := tryPublish(&b, res, resKey, r)
		if err != nil {
			return out, err
		}
		if key != "" {
			out.status[c] = Secondary
			continue
		}
		out.status[c] = Published
		if ok {
			out.accepted = append(out.accepted, c)
		}
	}
	// A cell the audit forced out whose row the published rows (history
	// included) already span is known to anyone who adds them up: a year's
	// total that its quarters published, a margin whose cells are all out.
	// Withholding it protects nothing, and publishing it adds no equation,
	// so the audit's bounds stay as they are.
	for _, c := range in.order {
		if !in.forced[c] {
			continue
		}
		r := append(vec(nil), in.cells[c]...)
		if err := b.reduce(r); err != nil {
			return out, err
		}
		if r.isZero() {
			out.status[c] = Published
		}
	}
	return out, nil
}

// tryPublish reduces r against the basis. A zero residual means r is already
// derivable: publishing it is free. Otherwise, if some primary residual is a
// multiple of r's residual, publishing r would reveal that primary cell: its
// key is returned and nothing changes. Else r joins the basis and the
// primary residuals are reduced by it; added reports that.
func tryPublish(b *basis, res []vec, resKey []string, r vec) (added bool, revealed string, err error) {
	if err := b.reduce(r); err != nil {
		return false, "", err
	}
	q := r.firstNonZero()
	if q < 0 {
		return false, "", nil
	}
	for i, p := range res {
		par, err := parallel(p, r, q)
		if err != nil {
			return false, "", err
		}
		if par {
			return false, resKey[i], nil
		}
	}
	q, err = b.add(r)
	if err != nil {
		return false, "", err
	}
	for _, p := range res {
		if err := eliminate(p, r, q); err != nil {
			return false, "", err
		}
	}
	return true, "", nil
}

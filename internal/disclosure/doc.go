// Package disclosure decides which cells of a statistical table escudo may
// publish so that no count from 1 to Threshold-1 (default 1..9) is ever
// published or derivable from anything published, across every release.
//
// It is a pure rules package: no database, no HTTP, no file I/O.
//
// The rules, in order:
//
//   - Primary suppression: every published cell (inner cell, hierarchy
//     aggregate or margin) whose count is in 1..Threshold-1 is suppressed.
//     Zero is publishable, following the CMS/CDC small-cell convention:
//     a zero reveals no person.
//   - Secondary suppression by Gaussian elimination, in the manner of
//     Statistics Norway's GaussSuppression: the other cells are taken in
//     priority order (see Protect) and each is published unless publishing it
//     would put a primary cell's row in the linear span of the rows already
//     published (in this release and in every earlier one), i.e. make it
//     exactly computable. Arithmetic is exact (int64 with overflow checks).
//   - Interval audit by linear programming (a warm-started tableau simplex,
//     simplex.go; the tests check it with gonum's lp.Simplex): for every
//     primary cell the feasible range given all published equalities and
//     non-negative atoms must not be a single integer and must reach
//     Threshold. When it fails, one more cell is suppressed and the steps
//     are re-run.
//
// Every cell of every table is written as a row over "atoms", the finest
// counts (for instance month × entity × gender). Releases constrain one
// another only through shared atoms, so Protect keeps only the earlier
// releases' cells that are connected to the new table through atoms.
package disclosure

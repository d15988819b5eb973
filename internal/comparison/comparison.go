// Package comparison compares a beneficiary's protection by the Mechanism
// with other bodies' (issue 15, item 3; docs/directory.md): the same
// person at a different level, a measure one granted and the other did
// not. Pure: no SQL, no HTTP.
package comparison

import (
	"sort"

	"escudo"
)

// FindingKind is one kind of conflict or gap between the Mechanism's
// protection and another body's.
type FindingKind string

const (
	FindingLevelHigher   FindingKind = "level_higher"   // the other body's level is above the Mechanism's
	FindingLevelLower    FindingKind = "level_lower"    // the other body's level is below the Mechanism's
	FindingNoOwnLevel    FindingKind = "no_own_level"   // the other body set a level; the Mechanism has none yet
	FindingOtherOnly     FindingKind = "other_only"     // a measure granted by the other body and not by the Mechanism
	FindingMechanismOnly FindingKind = "mechanism_only" // a measure granted by the Mechanism and not by the other body
)

// Finding is one conflict or gap: of which other assessment, and the
// measure (catalogue id) when it is about one.
type Finding struct {
	Kind         FindingKind
	AssessmentID int64
	Measure      string
}

// Conflict reports whether the finding is a disagreement about the
// person's risk (a level or a measure only the other body saw the need
// for), rather than a measure the Mechanism gives beyond another body's.
func (f Finding) Conflict() bool { return f.Kind != FindingMechanismOnly }

// Comparison is the Mechanism's current protection beside each other
// body's in force, and what differs.
type Comparison struct {
	Level    escudo.RiskLevel // the Mechanism's: the latest submitted evaluation; "" for none
	Measures []string         // catalogue ids of the granted measures in life, sorted, once each
	Others   []escudo.Assessment
	Findings []Finding
}

// Conflicts counts the findings that are conflicts.
func (c *Comparison) Conflicts() int {
	n := 0
	for _, f := range c.Findings {
		if f.Conflict() {
			n++
		}
	}
	return n
}

// Protection compares the Mechanism's level and granted measures
// with each assessment in force (ended ones are history and compare with
// nothing). A granted measure counts while in life (not withdrawn or
// ended). An assessment that named no catalogue measure is compared by
// level only: its measures are words the rule cannot read, so no gap is
// claimed on them.
func Protection(level escudo.RiskLevel, granted []escudo.GrantedMeasure, assessments []escudo.Assessment) Comparison {
	c := Comparison{Level: level}
	own := map[string]bool{}
	for _, g := range granted {
		if !g.Status.Final() && !own[g.Measure] {
			own[g.Measure] = true
			c.Measures = append(c.Measures, g.Measure)
		}
	}
	sort.Strings(c.Measures)
	for _, a := range assessments {
		if !a.InForce() {
			continue
		}
		c.Others = append(c.Others, a)
		switch {
		case level.Rank() < 0 && a.Level.Rank() >= 0:
			c.Findings = append(c.Findings, Finding{Kind: FindingNoOwnLevel, AssessmentID: a.ID})
		case a.Level.Rank() > level.Rank():
			c.Findings = append(c.Findings, Finding{Kind: FindingLevelHigher, AssessmentID: a.ID})
		case a.Level.Rank() >= 0 && a.Level.Rank() < level.Rank():
			c.Findings = append(c.Findings, Finding{Kind: FindingLevelLower, AssessmentID: a.ID})
		}
		if len(a.CatalogueMeasures) == 0 {
			continue
		}
		theirs := map[string]bool{}
		ms := append([]string(nil), a.CatalogueMeasures...)
		sort.Strings(ms)
		for _, m := range ms {
			if theirs[m] {
				continue
			}
			theirs[m] = true
			if !own[m] {
				c.Findings = append(c.Findings, Finding{Kind: FindingOtherOnly, AssessmentID: a.ID, Measure: m})
			}
		}
		for _, m := range c.Measures {
			if !theirs[m] {
				c.Findings = append(c.Findings, Finding{Kind: FindingMechanismOnly, AssessmentID: a.ID, Measure: m})
			}
		}
	}
	return c
}

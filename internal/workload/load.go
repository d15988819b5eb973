package workload

import (
	"sort"

	"escudo"
)

// DefaultReference is the caseload an officer's count is set against by
// default: 155 open cases, the load per follow-up officer that the 2019
// diagnosis of the Mechanism found. That load is the diagnosis's evidence
// of overload, so it is a ceiling to compare against, not a target; the
// page takes another (?reference=N).
const DefaultReference = 155

// MaxReference bounds a reference given on the page.
const MaxReference = 10000

// Officer is one person's open assigned cases and the distinct people
// those cases protect.
type Officer struct {
	Name          string
	Role          escudo.Role
	Cases, People int
}

// RoleLoad is the load of the officers of one role: most loaded first,
// with the median and the highest count of cases and how many officers are
// at or over the reference.
type RoleLoad struct {
	Role          escudo.Role
	Officers      []Officer
	Cases, People int
	Median        float64
	Highest       int
	AtOrOver      int
}

// LoadRoles are the roles shown in this order; officers of other roles
// follow, grouped by role.
var LoadRoles = []escudo.Role{escudo.RoleReception, escudo.RoleAnalyst, escudo.RoleFollowUp}

// Loads groups officers by role (LoadRoles first, then the others by
// name of role), leaving out those with no open case.
func Loads(officers []Officer, reference int) []RoleLoad {
	by := map[escudo.Role][]Officer{}
	var extra []escudo.Role
	for _, o := range officers {
		if o.Cases <= 0 {
			continue
		}
		if _, seen := by[o.Role]; !seen && !isLoadRole(o.Role) {
			extra = append(extra, o.Role)
		}
		by[o.Role] = append(by[o.Role], o)
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
	var out []RoleLoad
	for _, role := range append(append([]escudo.Role{}, LoadRoles...), extra...) {
		os := by[role]
		if len(os) == 0 {
			continue
		}
		sort.SliceStable(os, func(i, j int) bool {
			if os[i].Cases != os[j].Cases {
				return os[i].Cases > os[j].Cases
			}
			return os[i].Name < os[j].Name
		})
		l := RoleLoad{Role: role, Officers: os, Highest: os[0].Cases}
		counts := make([]int, len(os))
		for i, o := range os {
			l.Cases += o.Cases
			l.People += o.People
			counts[i] = o.Cases
			if reference > 0 && o.Cases >= reference {
				l.AtOrOver++
			}
		}
		l.Median = median(counts)
		out = append(out, l)
	}
	return out
}

func isLoadRole(r escudo.Role) bool {
	for _, x := range LoadRoles {
		if x == r {
			return true
		}
	}
	return false
}

// median of counts (any order): the middle one, or the mean of the two
// middle ones.
func median(counts []int) float64 {
	if len(counts) == 0 {
		return 0
	}
	c := append([]int(nil), counts...)
	sort.Ints(c)
	m := len(c) / 2
	if len(c)%2 == 1 {
		return float64(c[m])
	}
	return float64(c[m-1]+c[m]) / 2
}

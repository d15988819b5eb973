package access

import (
	"fmt"
	"strings"

	"escudo"
)

// abbrev shortens compartments in the rendered table.
var abbrev = map[string]string{Identity: "I", Location: "L", Risk: "R", Logistics: "G", SafeHouse: "S"}

// Markdown renders the permission table for docs/permissions.md.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# Permissions\n\n")
	b.WriteString("Generated from `internal/access/table.go` by `go test ./internal/access -update`; a test fails when this file and the code differ.\n\n")
	b.WriteString("Each cell gives the scope of the rule and, in brackets, the compartments of data the role may see there: ")
	b.WriteString("I identity (names, phones, relatives), L location (addresses, coordinates), R risk (narratives, aggressors, notes), G logistics (escorts, device secrets), S safe houses (the registry's names, addresses, coordinates, phones and notes: in no role's case fields, granted by no consent record or task).\n\n")
	b.WriteString("Scopes: **all** every object; **entity** objects in the liaison's federal entity; **task** cases with a task assigned to the contractor, narrowed to the task's compartments; ")
	b.WriteString("**consent** people whose unexpired, unrevoked consent record names the reviewer or their organisation, narrowed to the record's compartments; **own** the beneficiary's own records; **agency** measures addressed to the liaison's agency (or to them by name); **named** only the accounts an administrator named on the safe-house registry's list (checked on every request; see docs/safehouses.md); **—** denied.\n\n")
	b.WriteString("| action |")
	for _, r := range escudo.Roles {
		fmt.Fprintf(&b, " %s |", r)
	}
	b.WriteString("\n|---|")
	for range escudo.Roles {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, a := range Actions {
		fmt.Fprintf(&b, "| `%s` |", a)
		for _, r := range escudo.Roles {
			rule, _ := RuleFor(r, a)
			cell := rule.Scope.String()
			if rule.Scope != None && len(rule.Fields) > 0 {
				var f []string
				for _, c := range rule.Fields {
					f = append(f, abbrev[c])
				}
				cell += " [" + strings.Join(f, "") + "]"
			}
			fmt.Fprintf(&b, " %s |", cell)
		}
		b.WriteString("\n")
	}
	b.WriteString("\nActions that name a compartment (`case.read.sensitive` → R, `person.read.identity` → I, `person.read.location` → L) are allowed only when the rule, after any grant, still includes it.\n")
	b.WriteString("A disabled account, an unknown role, a liaison without a federal entity and a failed look-up of a grant are all denied.\n")
	return b.String()
}

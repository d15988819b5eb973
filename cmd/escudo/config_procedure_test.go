package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"escudo"
)

// The procedure's order is configuration beside the clocks, checked strictly.
func TestConfigMilestoneRules(t *testing.T) {
	dir := t.TempDir()
	write := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "config.json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rules := escudo.DefaultMilestoneRules()
	rules[0].Roles = []escudo.Role{escudo.RoleDuty} // only the duty desk issues urgent measures
	c, err := (&dbFlags{config: write(map[string]any{"milestones": rules, "info_answer_restarts": []string{"evaluation", "urgent_issued"}})}).loadConfig()
	if err != nil || len(c.Milestones) != len(rules) || c.Milestones[0].Roles[0] != escudo.RoleDuty || len(c.InfoAnswerRestarts) != 2 {
		t.Fatalf("good config: %v %+v", err, c)
	}
	for name, bad := range map[string]map[string]any{
		"a step left out":     {"milestones": rules[1:]},
		"not a staff role":    {"milestones": append(escudo.DefaultMilestoneRules()[1:], escudo.MilestoneRule{Milestone: escudo.MilestoneUrgentIssued, Stages: []escudo.Stage{escudo.StageReception}, Roles: []escudo.Role{escudo.RoleBoard}})},
		"an unknown clock":    {"info_answer_restarts": []string{"evaluacion"}},
		"a clock not defined": {"clocks": []escudo.ClockRule{escudo.DefaultClockRules()[0]}, "info_answer_restarts": []string{"evaluation"}},
	} {
		if _, err := (&dbFlags{config: write(bad)}).loadConfig(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

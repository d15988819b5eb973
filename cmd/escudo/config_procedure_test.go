package main

import (
	"encoding/json"
	"escudo/internal/risk"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// The risk instrument and the measures catalogue are configuration files
// beside the configuration, parsed strictly at start.
func TestConfigRiskInstrumentAndMeasures(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	inst := strings.Replace(string(risk.DefaultJSON()), `"version": 1`, `"version": 2`, 1)
	write("instrument.json", []byte(inst))
	write("measures.json", []byte(`{"version":1,"measures":[{"id":"escort","kind":"urgent","label":{"es-MX":"Escolta","en":"Escort"},"description":{"es-MX":"d","en":"d"}}]}`))
	write("config.json", []byte(`{"risk_instrument":"instrument.json","measures":"measures.json"}`))
	c, err := (&dbFlags{config: filepath.Join(dir, "config.json")}).loadConfig()
	if err != nil || c.instrument == nil || c.instrument.Version != 2 || c.catalogue == nil || len(c.catalogue.Measures) != 1 {
		t.Fatalf("good config: %v %+v", err, c)
	}
	write("bad.json", []byte(strings.Replace(inst, `"weight": 3`, `"weight": 0`, 1)))
	write("config.json", []byte(`{"risk_instrument":"bad.json"}`))
	if _, err := (&dbFlags{config: filepath.Join(dir, "config.json")}).loadConfig(); err == nil || !strings.Contains(err.Error(), "groups[0].factors[0].weight") {
		t.Fatalf("an instrument with a zero weight: %v", err)
	}
	write("config.json", []byte(`{"appeal_window":"10d","appeal_study":"20d"}`))
	if c, err := (&dbFlags{config: filepath.Join(dir, "config.json")}).loadConfig(); err != nil || time.Duration(c.AppealWindow) != 10*24*time.Hour || time.Duration(c.AppealStudy) != 20*24*time.Hour {
		t.Fatalf("appeal limits: %v %+v", err, c)
	}
	write("config.json", []byte(`{"appeal_window":"1h"}`))
	if _, err := (&dbFlags{config: filepath.Join(dir, "config.json")}).loadConfig(); err == nil {
		t.Fatal("a one-hour appeal window accepted")
	}
	write("config.json", []byte(`{"measures":"missing.json"}`))
	if _, err := (&dbFlags{config: filepath.Join(dir, "config.json")}).loadConfig(); err == nil {
		t.Fatal("a missing catalogue file accepted")
	}
}

// The Governing Board's seats and quorum are a file beside the
// configuration, parsed strictly at start and handed to the store.
func TestConfigBoard(t *testing.T) {
	dir := t.TempDir()
	def, err := os.ReadFile("../../internal/board/default.json")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) string {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(dir, "config.json")
	}
	write("board.json", strings.Replace(string(def), `"agenda_notice_hours": 72`, `"agenda_notice_hours": 48`, 1))
	c, err := (&dbFlags{config: write("config.json", `{"board":"board.json"}`)}).loadConfig()
	if err != nil || c.board == nil || c.board.Notice() != 48*time.Hour {
		t.Fatalf("good board file: %v %+v", err, c)
	}
	write("board.json", strings.Replace(string(def), `"agenda_notice_hours": 72`, `"agenda_notice_hours": 72, "quorum_rule": "none"`, 1))
	if _, err := (&dbFlags{config: write("config.json", `{"board":"board.json"}`)}).loadConfig(); err == nil || !strings.Contains(err.Error(), "board board.json") {
		t.Fatalf("an unknown key in the board file: %v", err)
	}
	if _, err := (&dbFlags{config: write("config.json", `{"board":"missing.json"}`)}).loadConfig(); err == nil {
		t.Fatal("a missing board file accepted")
	}
}

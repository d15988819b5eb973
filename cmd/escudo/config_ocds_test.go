package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The contracts' OCID prefix is configuration, checked for the shape the
// Open Contracting Partnership registers: ocds- and six letters or digits.
func TestConfigOCDSPrefix(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.json")
	load := func(body string) (*Config, error) {
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return (&dbFlags{config: p}).loadConfig()
	}
	c, err := load(`{"ocds_prefix":"ocds-213czf"}`)
	if err != nil || c.OCDSPrefix != "ocds-213czf" {
		t.Fatalf("a registered prefix: %v %+v", err, c)
	}
	if c, err := load(`{}`); err != nil || c.OCDSPrefix != "" {
		t.Fatalf("no prefix: %v %+v", err, c)
	}
	for _, bad := range []string{"213czf", "ocds-213cz", "ocds-213czfa", "OCDS-213czf", "ocds-213CZF", "ocds-213-zf", "ocds_213czf"} {
		_, err := load(`{"ocds_prefix":"` + bad + `"}`)
		if err == nil || !strings.Contains(err.Error(), "ocds_prefix") || !strings.Contains(err.Error(), "six lowercase letters or digits") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

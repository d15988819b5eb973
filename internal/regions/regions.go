// Package regions holds the grouping of the 32 federal entities into
// regions (issue 17; docs/statistics.md, "Stocks and regions"): the
// statistics publish a table by entity by region instead when, by entity,
// disclosure control would withhold most of its cells. The default is the
// grouping of Banco de México's regional economic reports (Reporte sobre
// las Economías Regionales); an installation can configure its own, which
// is checked strictly: every entity in exactly one region. Pure Go, no
// database.
package regions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"escudo"
)

// Unknown is the code of the cases whose entity matches none; it is its
// own region, so that a national total still counts every record.
const Unknown = "ND"

// Map is a grouping: its regions in order, and each entity's region.
type Map struct {
	Order    []string          // region codes, in the order tables show them
	ByEntity map[string]string // entity code → region code (Unknown → Unknown)
	Names    map[string]string // region code → the name a configuration gave it
}

// Region is one region of a configuration: its code (what tables and files
// name it by), the name readers see when the translations have none for
// the code, and its entities.
type Region struct {
	Code     string   `json:"code"`
	Name     string   `json:"name,omitempty"`
	Entities []string `json:"entities"`
}

// Banxico is the grouping of Banco de México's regional economic reports:
// norte, centro norte, centro, sur.
var Banxico = []Region{
	{Code: "norte", Entities: []string{"BC", "CHH", "COA", "NL", "SON", "TAM"}},
	{Code: "centro_norte", Entities: []string{"AGS", "BCS", "COL", "DUR", "JAL", "MIC", "NAY", "SLP", "SIN", "ZAC"}},
	{Code: "centro", Entities: []string{"CDMX", "GTO", "HGO", "MEX", "MOR", "PUE", "QRO", "TLX"}},
	{Code: "sur", Entities: []string{"CAM", "CHS", "GRO", "OAX", "QR", "TAB", "VER", "YUC"}},
}

// Default is the Banxico grouping as a Map.
func Default() Map {
	m, err := New(Banxico)
	if err != nil {
		panic(err)
	}
	return m
}

// New checks a grouping: at least two regions, codes of lower-case
// letters, digits and underscores (not Unknown), unique, each with at least
// one entity, and every one of the 32 federal entities in exactly one.
func New(rs []Region) (Map, error) {
	if len(rs) < 2 {
		return Map{}, fmt.Errorf("regions: at least two regions, got %d", len(rs))
	}
	m := Map{ByEntity: map[string]string{Unknown: Unknown}, Names: map[string]string{}}
	seen := map[string]bool{}
	for _, r := range rs {
		if !validCode(r.Code) || strings.EqualFold(r.Code, Unknown) {
			return Map{}, fmt.Errorf("regions: region code %q: lower-case letters, digits and underscores, up to 40", r.Code)
		}
		if seen[r.Code] {
			return Map{}, fmt.Errorf("regions: region %q twice", r.Code)
		}
		seen[r.Code] = true
		if name := strings.TrimSpace(r.Name); name != "" {
			if len(name) > 80 {
				return Map{}, fmt.Errorf("regions: region %q: a name of up to 80 bytes", r.Code)
			}
			m.Names[r.Code] = name
		}
		if len(r.Entities) == 0 {
			return Map{}, fmt.Errorf("regions: region %q has no entity", r.Code)
		}
		for _, e := range r.Entities {
			if _, ok := escudo.LookupFederalEntity(e); !ok {
				return Map{}, fmt.Errorf("regions: region %q: unknown federal entity %q", r.Code, e)
			}
			if prev, ok := m.ByEntity[e]; ok {
				return Map{}, fmt.Errorf("regions: entity %s in both %q and %q", e, prev, r.Code)
			}
			m.ByEntity[e] = r.Code
		}
		m.Order = append(m.Order, r.Code)
	}
	var missing []string
	for _, e := range escudo.FederalEntities {
		if _, ok := m.ByEntity[e.Code]; !ok {
			missing = append(missing, e.Code)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return Map{}, fmt.Errorf("regions: entities in no region: %s", strings.Join(missing, ", "))
	}
	m.Order = append(m.Order, Unknown)
	return m, nil
}

func validCode(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// Parse reads the configuration key regions: absent or null is the
// default; a string names a JSON file holding the list, which read returns
// (the caller resolves it beside the configuration file, so this package
// does no I/O); a list is the grouping itself,
// [{"code": "noroeste", "name": "Noroeste", "entities": ["BC", ...]}, ...].
// Unknown fields are refused.
func Parse(raw json.RawMessage, read func(name string) ([]byte, error)) (Map, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return Default(), nil
	}
	if raw[0] == '"' {
		var path string
		if err := json.Unmarshal(raw, &path); err != nil {
			return Map{}, fmt.Errorf("regions: %w", err)
		}
		b, err := read(path)
		if err != nil {
			return Map{}, fmt.Errorf("regions: %w", err)
		}
		if raw = bytes.TrimSpace(b); len(raw) == 0 || raw[0] != '[' {
			return Map{}, fmt.Errorf("regions: %s: a JSON list of regions", path)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var rs []Region
	if err := dec.Decode(&rs); err != nil {
		return Map{}, fmt.Errorf("regions: %w", err)
	}
	if dec.More() {
		return Map{}, fmt.Errorf("regions: trailing data after the list")
	}
	return New(rs)
}

// IsRegion reports whether code is one of the map's regions.
func (m Map) IsRegion(code string) bool {
	for _, r := range m.Order {
		if r == code && r != Unknown {
			return true
		}
	}
	return false
}

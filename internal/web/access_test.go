package web

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/access"
)

// Every field of a person has a compartment in the table or is routing
// data, so a new field cannot reach readers unclassified.
func TestEveryPersonFieldHasACompartment(t *testing.T) {
	for name := range StructFields(reflect.TypeOf(escudo.Person{})) {
		if _, ok := access.PersonFields[name]; !ok && !slices.Contains(access.PersonRouting, name) {
			t.Errorf("person field %q has no compartment in access.PersonFields", name)
		}
	}
}

// RedactPerson leaves a field only when the decision shows its compartment:
// a contractor whose task grants logistics alone gets routing data only.
func TestRedactPersonByCompartment(t *testing.T) {
	full := func() *escudo.Person {
		return &escudo.Person{ID: 7, Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Ana", Alias: "La Güera",
			Gender: "mujer", Ethnicity: "mixteca", Language: "mixteco", Entity: "GRO", Municipality: "Tlapa de Comonfort",
			Occupation: "fotoperiodista", Organization: "El Faro", Phone: "+52 757 555 0101", Email: "ana@example.org",
			Address: "Calle 1", Contact: escudo.ContactPrefs{Channel: escudo.ContactPhone, SafeFrom: "09:00", SafeUntil: "18:00"},
			Relatives: []escudo.Relative{{Name: "Rosa", Relationship: "madre"}}, Members: []escudo.Member{{Name: "B"}}}
	}
	for _, shown := range [][]string{nil, {access.Logistics}, {access.Identity}, {access.Location}, access.AllCompartments} {
		p := full()
		RedactPerson(p, access.Decision{Allowed: true, Fields: shown}, true)
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var got, want map[string]any
		_ = json.Unmarshal(b, &got)
		b, _ = json.Marshal(full())
		_ = json.Unmarshal(b, &want)
		for field, comp := range access.PersonFields {
			visible := slices.Contains(shown, comp)
			empty := got[field] == nil || got[field] == "" || reflect.DeepEqual(got[field], map[string]any{"channel": "", "never_sms": false})
			if visible && empty {
				t.Errorf("shown %v: %s (%s) withheld", shown, field, comp)
			}
			if !visible && !empty {
				t.Errorf("shown %v: %s (%s) = %v reaches the reader", shown, field, comp, got[field])
			}
		}
		for _, field := range access.PersonRouting {
			if !reflect.DeepEqual(got[field], want[field]) {
				t.Errorf("shown %v: routing field %s changed", shown, field)
			}
		}
		if strings.Contains(string(b), "Tlapa") && !slices.Contains(shown, access.Location) && strings.Contains(mustJSON(p), "Tlapa") {
			t.Errorf("municipality shown without the location compartment")
		}
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

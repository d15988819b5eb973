package directory

import "testing"

// Every reference body is a valid agency with a code of its own, and every
// entity has its government, prosecutor and commission.
func TestReferenceIsValid(t *testing.T) {
	codes := map[string]bool{}
	perEntity := map[string]map[Kind]bool{}
	for _, a := range Reference() {
		if err := a.Validate(); err != nil {
			t.Errorf("%s: %v", a.Code, err)
		}
		if codes[a.Code] {
			t.Errorf("code %s twice", a.Code)
		}
		codes[a.Code] = true
		if a.Entity != "" {
			if perEntity[a.Entity] == nil {
				perEntity[a.Entity] = map[Kind]bool{}
			}
			perEntity[a.Entity][a.Kind] = true
		}
	}
	if len(perEntity) != 32 {
		t.Fatalf("%d entities", len(perEntity))
	}
	for e, kinds := range perEntity {
		if !kinds[KindGovernment] || !kinds[KindProsecutor] || !kinds[KindCommission] {
			t.Errorf("%s lacks a body: %v", e, kinds)
		}
	}
	if !codes["feadle"] || !codes["cidh"] || !codes["cndh"] {
		t.Error("a federal body is missing")
	}
}

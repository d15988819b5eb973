package api

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/web"
)

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

// TestOpenAPISchemasMatchTypes keeps the documented properties and the JSON
// names of the Go types in step, in both directions.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	schemas := loadOpenAPI(t)["components"].(map[string]any)["schemas"].(map[string]any)
	for name, v := range map[string]any{
		"Error": web.APIErrorBody{}, "FieldError": web.APIFieldError{}, "ContactPrefs": escudo.ContactPrefs{}, "Relative": escudo.Relative{},
		"Member": escudo.Member{}, "PersonInput": personInput{}, "Person": escudo.Person{}, "CaseCreate": caseCreateRequest{},
		"PublicRequest": publicRequestInput{}, "PublicReceipt": publicReceipt{}, "PublicStatusQuery": publicStatusInput{},
		"PublicEvent": publicEvent{}, "PublicStatus": publicStatusView{}, "CaseSummary": caseSummary{}, "CaseDetail": caseDetail{},
		"CaseList": caseList{}, "CaseCreated": caseCreated{}, "AdmissionDecision": admissionInput{}, "Assignment": assignmentInput{},
		"MilestoneInput": milestoneInput{}, "NoteInput": noteInput{}, "Event": escudo.Event{}, "EventList": eventList{},
		"ClockState": escudo.ClockState{}, "BacklogRow": backlogRow{}, "Backlog": backlogView{}, "FederalEntity": federalEntityView{},
		"FederalEntityList": itemsOf[federalEntityView]{}, "ClockRule": escudo.ClockRule{}, "ClockRuleList": itemsOf[escudo.ClockRule]{},
		"Device": escudo.Device{}, "DeviceCreate": deviceCreateRequest{}, "DeviceCreated": deviceCreated{},
		"AlertAccepted": web.AlertAccepted{}, "Location": escudo.Location{}, "Alert": escudo.Alert{}, "AlertCreate": alertCreateRequest{},
		"AlertDispatch": alertDispatchRequest{}, "AlertResolve": alertResolveRequest{}, "Supervision": supervisionJSON{},
		"UntestedDevice": store.UntestedDevice{}, "DurationStats": store.DurationStats{}, "ResponseStats": store.ResponseStats{},
		"ResponseReport": store.ResponseReport{}, "DrillRequest": drillRequest{}, "Drill": store.Drill{},
	} {
		s, ok := schemas[name].(map[string]any)
		if !ok {
			t.Errorf("schema %s missing", name)
			continue
		}
		var documented []string
		for p := range s["properties"].(map[string]any) {
			documented = append(documented, p)
		}
		var actual []string
		for p := range web.StructFields(reflect.TypeOf(v)) {
			actual = append(actual, p)
		}
		sort.Strings(documented)
		sort.Strings(actual)
		if !reflect.DeepEqual(documented, actual) {
			t.Errorf("schema %s documents %v; %T has %v", name, documented, v, actual)
		}
	}
	inner := schemas["Error"].(map[string]any)["properties"].(map[string]any)["error"].(map[string]any)["properties"].(map[string]any)
	for p := range web.StructFields(reflect.TypeOf(web.APIErrorDetail{})) {
		if inner[p] == nil {
			t.Errorf("Error.error lacks %s", p)
		}
	}
}

package http

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/testdb"
)

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsWellFormed(t *testing.T) {
	doc := loadOpenAPI(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Fatalf("openapi version %q", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Fatal("info needs title and version")
	}
	for _, k := range []string{"paths", "components"} {
		if _, ok := doc[k].(map[string]any); !ok {
			t.Fatalf("missing %s", k)
		}
	}
	// Every reference resolves.
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if resolveRef(doc, ref) == nil {
					t.Errorf("unresolved %s", ref)
				}
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(doc)
	// Every operation answers errors in the one shape, every body can be
	// refused, and every staff route can refuse a caller.
	for path, item := range doc["paths"].(map[string]any) {
		for method, v := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			op := v.(map[string]any)
			if op["operationId"] == nil {
				t.Errorf("%s %s: no operationId", method, path)
			}
			resp := op["responses"].(map[string]any)
			if op["requestBody"] != nil {
				for _, code := range []string{"400", "415"} {
					if resp[code] == nil {
						t.Errorf("%s %s: takes a body but documents no %s", method, path, code)
					}
				}
			}
			if sec, ok := op["security"].([]any); !ok || len(sec) > 0 {
				if resp["401"] == nil {
					t.Errorf("%s %s: staff route without 401", method, path)
				}
			}
		}
	}
}

func resolveRef(doc map[string]any, ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var cur any = doc
	for _, part := range strings.Split(ref[2:], "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// TestOpenAPICoversRoutes fails when a route is missing from the document
// or the document names a route that does not exist, and checks that the
// route table is what the server registered, public routes without security.
func TestOpenAPICoversRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := map[string]bool{}
	public := map[string]bool{}
	permission := map[string]string{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			key := strings.ToUpper(method) + " " + path
			documented[key] = true
			if sec, ok := op.(map[string]any)["security"].([]any); ok && len(sec) == 0 {
				public[key] = true
			}
			permission[key], _ = op.(map[string]any)["x-permission"].(string)
		}
	}
	a := newAPISite(t, testdb.OpenSQLite(t, testdb.Options{}), Options{})
	routes := map[string]bool{}
	for _, rt := range a.srv.apiRoutes(nil, nil) {
		key := rt.Method + " " + rt.Path
		routes[key] = true
		if !documented[key] {
			t.Errorf("route %s is missing from openapi.json", key)
		}
		if public[key] != rt.Public {
			t.Errorf("route %s: public %v in the table, %v in the document", key, rt.Public, public[key])
		}
		if permission[key] != string(rt.Action) {
			t.Errorf("route %s: permission %q in the table, %q in the document", key, rt.Action, permission[key])
		}
		// The table is what the server serves.
		path := strings.ReplaceAll(rt.Path, "{id}", "1")
		if _, pattern := a.srv.mux.Handler(httptest.NewRequest(rt.Method, path, nil)); pattern != key {
			t.Errorf("route %s is served by %q", key, pattern)
		}
	}
	for key := range documented {
		if !routes[key] {
			t.Errorf("openapi.json names %s, which is no route", key)
		}
	}
}

// TestOpenAPISchemasMatchTypes keeps the documented properties and the JSON
// names of the Go types in step, in both directions.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	schemas := loadOpenAPI(t)["components"].(map[string]any)["schemas"].(map[string]any)
	for name, v := range map[string]any{
		"Error": apiErrorBody{}, "FieldError": apiFieldError{}, "ContactPrefs": escudo.ContactPrefs{}, "Relative": escudo.Relative{},
		"Member": escudo.Member{}, "PersonInput": personInput{}, "Person": escudo.Person{}, "CaseCreate": caseCreateRequest{},
		"PublicRequest": publicRequestInput{}, "PublicReceipt": publicReceipt{}, "PublicStatusQuery": publicStatusInput{},
		"PublicEvent": publicEvent{}, "PublicStatus": publicStatusView{}, "CaseSummary": caseSummary{}, "CaseDetail": caseDetail{},
		"CaseList": caseList{}, "CaseCreated": caseCreated{}, "AdmissionDecision": admissionInput{}, "Assignment": assignmentInput{},
		"MilestoneInput": milestoneInput{}, "NoteInput": noteInput{}, "Event": escudo.Event{}, "EventList": eventList{},
		"ClockState": escudo.ClockState{}, "BacklogRow": backlogRow{}, "Backlog": backlogView{}, "FederalEntity": federalEntityView{},
		"FederalEntityList": itemsOf[federalEntityView]{}, "ClockRule": escudo.ClockRule{}, "ClockRuleList": itemsOf[escudo.ClockRule]{},
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
		for p := range structFields(reflect.TypeOf(v)) {
			actual = append(actual, p)
		}
		sort.Strings(documented)
		sort.Strings(actual)
		if !reflect.DeepEqual(documented, actual) {
			t.Errorf("schema %s documents %v; %T has %v", name, documented, v, actual)
		}
	}
	inner := schemas["Error"].(map[string]any)["properties"].(map[string]any)["error"].(map[string]any)["properties"].(map[string]any)
	for p := range structFields(reflect.TypeOf(apiErrorDetail{})) {
		if inner[p] == nil {
			t.Errorf("Error.error lacks %s", p)
		}
	}
}

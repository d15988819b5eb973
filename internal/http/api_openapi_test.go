package http

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/testdb"
	"escudo/internal/web"
	"escudo/internal/web/api"
)

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
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
	schemes, _ := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)
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
			// Device and gateway endpoints read any content type; the
			// staff and public JSON routes insist on application/json.
			machine := usesScheme(op, "deviceToken", "deviceSignature", "gatewaySignature")
			if op["requestBody"] != nil {
				for _, code := range []string{"400", "415"} {
					if resp[code] == nil && (code == "400" || !machine) {
						t.Errorf("%s %s: takes a body but documents no %s", method, path, code)
					}
				}
			}
			if sec, ok := op["security"].([]any); !ok || len(sec) > 0 {
				if resp["401"] == nil {
					t.Errorf("%s %s: route with security but without 401", method, path)
				}
			}
			// Every error answer is the one error shape.
			for code, r := range resp {
				if code[0] == '2' {
					continue
				}
				r := r.(map[string]any)
				if ref, ok := r["$ref"].(string); ok {
					r, _ = resolveRef(doc, ref).(map[string]any)
				}
				content, _ := r["content"].(map[string]any)
				media, _ := content["application/json"].(map[string]any)
				schema, _ := media["schema"].(map[string]any)
				if schema["$ref"] != "#/components/schemas/Error" {
					t.Errorf("%s %s: answer %s is not the Error shape", method, path, code)
				}
			}
			// Every security scheme named is defined.
			sec, _ := op["security"].([]any)
			for _, req := range sec {
				for name := range req.(map[string]any) {
					if schemes[name] == nil {
						t.Errorf("%s %s: undefined security scheme %s", method, path, name)
					}
				}
			}
		}
	}
}

// usesScheme reports whether the operation names one of the security
// schemes.
func usesScheme(op map[string]any, names ...string) bool {
	sec, _ := op["security"].([]any)
	for _, req := range sec {
		for name := range req.(map[string]any) {
			if slices.Contains(names, name) {
				return true
			}
		}
	}
	return false
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

// documentedOps indexes the document's operations by "METHOD /path".
func documentedOps(doc map[string]any) map[string]map[string]any {
	ops := map[string]map[string]any{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			ops[strings.ToUpper(method)+" "+path] = op.(map[string]any)
		}
	}
	return ops
}

// servedAPIRoutes lists the /api/v1 patterns registered on the server's
// mux by every area (table, devices, supervision, ...), without the
// catch-all that answers unmatched API paths.
func servedAPIRoutes(t *testing.T, srv *Server) []string {
	t.Helper()
	var out []string
	for _, p := range srv.Mux.Patterns() {
		method, path, ok := strings.Cut(p, " ")
		if !ok || !strings.HasPrefix(path, api.Prefix) {
			if strings.HasPrefix(p, api.Prefix) && p != api.Prefix {
				t.Errorf("API route %q is registered without a method", p)
			}
			continue
		}
		out = append(out, method+" "+path)
	}
	if len(out) == 0 {
		t.Fatal("no API routes registered")
	}
	return out
}

// TestOpenAPICoversRoutes fails when a route the server serves is missing
// from the document or the document names a route that is not served, and
// checks the route table's public flags and permissions against it.
func TestOpenAPICoversRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	ops := documentedOps(doc)
	a := newAPISite(t, testdb.OpenSQLite(t, testdb.Options{}), Options{})
	served := map[string]bool{}
	for _, key := range servedAPIRoutes(t, a.srv) {
		if served[key] {
			t.Errorf("route %s is registered twice", key)
		}
		served[key] = true
		if ops[key] == nil {
			t.Errorf("route %s is served but missing from openapi.json", key)
		}
	}
	for key := range ops {
		if !served[key] {
			t.Errorf("openapi.json names %s, which the server does not serve", key)
		}
	}
	table := map[string]bool{}
	for _, rt := range api.Routes() {
		key := rt.Method + " " + rt.Path
		table[key] = true
		op := ops[key]
		if op == nil {
			continue // reported above
		}
		sec, hasSec := op["security"].([]any)
		if public := hasSec && len(sec) == 0; public != rt.Public {
			t.Errorf("route %s: public %v in the table, %v in the document", key, rt.Public, public)
		}
		if perm, _ := op["x-permission"].(string); perm != string(rt.Action) {
			t.Errorf("route %s: permission %q in the table, %q in the document", key, rt.Action, perm)
		}
	}
	// Routes outside the table all authenticate someone: staff by session
	// or token (the document's default), devices by their own secret, the
	// SMS gateway by its signature.
	for key := range served {
		op := ops[key]
		if op == nil || table[key] {
			continue
		}
		sec, hasSec := op["security"].([]any)
		if hasSec && len(sec) == 0 {
			t.Errorf("route %s is documented as public", key)
		}
		if op["x-permission"] != nil {
			t.Errorf("route %s is outside the permission table but documents x-permission", key)
		}
		path := key[strings.Index(key, " ")+1:]
		switch {
		case path == "/api/v1/sms/inbound":
			if !hasSec || !usesScheme(op, "gatewaySignature") || usesScheme(op, "bearerAuth", "sessionCookie", "deviceToken", "deviceSignature") {
				t.Errorf("route %s: security %v, want the gateway signature only", key, sec)
			}
		case key == "POST /api/v1/devices/{id}/alerts" || key == "POST /api/v1/devices/{id}/heartbeat":
			if !hasSec || !usesScheme(op, "deviceToken") || !usesScheme(op, "deviceSignature") || usesScheme(op, "bearerAuth", "sessionCookie", "gatewaySignature") {
				t.Errorf("route %s: security %v, want the device token or signature only", key, sec)
			}
		default:
			if hasSec && !usesScheme(op, "bearerAuth", "sessionCookie") {
				t.Errorf("route %s: security %v, want staff session or token", key, sec)
			}
		}
	}
}

// TestOpenAPIDocumentsAnswers calls every served API route with an empty
// JSON object, as nobody, as a reception officer (no alert role) and as a
// duty operator, on a server without alert pipeline, supervisor or drill
// runner: each status must be one the document lists for the operation,
// and every refusal must come in the Error shape.
func TestOpenAPIDocumentsAnswers(t *testing.T) {
	doc := loadOpenAPI(t)
	ops := documentedOps(doc)
	db := testdb.OpenSQLite(t, testdb.Options{})
	a := newAPISite(t, db, Options{})
	duty := webUser(t, db, "guardia", escudo.RoleDuty)
	_, dutyToken, err := db.CreateAPIToken(t.Context(), duty.ID, "tests", 0)
	if err != nil {
		t.Fatal(err)
	}
	ids := strings.NewReplacer("{id}", "1", "{consent}", "1")
	for _, caller := range []struct{ name, token string }{{"nobody", ""}, {"reception", a.token}, {"duty", dutyToken}} {
		for _, key := range servedAPIRoutes(t, a.srv) {
			op := ops[key]
			if op == nil {
				continue // TestOpenAPICoversRoutes reports it
			}
			method, path, _ := strings.Cut(key, " ")
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(method, ids.Replace(path), strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			if caller.token != "" {
				req.Header.Set("Authorization", "Bearer "+caller.token)
			}
			a.srv.ServeHTTP(rec, req)
			code := strconv.Itoa(rec.Code)
			if op["responses"].(map[string]any)[code] == nil {
				t.Errorf("%s answers %s to %s, which the document does not list", key, code, caller.name)
			}
			if rec.Code < 300 {
				continue
			}
			var body web.APIErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code == "" || body.Error.Key == "" || body.Error.Message == "" {
				t.Errorf("%s: answer %s to %s is not the Error shape: %s", key, code, caller.name, rec.Body.String())
			}
		}
	}
}

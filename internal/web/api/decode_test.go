package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/web"
)

// decodeOutcome summarises a decoding error for table tests.
func decodeOutcome(err error) string {
	if err == nil {
		return "ok"
	}
	var e *escudo.Error
	if errors.As(err, &e) && e.Field == "" {
		return e.Key
	}
	if v, ok := escudo.AsValidation(err); ok {
		var parts []string
		for _, fe := range v {
			parts = append(parts, fe.Field+"="+fe.Key)
		}
		return strings.Join(parts, ",")
	}
	return "other: " + err.Error()
}

func TestDecodeStrict(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"minimal", `{"note":"hola"}`, "ok"},
		{"whitespace around", " \n\t{\"note\":\"hola\"}\r\n ", "ok"},
		{"empty", ``, "error.empty_body"},
		{"blank", "  \n", "error.empty_body"},
		{"truncated", `{"note":"hola"`, "error.malformed_json"},
		{"bare word", `hola`, "error.malformed_json"},
		{"single quotes", `{'note':'hola'}`, "error.malformed_json"},
		{"comment", `{"note":"hola"} // fin`, "error.trailing_data"},
		{"trailing object", `{"note":"a"}{"note":"b"}`, "error.trailing_data"},
		{"trailing garbage", `{"note":"a"}x`, "error.trailing_data"},
		{"trailing comma", `{"note":"a",}`, "error.malformed_json"},
		{"string body", `"hola"`, "error.body_not_object"},
		{"array body", `[{"note":"hola"}]`, "error.body_not_object"},
		{"number body", `12`, "error.body_not_object"},
		{"number for string", `{"note":5}`, "note=validation.type"},
		{"object for string", `{"note":{"a":1}}`, "note=validation.type"},
		{"unknown", `{"note":"a","nota":"b"}`, "nota=validation.unknown_field"},
		{"case variant", `{"NOTE":"a"}`, "NOTE=validation.unknown_field"},
		{"repeat", `{"note":"a","note":"b"}`, "note=validation.duplicate_field"},
		{"repeat with other case", `{"note":"a","Note":"b"}`, "Note=validation.duplicate_field"},
		{"invalid UTF-8", "{\"note\":\"\xc3\x28\"}", "error.body_encoding"},
		{"lone surrogate escape is text", `{"note":"\ud800"}`, "ok"},
		{"null value", `{"note":null}`, "ok"},
		{"deep", `{"note":"a","x":` + strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40) + `}`, "error.too_deep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in noteInput
			if got := decodeOutcome(web.DecodeStrict([]byte(tc.body), &in)); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestDecodeStrictNestedPaths(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"list element", `{"person":{"relatives":[{"name":"a"},{"name":"b","age":3}]}}`, "person.relatives[1].age=validation.unknown_field"},
		{"list element type", `{"person":{"relatives":[{"name":7}]}}`, "person.relatives[0].name=validation.type"},
		{"list of wrong things", `{"person":{"relatives":"mamá"}}`, "person.relatives=validation.type"},
		{"nested bool", `{"person":{"contact":{"never_sms":"sí"}}}`, "person.contact.never_sms=validation.type"},
		{"several at once", `{"a":1,"b":2,"person":{"c":3}}`, "a=validation.unknown_field,b=validation.unknown_field,person.c=validation.unknown_field"},
		{"negative for bool", `{"imminent_danger":-1}`, "imminent_danger=validation.type"},
		{"times are strings", `{"received_at":12}`, "received_at=validation.type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in caseCreateRequest
			if got := decodeOutcome(web.DecodeStrict([]byte(tc.body), &in)); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// An abusive body with thousands of unknown keys is cut short, not echoed whole.
func TestDecodeStrictBoundsErrorList(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 5000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + `":` + `1`)
	}
	b.WriteString("}")
	var in noteInput
	err := web.DecodeStrict([]byte(b.String()), &in)
	v, ok := escudo.AsValidation(err)
	if !ok || len(v) == 0 || len(v) > escudo.MaxListItems+1 {
		t.Fatalf("got %d errors (%v)", len(v), err)
	}
}

func TestReadJSONBody(t *testing.T) {
	for _, tc := range []struct {
		name, ctype string
		size        int
		want        string
	}{
		{"json", "application/json", 10, "ok"},
		{"json utf-8", "application/json; charset=utf-8", 10, "ok"},
		{"at the limit", "application/json", web.MaxBodyBytes, "ok"},
		{"over the limit", "application/json", web.MaxBodyBytes + 1, "error.body_too_large"},
		{"text", "text/plain", 10, "error.unsupported_media_type"},
		{"json-ish", "application/jsonp", 10, "error.unsupported_media_type"},
		{"none", "", 10, "error.unsupported_media_type"},
		{"garbled", "application/json; charset", 10, "error.unsupported_media_type"},
		{"utf-16", "application/json; charset=utf-16", 10, "error.unsupported_media_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/v1/cases", strings.NewReader(strings.Repeat(" ", tc.size)))
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			b, err := web.ReadJSONBody(httptest.NewRecorder(), r)
			got := decodeOutcome(err)
			if got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if err == nil && len(b) != tc.size {
				t.Fatalf("read %d bytes of %d", len(b), tc.size)
			}
			if tc.want == "error.unsupported_media_type" && !errors.Is(err, web.ErrUnsupportedMedia) {
				t.Fatal("media type errors must map to 415")
			}
		})
	}
}

// Request types must refuse every server-owned field: a client that sends
// one gets told, rather than seeing it silently ignored.
func TestRequestTypesHaveNoServerFields(t *testing.T) {
	owned := []string{"id", "reference", "stage", "created_at", "updated_at", "created_by", "person_id", "code_mac"}
	for _, v := range []any{caseCreateRequest{}, publicRequestInput{}, personInput{}, admissionInput{}, assignmentInput{}, milestoneInput{}, noteInput{}} {
		fields := web.StructFields(reflect.TypeOf(v))
		for _, f := range owned {
			if _, ok := fields[f]; ok {
				t.Errorf("%T accepts server-owned field %q", v, f)
			}
		}
	}
}

func TestAPIErrorShape(t *testing.T) {
	s := &web.Core{Log: slog.New(slog.DiscardHandler)}
	for _, tc := range []struct {
		name   string
		err    error
		status int
		want   []string
		forbid []string
	}{
		{"field", escudo.FieldError("note", "validation.required", nil), 400, []string{`"fields":[{"field":"note","code":"validation.required"`, `"key":"error.invalid_input"`}, nil},
		{"not found", escudo.Errorf(escudo.ENOTFOUND, "error.not_found"), 404, []string{`"code":"not_found"`}, []string{`"fields"`}},
		{"conflict", escudo.Errorf(escudo.ECONFLICT, "error.case_closed"), 409, []string{`"key":"error.case_closed"`}, nil},
		{"media", web.ErrUnsupportedMedia, 415, []string{`"key":"error.unsupported_media_type"`}, nil},
		{"internal", errors.New(`pq: relation "cases" violates constraint on secret_column`), 500, []string{`"code":"internal"`, `"key":"error.internal"`},
			[]string{"pq:", "secret_column", "cases"}},
		{"wrapped internal", escudo.Errorf(escudo.EINTERNAL, "error.db_url"), 500, []string{`"key":"error.internal"`}, []string{"db_url"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			s.APIError(w, httptest.NewRequest("GET", "/api/v1/cases", nil), tc.err)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			var body web.APIErrorBody
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
				t.Fatalf("shape: %v %s", err, w.Body)
			}
			for _, s := range tc.want {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("lacks %s: %s", s, w.Body)
				}
			}
			for _, s := range tc.forbid {
				if strings.Contains(w.Body.String(), s) {
					t.Errorf("shows %s: %s", s, w.Body)
				}
			}
		})
	}
}

func TestPathID(t *testing.T) {
	for s, want := range map[string]bool{"1": true, "42": true, "9223372036854775807": true, "0": false, "-1": false, "+1": false,
		"01": false, "1.0": false, "1e3": false, "": false, "9223372036854775808": false, " 1": false, "abc": false} {
		if _, ok := web.PathID(s); ok != want {
			t.Errorf("pathID(%q) = %v, want %v", s, ok, want)
		}
	}
}

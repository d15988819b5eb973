// Package jsonbody decodes the JSON bodies of the API strictly: one object
// into a struct, refusing what encoding/json tolerates, with errors that
// name the offending field by its full path (internal/web's DecodeStrict).
package jsonbody

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"escudo"
)

// MaxDepth bounds nesting; no request of the API nests deeper than four.
const MaxDepth = 32

// Decode decodes one JSON object into dst, a pointer to a struct. It
// refuses what encoding/json tolerates: invalid UTF-8 (silently replaced by
// the standard decoder), object keys that differ from the declared names only
// in case, repeated keys (different parsers keep different ones), unknown
// keys, excessive nesting and anything after the value. Errors name the
// offending field with its full path, e.g. "person.contact.channel".
func Decode(b []byte, dst any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return escudo.Errorf(escudo.EINVALID, "error.empty_body")
	}
	if !utf8.Valid(b) {
		return escudo.Errorf(escudo.EINVALID, "error.body_encoding")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var fields escudo.ValidationErrors
	if err := checkShape(dec, reflect.TypeOf(dst), "", 0, &fields); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return escudo.Errorf(escudo.EINVALID, "error.trailing_data")
	}
	if len(fields) > 0 {
		return fields
	}
	if err := json.Unmarshal(b, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if te.Field == "" {
				return escudo.Errorf(escudo.EINVALID, "error.body_not_object")
			}
			return escudo.ValidationErrors{escudo.FieldError(te.Field, "validation.type", map[string]any{"Type": jsonTypeName(te.Type)})}
		}
		// A value that a field's own decoder refused; request types keep
		// times as strings so this does not happen for them.
		return escudo.Errorf(escudo.EINVALID, "error.malformed_json")
	}
	return nil
}

// checkShape walks one JSON value, comparing object keys with the JSON names
// of t. A nil t accepts any keys (maps, free-form values, or a value whose type
// mismatch json.Unmarshal reports afterwards) but still refuses repeats.
func checkShape(dec *json.Decoder, t reflect.Type, path string, depth int, fields *escudo.ValidationErrors) error {
	if depth > MaxDepth {
		return escudo.Errorf(escudo.EINVALID, "error.too_deep")
	}
	tok, err := dec.Token()
	if err != nil {
		return escudo.Errorf(escudo.EINVALID, "error.malformed_json")
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler)) {
		t = nil // the type decodes itself; json.Unmarshal checks it
	}
	delim, ok := tok.(json.Delim)
	if depth == 0 && t != nil && t.Kind() == reflect.Struct && delim != '{' && tok != nil {
		return escudo.Errorf(escudo.EINVALID, "error.body_not_object")
	}
	if !ok {
		if t != nil && !scalarFits(tok, t) {
			fields.Add(path, "validation.type", map[string]any{"Type": jsonTypeName(t)})
		}
		return nil
	}
	if t != nil && !containerFits(delim, t) {
		fields.Add(path, "validation.type", map[string]any{"Type": jsonTypeName(t)})
		t = nil // walk on for repeats and depth only
	}
	switch delim {
	case '{':
		var known map[string]reflect.Type
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			known = StructFields(t)
		} else if t != nil && t.Kind() == reflect.Map {
			elem = t.Elem()
		}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return escudo.Errorf(escudo.EINVALID, "error.malformed_json")
			}
			key, _ := kt.(string)
			field := key
			if path != "" {
				field = path + "." + key
			}
			folded := strings.ToLower(key)
			var ft reflect.Type
			switch {
			case seen[folded]:
				fields.Add(field, "validation.duplicate_field", nil)
			case known != nil:
				var found bool
				if ft, found = known[key]; !found {
					fields.Add(field, "validation.unknown_field", nil)
				}
			case elem != nil:
				ft = elem
			}
			seen[folded] = true
			if len(*fields) > escudo.MaxListItems {
				return *fields // enough to explain; stop walking an abusive body
			}
			if err := checkShape(dec, ft, field, depth+1, fields); err != nil {
				return err
			}
		}
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := checkShape(dec, elem, path+"["+strconv.Itoa(i)+"]", depth+1, fields); err != nil {
				return err
			}
		}
	default:
		return escudo.Errorf(escudo.EINVALID, "error.malformed_json")
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return escudo.Errorf(escudo.EINVALID, "error.malformed_json")
	}
	return nil
}

// scalarFits reports whether a scalar token can decode into t. The path
// of a misfit is known here, list indices included, unlike in the errors of
// json.Unmarshal.
func scalarFits(tok json.Token, t reflect.Type) bool {
	if tok == nil {
		return true // null leaves the zero value
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.String:
		_, ok := tok.(string)
		return ok
	case reflect.Bool:
		_, ok := tok.(bool)
		return ok
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := tok.(json.Number)
		if !ok {
			return false
		}
		_, err := strconv.ParseInt(string(n), 10, t.Bits())
		return err == nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := tok.(json.Number)
		if !ok {
			return false
		}
		_, err := strconv.ParseUint(string(n), 10, t.Bits())
		return err == nil
	case reflect.Float32, reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return false
		}
		_, err := strconv.ParseFloat(string(n), t.Bits())
		return err == nil
	}
	return false
}

// containerFits reports whether an object or array can decode into t.
func containerFits(d json.Delim, t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Struct, reflect.Map:
		return d == '{'
	case reflect.Slice, reflect.Array:
		return d == '['
	}
	return false
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	fieldCache      sync.Map // reflect.Type -> map[string]reflect.Type
)

// StructFields maps the exact JSON names of a struct's fields to their types.
func StructFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range StructFields(f.Type) {
				m[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

// jsonTypeName names a Go type in JSON terms for error messages.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return "value"
}

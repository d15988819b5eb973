package web

import (
	"errors"
	"escudo/internal/jsonbody"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"escudo"
)

// MaxBodyBytes bounds every JSON request body.
const MaxBodyBytes = 1 << 20

// MaxJSONDepth bounds nesting; no request of the API nests deeper than four.
const MaxJSONDepth = jsonbody.MaxDepth

// ErrUnsupportedMedia is the one decoding error with its own status, 415.
var ErrUnsupportedMedia = &escudo.Error{Code: escudo.EINVALID, Key: "error.unsupported_media_type"}

// ReadJSONBody checks the content type and reads at most MaxBodyBytes of the
// body. The limit is enforced with http.MaxBytesReader so an oversized body
// also closes the connection instead of being drained.
func ReadJSONBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, ErrUnsupportedMedia
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, ErrUnsupportedMedia
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &escudo.Error{Code: escudo.EINVALID, Key: "error.body_too_large", Args: map[string]any{"Max": MaxBodyBytes}}
		}
		return nil, escudo.Errorf(escudo.EINVALID, "error.body_unreadable")
	}
	return b, nil
}

// DecodeBody reads and strictly decodes the request body into dst.
func DecodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	b, err := ReadJSONBody(w, r)
	if err != nil {
		return err
	}
	return DecodeStrict(b, dst)
}

// DecodeStrict decodes one JSON object into dst, a pointer to a struct,
// strictly (jsonbody.Decode): errors name the offending field's full path.
func DecodeStrict(b []byte, dst any) error { return jsonbody.Decode(b, dst) }

// StructFields maps the exact JSON names of a struct's fields to their types.
func StructFields(t reflect.Type) map[string]reflect.Type { return jsonbody.StructFields(t) }

// PathID reads a positive numeric id from the path; anything else is unknown.
func PathID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0 && strconv.FormatInt(id, 10) == s
}

// ValidText reports whether s is valid UTF-8 of at most max characters.
func ValidText(s string, max int) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= max
}

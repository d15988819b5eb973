package escudo

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// ErrTrailingJSON is DecodeStrict's answer when the data holds more than
// one JSON document.
var ErrTrailingJSON = errors.New("more than one JSON document")

// DecodeStrict decodes exactly one JSON document into v, refusing a field v
// does not have (a typo in a configuration file would otherwise leave the
// installation silently on defaults) and anything after the document
// (ErrTrailingJSON). The rules packages' Parse functions and the command's
// configuration file decode through it, each translating its errors.
func DecodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return ErrTrailingJSON
	}
	return nil
}

package letters

import (
	"bytes"
	"testing"
)

// FuzzVerify: whatever the file, Verify neither fails nor panics, and it
// calls a file valid only when it is exactly the genuine letter.
func FuzzVerify(f *testing.F) {
	genuine := render(f, letters(f, input(f))[2])
	f.Add(genuine)
	f.Add(genuine[:len(genuine)/2])
	f.Add([]byte(payloadOpen + "e30=" + payloadClose + sigOpen + sigClose))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, file []byte) {
		res, err := Verify(file, pub())
		if err != nil {
			t.Fatalf("Verify failed: %v", err)
		}
		if res.Valid() && !bytes.Equal(file, genuine) {
			t.Fatalf("a file other than the letter verified")
		}
	})
}

// FuzzParse: a payload Parse accepts is a valid document whose canonical
// form is the payload itself.
func FuzzParse(f *testing.F) {
	for _, d := range letters(f, input(f)) {
		f.Add(Canonical(d))
	}
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		d, err := Parse(payload)
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("accepted an invalid document: %v", err)
		}
		if !bytes.Equal(Canonical(d), payload) {
			t.Fatal("accepted a payload that is not canonical")
		}
	})
}

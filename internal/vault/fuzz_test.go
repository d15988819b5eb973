package vault_test

import (
	"bytes"
	"testing"

	"escudo/internal/vault"
)

// FuzzOpen feeds arbitrary and mutated envelopes to Open: it must never
// panic, and anything that is not exactly a sealed value for that field must
// be refused.
func FuzzOpen(f *testing.F) {
	k, err := vault.NewMasterKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	r, err := vault.NewKeyring(k, nil)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := r.NewDataKey(vault.Identity); err != nil {
		f.Fatal(err)
	}
	good, err := r.SealString(vault.Identity, "people.name", "Lucía Hernández")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, uint16(0), byte(0))
	f.Add(good, uint16(3), byte(1))
	f.Add(good[:10], uint16(0), byte(0))
	f.Add([]byte{1, 200}, uint16(0), byte(0))
	f.Add([]byte{}, uint16(0), byte(0))
	f.Fuzz(func(t *testing.T, env []byte, pos uint16, flip byte) {
		mutated := append([]byte(nil), env...)
		if len(mutated) > 0 {
			mutated[int(pos)%len(mutated)] ^= flip
		}
		pt, err := r.Open("people.name", mutated)
		if len(mutated) == 0 {
			if err != nil || pt != nil {
				t.Fatal("empty envelope must open to nothing")
			}
			return
		}
		if err == nil && !bytes.Equal(mutated, good) {
			t.Fatalf("a forged envelope opened to %q", pt)
		}
		if bytes.Equal(mutated, good) && (err != nil || string(pt) != "Lucía Hernández") {
			t.Fatalf("the genuine envelope failed: %v", err)
		}
		// The same envelope never opens for another field.
		if _, err := r.Open("people.address", mutated); err == nil {
			t.Fatal("envelope opened for another field")
		}
	})
}

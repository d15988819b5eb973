package vault_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"testing"

	"escudo/internal/vault"
)

func ring(t *testing.T) *vault.Keyring {
	t.Helper()
	mk, err := vault.NewMasterKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	k, err := vault.NewKeyring(mk, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range k.Missing() {
		if _, err := k.NewDataKey(c); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := ring(t)
	env, err := k.SealString(vault.Identity, "people.name", "Silvia")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(env, []byte("Silvia")) {
		t.Fatal("plaintext in envelope")
	}
	got, err := k.OpenString("people.name", env)
	if err != nil || got != "Silvia" {
		t.Fatalf("open: %q %v", got, err)
	}
	// Bound to its field: moving it to another column fails.
	if _, err := k.OpenString("people.address", env); !errors.Is(err, vault.ErrDecrypt) {
		t.Fatalf("moved value opened: %v", err)
	}
	// Any flipped bit fails.
	for i := range env {
		bad := append([]byte(nil), env...)
		bad[i] ^= 1
		if _, err := k.Open("people.name", bad); err == nil {
			t.Fatalf("tampered byte %d accepted", i)
		}
	}
	// Empty stays empty.
	if e, _ := k.SealString(vault.Identity, "x", ""); e != nil {
		t.Fatal("empty value sealed")
	}
}

func TestRotationKeepsOldValuesReadable(t *testing.T) {
	k := ring(t)
	old, _ := k.SealString(vault.Risk, "cases.narrative", "amenaza")
	if _, err := k.NewDataKey(vault.Risk); err != nil {
		t.Fatal(err)
	}
	if !k.NeedsRotation(vault.Risk, old) {
		t.Fatal("old value not flagged for rotation")
	}
	if s, err := k.OpenString("cases.narrative", old); err != nil || s != "amenaza" {
		t.Fatal("old value unreadable after rotation")
	}
	fresh, _ := k.SealString(vault.Risk, "cases.narrative", "amenaza")
	if k.NeedsRotation(vault.Risk, fresh) {
		t.Fatal("fresh value flagged")
	}
}

func TestWrongMasterKey(t *testing.T) {
	mk, _ := vault.NewMasterKey(bytes.Repeat([]byte{1}, 32))
	other, _ := vault.NewMasterKey(bytes.Repeat([]byte{2}, 32))
	k, _ := vault.NewKeyring(mk, nil)
	w, err := k.NewDataKey(vault.Identity)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vault.NewKeyring(other, []vault.WrappedKey{w}); err == nil {
		t.Fatal("data key unwrapped with the wrong master key")
	}
}

func TestBlindIndexNormalises(t *testing.T) {
	k := ring(t)
	a := k.BlindIndex("name", "José  Pérez-Yescas")
	for _, v := range []string{"jose perez yescas", "JOSÉ PÉREZ YESCAS", " Jose Perez  Yescas "} {
		if !bytes.Equal(a, k.BlindIndex("name", v)) {
			t.Errorf("%q does not match", v)
		}
	}
	if bytes.Equal(a, k.BlindIndex("name", "Jose Perez")) || bytes.Equal(a, k.BlindIndex("phone", "José Pérez Yescas")) {
		t.Error("different value or kind matches")
	}
	if k.BlindIndex("name", "  ") != nil {
		t.Error("empty name indexed")
	}
}

// TestBlindIndexFalsePositives: the truncated indexes must keep the chance
// of any two indexed values colliding below 1 in 10,000 at 100,000 people
// with up to eight indexed words each (docs/search.md), and many synthetic
// names collide never.
func TestBlindIndexFalsePositives(t *testing.T) {
	k := ring(t)
	bits := float64(8 * len(k.BlindIndex("name_word", "garcia")))
	const values = 100_000 * 8
	if p := math.Pow(values, 2) / math.Pow(2, bits+1); p >= 1e-4 {
		t.Fatalf("%v-bit indexes: chance of a collision %g at 100,000 people", bits, p)
	}
	seen := make(map[string]string, 100_000)
	for i := range 100_000 {
		w := fmt.Sprintf("apellido%d", i)
		idx := string(k.BlindIndex("name_word", w))
		if prev, ok := seen[idx]; ok {
			t.Fatalf("%q and %q share a blind index", prev, w)
		}
		seen[idx] = w
	}
}

func TestNormalizePhone(t *testing.T) {
	for _, in := range []string{"9715550142", "971 555 0142", "+52 971 555 0142", "(971) 555-0142", "52 971 555 0142", "+529715550142"} {
		if got := vault.NormalizePhone(in, ""); got != "+529715550142" {
			t.Errorf("NormalizePhone(%q) = %q", in, got)
		}
	}
	if got := vault.NormalizePhone("555 0142", "MX"); got != "5550142" {
		t.Errorf("a short number keeps its digits: %q", got)
	}
}

func TestWords(t *testing.T) {
	got := vault.Words("  María-José  de la PEÑA, Peña y J. ")
	want := []string{"maria", "jose", "pena"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Words = %v, want %v", got, want)
	}
}

// Dots and commas separate words as spaces and hyphens do, so a name typed
// with initials or a list ("J.Pérez,Ana") is found by its words.
func TestNormalizeSeparators(t *testing.T) {
	for in, want := range map[string]string{
		"J.Pérez,Ana":             "j perez ana",
		"María-José  de\tla Peña": "maria jose de la pena",
		"  ¡Hola! ":               "hola",
		"Radio.Ñomndaa, A.C.":     "radio nomndaa a c",
		"":                        "",
	} {
		if got := vault.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
	k := ring(t)
	if !bytes.Equal(k.BlindIndex("name", "J.Pérez,Ana"), k.BlindIndex("name", "j perez ana")) {
		t.Error("a name written with dots and commas is not found by its words")
	}
}

package letters

import (
	"crypto/ed25519"
	"testing"
)

// BenchmarkGenerate: building, signing and rendering the beneficiary's
// letter of a resolution with five measure decisions (budget: 50 ms).
func BenchmarkGenerate(b *testing.B) {
	in := input(b)
	for b.Loop() {
		docs, err := FromResolution(in)
		if err != nil {
			b.Fatal(err)
		}
		render(b, docs[0])
	}
}

// BenchmarkVerify: verifying that letter's PDF (budget: 20 ms).
func BenchmarkVerify(b *testing.B) {
	file := render(b, letters(b, input(b))[0])
	pub := testKey.Public().(ed25519.PublicKey)
	for b.Loop() {
		res, err := Verify(file, pub)
		if err != nil || !res.Valid() {
			b.Fatal(res.Status, err)
		}
	}
}

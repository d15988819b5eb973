package letters

import (
	"crypto/ed25519"
	"testing"
)

// The budgets (issue 14): generating a letter ≤ 50 ms, verifying one ≤ 20
// ms. Besides the wall time each benchmark reports the process's CPU time
// per letter (cpu-ms/op, from the kernel's accounting), which a machine
// shared with other work inflates far less than the wall time.

// BenchmarkGenerate: building the letters of a resolution with five
// measure decisions, signing the beneficiary's and rendering its PDF.
func BenchmarkGenerate(b *testing.B) {
	in := input(b)
	cpu := startCPU()
	for b.Loop() {
		docs, err := FromResolution(in)
		if err != nil {
			b.Fatal(err)
		}
		render(b, docs[0])
	}
	cpu.report(b)
}

// BenchmarkVerify: verifying that letter's PDF: extracting and parsing the
// payload, checking the signature, rendering it again and comparing.
func BenchmarkVerify(b *testing.B) {
	file := render(b, letters(b, input(b))[0])
	pub := testKey.Public().(ed25519.PublicKey)
	cpu := startCPU()
	for b.Loop() {
		res, err := Verify(file, pub)
		if err != nil || !res.Valid() {
			b.Fatal(res.Status, err)
		}
	}
	cpu.report(b)
}

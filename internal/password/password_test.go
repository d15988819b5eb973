package password

import (
	"strings"
	"testing"
)

var fast = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32}

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("not PHC argon2id: %s", h)
	}
	if err := Verify("correct horse battery", h); err != nil {
		t.Fatal(err)
	}
	if err := Verify("correct horse batterx", h); err != ErrMismatch {
		t.Fatalf("wrong password: %v", err)
	}
	h2, _ := Hash("correct horse battery", fast)
	if h == h2 {
		t.Fatal("same salt twice")
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdA$a2V5", "$argon2id$v=19$m=64,t=1,p=1$!!$a2V5", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$"} {
		if err := Verify("x", bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func FuzzVerify(f *testing.F) {
	h, _ := Hash("pw", fast)
	f.Add("pw", h)
	f.Add("x", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5")
	f.Add("pw", "$argon2id$v=19$m=64,t=0,p=1$c2FsdA$a2V5") // zero passes: argon2 would panic
	f.Add("pw", "$argon2id$v=19$m=0,t=1,p=1$c2FsdA$a2V5")
	f.Fuzz(func(t *testing.T, pw, encoded string) {
		if strings.Contains(encoded, "m=") && !strings.Contains(encoded, "m=64,") && !strings.Contains(encoded, "m=0,") {
			return // keep fuzzing fast: only cheap parameters are exercised
		}
		err := Verify(pw, encoded) // must never panic
		if err == nil && strings.Contains(encoded, ",t=0,") {
			t.Fatalf("a hash with zero passes verified: %q", encoded)
		}
		// The property: what Hash makes, Verify accepts for that password
		// alone.
		h, herr := Hash(pw, fast)
		if herr != nil {
			t.Fatal(herr)
		}
		if err := Verify(pw, h); err != nil {
			t.Fatalf("own hash refused: %v", err)
		}
		if err := Verify(pw+"x", h); err != ErrMismatch {
			t.Fatalf("another password: %v, want ErrMismatch", err)
		}
	})
}

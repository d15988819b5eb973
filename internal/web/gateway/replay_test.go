package gateway

import (
	"bytes"
	"testing"
)

// A device's signed requests are accepted once each: the same signature
// again is a replay. The memory keeps the last replayRing signatures; once
// it has wrapped, a request as old as the one forgotten (or older) is
// refused, since it can no longer be told from a replay, while newer ones
// and ones out of order within the kept window are accepted.
func TestReplayMemory(t *testing.T) {
	var c replays
	mac := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	for i := range replayRing {
		if !c.remember(int64(100+i), mac(byte(i))) {
			t.Fatalf("signature %d refused", i)
		}
	}
	if c.remember(103, mac(3)) {
		t.Fatal("a replayed signature accepted")
	}
	if !c.remember(103, mac(42)) {
		t.Fatal("another request signed in the same second refused")
	}
	// The ring has wrapped: signature 100 was forgotten, so nothing signed
	// at 100 or before is accepted any more.
	if c.remember(100, mac(0)) || c.remember(100, mac(77)) || c.remember(99, mac(78)) {
		t.Fatal("a request as old as a forgotten signature accepted")
	}
	if !c.remember(101, mac(79)) {
		t.Fatal("a request newer than the forgotten ones refused")
	}
	if !c.remember(200, mac(80)) {
		t.Fatal("a new request refused")
	}
}

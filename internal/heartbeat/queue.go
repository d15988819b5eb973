package heartbeat

import "math"

// entry is one deadline in the queue.
type entry struct {
	deadline int64 // Unix nanoseconds
	id       int64
}

// deadlines is a binary min-heap by deadline. Heartbeats never touch it: an
// entry popped at its deadline is re-checked against the device's newest
// heartbeat and pushed again, so each device costs one entry and the hot
// path stays lock-free.
type deadlines []entry

func (h *deadlines) push(e entry) {
	*h = append(*h, e)
	q := *h
	i := len(q) - 1
	for i > 0 {
		p := (i - 1) / 2
		if q[p].deadline <= q[i].deadline {
			break
		}
		q[p], q[i] = q[i], q[p]
		i = p
	}
}

func (h *deadlines) pop() entry {
	q := *h
	top := q[0]
	n := len(q) - 1
	q[0] = q[n]
	q = q[:n]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && q[l].deadline < q[m].deadline {
			m = l
		}
		if r < n && q[r].deadline < q[m].deadline {
			m = r
		}
		if m == i {
			break
		}
		q[m], q[i] = q[i], q[m]
		i = m
	}
	*h = q
	return top
}

func floatBits(f float64) uint32 { return math.Float32bits(float32(f)) }

func floatFrom(b uint32) float32 { return math.Float32frombits(b) }

package store

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"escudo"
)

// BacklogFiguresTTL is how long the backlog board's counts (cases per stage,
// breached, due soon) are reused. Counting runs over every case; the board is
// opened far more often than cases change. Any change of a case on this node
// recounts at once; changes made by other nodes, and clocks falling due, show
// within the TTL.
const BacklogFiguresTTL = 10 * time.Second

// figuresCache holds the last backlog counts. One caller recounts while
// others wait for its result, so a burst of page views costs one count.
type figuresCache struct {
	mu    sync.Mutex
	valid bool
	at    time.Time
	fig   escudo.Backlog
	// gen counts invalidations, so other figures computed from cases (the
	// dashboard's) know when theirs are stale too.
	gen atomic.Uint64
}

func (c *figuresCache) invalidate() {
	c.gen.Add(1)
	c.mu.Lock()
	c.valid = false
	c.mu.Unlock()
}

// get fills b's counts from the cache, recounting with compute when stale.
func (c *figuresCache) get(now time.Time, b *escudo.Backlog, compute func(*escudo.Backlog) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid || now.Before(c.at) || now.Sub(c.at) >= BacklogFiguresTTL {
		fig := escudo.Backlog{StageCounts: map[escudo.Stage]int{}}
		if err := compute(&fig); err != nil {
			return err
		}
		c.fig, c.at, c.valid = fig, now, true
	}
	b.Total, b.BreachedCount, b.DueSoonCount = c.fig.Total, c.fig.BreachedCount, c.fig.DueSoonCount
	b.StageCounts = maps.Clone(c.fig.StageCounts)
	b.Workload = maps.Clone(c.fig.Workload)
	b.FiguresAt = c.at
	return nil
}

package heartbeat

import (
	"context"
	"time"

	"escudo/internal/store"
)

// Several nodes (Options.Shared). A device's heartbeats may reach any node,
// so a node's memory holds only the heartbeats it received itself, and
// every node writes those within FlushEvery. A device this node would call
// silent is first looked up in the stored state: a newer heartbeat another
// node wrote is adopted and the device stays supervised; a silence another
// node already recorded is taken over without a second alert; otherwise the
// silence is claimed in the database, and the one node whose claim lands
// raises the alert. A device this node holds silent is likewise looked up
// when it is due again, so a heartbeat another node received ends its
// silence here too.

// decideShared settles the suspects popped by check (called without mu)
// and returns the silences this node claimed. Devices it could not decide
// (the database unreachable, or a claim lost to a write in between) are
// due again at the next check.
func (s *Supervisor) decideShared(ctx context.Context, now int64, ids []int64) ([]Silence, error) {
	stored, err := s.o.DB.SharedHeartbeats(ctx, ids)
	if err != nil {
		s.retry(ids, now)
		return nil, err
	}
	grace := int64(s.o.Grace)
	var claims []store.SilenceClaim
	s.mu.Lock()
	for _, id := range ids {
		sl := s.slot(id)
		iv := sl.interval.Load()
		if iv == 0 {
			sl.queued = 0
			continue
		}
		st, ok := stored[id]
		if ok {
			s.adopt(sl, st.LastSeen.UnixNano())
		}
		seen := sl.seen.Load()
		if sl.silentSince != 0 {
			if seen > sl.silentSeen {
				// Heard by another node: back under normal supervision.
				sl.silentSince, sl.silentSeen = 0, 0
				s.silent.Add(-1)
				s.schedule(id, sl, seen+s.misses*iv+grace)
			} else {
				s.schedule(id, sl, now+iv)
			}
			continue
		}
		if dl := seen + s.misses*iv + grace; dl >= now {
			s.schedule(id, sl, dl)
			continue
		}
		if ok && st.SilentSince != nil {
			// Another node found it silent and raised the alert.
			since := st.SilentSince.UnixNano()
			sl.silentSince, sl.silentSeen, sl.persistedSil = since, seen, since
			s.silent.Add(1)
			s.schedule(id, sl, now+iv)
			continue
		}
		claims = append(claims, store.SilenceClaim{DeviceID: id, LastSeen: time.Unix(0, seen), Since: time.Unix(0, now)})
		s.schedule(id, sl, now) // decided below, or looked at again next check
	}
	s.mu.Unlock()
	if len(claims) == 0 {
		return nil, nil
	}
	won, err := s.o.DB.ClaimSilences(ctx, claims)
	if err != nil {
		return nil, err
	}
	var found []Silence
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range claims {
		if !won[c.DeviceID] {
			continue // another node was quicker or heard it: seen next check
		}
		sl := s.slot(c.DeviceID)
		iv := sl.interval.Load()
		seen := c.LastSeen.UnixNano()
		if iv == 0 || sl.silentSince != 0 {
			continue
		}
		if sl.seen.Load() > seen {
			// Heard here while claiming: the claim stands in the database
			// until this node's next write, which carries the newer
			// heartbeat and ends it.
			continue
		}
		sl.silentSince, sl.silentSeen, sl.persistedSil = now, seen, now
		s.silent.Add(1)
		found = append(found, Silence{DeviceID: c.DeviceID, LastSeen: time.Unix(0, seen).UTC(), Interval: time.Duration(iv), DetectedAt: time.Unix(0, now).UTC()})
		s.schedule(c.DeviceID, sl, now+iv)
	}
	return found, nil
}

// adopt takes a newer heartbeat another node stored; it is already
// written, so this node's flush does not write it again. Caller holds mu.
func (s *Supervisor) adopt(sl *slot, at int64) {
	for {
		old := sl.seen.Load()
		if at <= old || sl.seen.CompareAndSwap(old, at) {
			break
		}
	}
	if at > sl.persistedSeen {
		sl.persistedSeen = at
	}
}

// retry makes the devices due at the next check.
func (s *Supervisor) retry(ids []int64, now int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if sl := s.slot(id); sl != nil && sl.interval.Load() != 0 {
			s.schedule(id, sl, now)
		}
	}
}

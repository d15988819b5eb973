// Package heartbeat supervises devices by their heartbeats, the way an
// alarm-receiving centre supervises panels: each device's last heartbeat is
// kept in memory (a few dozen bytes per device, recorded without locks or
// allocation), written to the database in batches, and a deadline queue
// checked every second finds devices silent for too many intervals and
// raises a "device silent" alert for each.
package heartbeat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"escudo/internal/jobs"
	"escudo/internal/store"
)

// Device is a device to supervise, as the registry knows it.
type Device struct {
	ID         int64
	Interval   time.Duration // expected time between heartbeats
	Registered time.Time     // supervision starts here when no heartbeat was ever stored
}

// Silence describes a device found silent.
type Silence struct {
	DeviceID   int64
	LastSeen   time.Time
	Interval   time.Duration
	DetectedAt time.Time
}

// Raiser turns a silence into an alert.
type Raiser interface {
	RaiseSilent(ctx context.Context, s Silence) error
}

// RaiserFunc adapts a function to Raiser.
type RaiserFunc func(ctx context.Context, s Silence) error

// RaiseSilent calls f.
func (f RaiserFunc) RaiseSilent(ctx context.Context, s Silence) error { return f(ctx, s) }

// Options configure a Supervisor. Zero values take the defaults.
type Options struct {
	DB *store.DB
	// Devices lists every device to supervise; it is read at start and
	// every RefreshEvery so newly registered devices are supervised even
	// before their first heartbeat.
	Devices      func(ctx context.Context) ([]Device, error)
	Raiser       Raiser
	Now          func() time.Time
	Misses       int           // intervals of silence before a device is silent; default 3
	CheckEvery   time.Duration // default 1s
	FlushEvery   time.Duration // default 5s
	RefreshEvery time.Duration // default 1m
	FlushChunk   int           // rows per flush transaction; default 2000
	// PersistEvery: a device whose only news is a later heartbeat is
	// written once its stored last_seen is this old; silences and battery
	// changes are written at the next flush. Default 1 minute: a crash
	// loses at most that much of a device's history, and a restart gives
	// every device at least one interval to be heard (see Load).
	PersistEvery time.Duration
	// TestMaxAge: a device with no test alert for this long is flagged
	// (escudo_devices_untested); default 30 days.
	TestMaxAge time.Duration
	// Shared: other nodes receive heartbeats too (several nodes on one
	// PostgreSQL database; shared.go). Every heartbeat is then written
	// within FlushEvery (default 1 s), and before declaring a device silent
	// a check reads what the other nodes wrote and claims the silence in
	// the database, so one node alone raises it.
	Shared bool
	// Grace: with Shared, how long past the allowed silence a device is
	// given for another node's write to arrive; default 2 × FlushEvery.
	Grace time.Duration
	Log   *slog.Logger
}

// MaxDeviceID bounds the ids the in-memory table indexes directly.
const MaxDeviceID = 1 << 31

const (
	pageBits = 12
	pageSize = 1 << pageBits
)

// slot is one device's state. The atomics are written by heartbeats; the
// plain fields belong to the supervisor and are guarded by Supervisor.mu.
type slot struct {
	seen     atomic.Int64  // Unix nanoseconds of the newest heartbeat
	interval atomic.Int64  // nanoseconds; 0 when the device is not supervised
	status   atomic.Uint32 // battery+1 in the low byte (0 unknown); bit 8 set when loc holds a location
	loc      atomic.Uint64 // latitude and longitude as two float32

	queued        int64 // deadline of the device's live queue entry
	silentSince   int64 // when the device was found silent; 0 while heard
	silentSeen    int64 // seen at that moment, to notice it speaking again
	persistedSeen int64
	persistedSil  int64
	persistedStat uint32
}

type page [pageSize]slot

// Supervisor keeps every supervised device's state.
type Supervisor struct {
	o      Options
	misses int64

	dirMu sync.Mutex // serialises growth of dir
	dir   atomic.Pointer[[]*page]

	mu    sync.Mutex // guards queue and the plain slot fields
	queue deadlines

	supervised atomic.Int64
	silent     atomic.Int64
	beats      atomic.Uint64
	raised     atomic.Uint64
	loaded     atomic.Bool
	untested   atomic.Int64
	flushSecs  prometheus.Histogram
	flushRows  prometheus.Counter
}

// New returns a supervisor; call Load (or Run) before use.
func New(o Options) *Supervisor {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Misses <= 0 {
		o.Misses = 3
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = time.Second
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = 5 * time.Second
		if o.Shared {
			o.FlushEvery = time.Second
		}
	}
	if o.Shared && o.Grace <= 0 {
		o.Grace = 2 * o.FlushEvery
	}
	if o.RefreshEvery <= 0 {
		o.RefreshEvery = time.Minute
	}
	if o.FlushChunk <= 0 {
		o.FlushChunk = 2000
	}
	if o.PersistEvery <= 0 {
		o.PersistEvery = time.Minute
	}
	if o.TestMaxAge <= 0 {
		o.TestMaxAge = 30 * 24 * time.Hour
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.DB == nil {
		o.Shared = false // nothing to share through
	}
	s := &Supervisor{o: o, misses: int64(o.Misses)}
	empty := []*page{}
	s.dir.Store(&empty)
	s.flushSecs = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "escudo_heartbeat_flush_seconds",
		Help: "Time to write a batch of heartbeats to the database.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)})
	s.flushRows = prometheus.NewCounter(prometheus.CounterOpts{Name: "escudo_heartbeat_flushed_rows_total", Help: "Device states written by heartbeat batches."})
	return s
}

// Register adds the supervisor's metrics to reg.
func (s *Supervisor) Register(reg prometheus.Registerer) {
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "escudo_heartbeats_total", Help: "Heartbeats recorded."},
			func() float64 { return float64(s.beats.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "escudo_devices_supervised", Help: "Devices under heartbeat supervision."},
			func() float64 { return float64(s.supervised.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "escudo_devices_silent", Help: "Supervised devices currently silent."},
			func() float64 { return float64(s.silent.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "escudo_device_silent_alerts_total", Help: "Device silent alerts raised."},
			func() float64 { return float64(s.raised.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "escudo_devices_untested", Help: "Enabled devices without a test alert in the last 30 days (refreshed every minute)."},
			func() float64 { return float64(s.untested.Load()) }),
		s.flushSecs, s.flushRows,
	)
}

// Misses is how many intervals of silence make a device silent.
func (s *Supervisor) Misses() int { return s.o.Misses }

// Ready reports whether the stored state has been loaded.
func (s *Supervisor) Ready() bool { return s.loaded.Load() }

func (s *Supervisor) slot(id int64) *slot {
	if id <= 0 || id >= MaxDeviceID {
		return nil
	}
	dir := *s.dir.Load()
	p := id >> pageBits
	if p >= int64(len(dir)) || dir[p] == nil {
		return nil
	}
	return &dir[p][id&(pageSize-1)]
}

// grow makes room for id and returns its slot.
func (s *Supervisor) grow(id int64) *slot {
	if sl := s.slot(id); sl != nil {
		return sl
	}
	s.dirMu.Lock()
	defer s.dirMu.Unlock()
	old := *s.dir.Load()
	p := int(id >> pageBits)
	dir := old
	if p >= len(old) {
		dir = make([]*page, p+1, max(p+1, 2*len(old)))
		copy(dir, old)
	} else if old[p] == nil {
		dir = append([]*page(nil), old...)
	}
	if dir[p] == nil {
		dir[p] = new(page)
	}
	s.dir.Store(&dir)
	return &dir[p][id&(pageSize-1)]
}

// ErrUnsupervised is returned for a heartbeat from a device the supervisor
// does not know yet; the caller supervises it and records again.
var ErrUnsupervised = errors.New("heartbeat: device not supervised")

// Beat is one heartbeat's content. Battery < 0 means not reported.
type Beat struct {
	Battery  int
	Lat, Lon float64
	HasLoc   bool
}

// Record notes a heartbeat at the Unix nanosecond at. It takes no lock and
// allocates nothing.
func (s *Supervisor) Record(id int64, at int64, b Beat) error {
	sl := s.slot(id)
	if sl == nil || sl.interval.Load() == 0 {
		return ErrUnsupervised
	}
	for {
		old := sl.seen.Load()
		if at <= old || sl.seen.CompareAndSwap(old, at) {
			break
		}
	}
	var st uint32
	if b.Battery >= 0 && b.Battery <= 100 {
		st = uint32(b.Battery + 1)
	} else {
		st = sl.status.Load() & 0xff
	}
	if b.HasLoc {
		sl.loc.Store(uint64(floatBits(b.Lat))<<32 | uint64(floatBits(b.Lon)))
		st |= 1 << 8
	} else {
		st |= sl.status.Load() & (1 << 8)
	}
	sl.status.Store(st)
	s.beats.Add(1)
	return nil
}

// Supervise starts (or updates) supervision of a device. A new device counts
// as heard at since.
func (s *Supervisor) Supervise(d Device, since time.Time) error {
	if d.ID <= 0 || d.ID >= MaxDeviceID {
		return fmt.Errorf("heartbeat: device id %d out of range", d.ID)
	}
	if d.Interval <= 0 {
		return fmt.Errorf("heartbeat: device %d has no heartbeat interval", d.ID)
	}
	sl := s.grow(d.ID)
	iv := int64(d.Interval)
	s.mu.Lock()
	defer s.mu.Unlock()
	old := sl.interval.Swap(iv)
	if old == 0 {
		seen := since.UnixNano()
		if cur := sl.seen.Load(); cur > seen {
			seen = cur
		}
		sl.seen.Store(seen)
		sl.persistedSeen = seen // nothing new to write until a heartbeat
		s.supervised.Add(1)
		s.schedule(d.ID, sl, seen+s.misses*iv)
		return nil
	}
	if iv < old && sl.silentSince == 0 {
		// A shorter interval moves the deadline earlier.
		s.schedule(d.ID, sl, sl.seen.Load()+s.misses*iv)
	}
	return nil
}

// Unsupervise stops supervising a device (retired or deleted).
func (s *Supervisor) Unsupervise(id int64) {
	sl := s.slot(id)
	if sl == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sl.interval.Swap(0) != 0 {
		s.supervised.Add(-1)
		if sl.silentSince != 0 {
			s.silent.Add(-1)
		}
		sl.silentSince, sl.silentSeen, sl.queued = 0, 0, 0
	}
}

// schedule makes deadline the device's only live queue entry. Caller holds mu.
func (s *Supervisor) schedule(id int64, sl *slot, deadline int64) {
	sl.queued = deadline
	s.queue.push(entry{deadline: deadline, id: id})
}

// Check finds devices whose silence has passed the allowed number of
// intervals, marks them silent and raises an alert for each. A device is
// silent only strictly after lastSeen + Misses×interval (+ Grace when
// Shared). It returns how many devices it found silent.
func (s *Supervisor) Check(ctx context.Context) int {
	n, err := s.check(ctx)
	if err != nil && ctx.Err() == nil {
		s.o.Log.Error("heartbeat: check", "err", err)
	}
	return n
}

// Sweep is one pass of Check for a scheduler: with Shared it decides for
// the whole cluster (each device's newest heartbeat from any node, each
// silence raised once), so running it on one node per tick suffices. The
// error is that of reading or claiming the shared state; devices it could
// not decide are looked at again by the next pass.
func (s *Supervisor) Sweep(ctx context.Context) error {
	_, err := s.check(ctx)
	return err
}

func (s *Supervisor) check(ctx context.Context) (int, error) {
	now := s.o.Now().UnixNano()
	var found []Silence
	var suspects []int64 // Shared: to decide against the stored state
	grace := int64(s.o.Grace)
	s.mu.Lock()
	for len(s.queue) > 0 && s.queue[0].deadline < now {
		e := s.queue.pop()
		sl := s.slot(e.id)
		if sl == nil || sl.queued != e.deadline {
			continue // superseded by a later schedule
		}
		iv := sl.interval.Load()
		if iv == 0 {
			sl.queued = 0
			continue
		}
		seen := sl.seen.Load()
		if sl.silentSince != 0 {
			if seen > sl.silentSeen {
				// Heard again: back under normal supervision.
				sl.silentSince, sl.silentSeen = 0, 0
				s.silent.Add(-1)
				s.schedule(e.id, sl, seen+s.misses*iv+grace)
			} else if s.o.Shared {
				suspects = append(suspects, e.id) // heard by another node?
			} else {
				s.schedule(e.id, sl, now+iv)
			}
			continue
		}
		if dl := seen + s.misses*iv + grace; dl >= now {
			s.schedule(e.id, sl, dl)
			continue
		}
		if s.o.Shared {
			suspects = append(suspects, e.id)
			continue
		}
		sl.silentSince, sl.silentSeen = now, seen
		s.silent.Add(1)
		found = append(found, Silence{DeviceID: e.id, LastSeen: time.Unix(0, seen).UTC(), Interval: time.Duration(iv), DetectedAt: time.Unix(0, now).UTC()})
		s.schedule(e.id, sl, now+iv)
	}
	s.mu.Unlock()
	var err error
	if len(suspects) > 0 {
		var more []Silence
		more, err = s.decideShared(ctx, now, suspects)
		found = append(found, more...)
	}
	if s.o.Raiser == nil || len(found) == 0 {
		return len(found), err
	}
	// Raise concurrently: when many devices fall silent together (a network
	// outage), the alert pipeline commits their alerts in groups instead of
	// one fsync each.
	sem := make(chan struct{}, raiseConcurrency)
	var wg sync.WaitGroup
	for _, f := range found {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			s.raise(ctx, f, now)
		}()
	}
	wg.Wait()
	return len(found), err
}

// raiseConcurrency bounds the silent alerts raised at once.
const raiseConcurrency = 32

func (s *Supervisor) raise(ctx context.Context, f Silence, now int64) {
	if err := s.o.Raiser.RaiseSilent(ctx, f); err != nil {
		s.o.Log.Error("device silent alert", "device", f.DeviceID, "err", err)
		// Not raised: forget the silence so the next check (on any node)
		// tries again.
		if s.o.DB != nil {
			if err := s.o.DB.ReleaseSilence(context.WithoutCancel(ctx), f.DeviceID, f.DetectedAt); err != nil {
				s.o.Log.Error("device silence not released", "device", f.DeviceID, "err", err)
			}
		}
		s.mu.Lock()
		if sl := s.slot(f.DeviceID); sl != nil && sl.silentSince == f.DetectedAt.UnixNano() {
			sl.silentSince, sl.silentSeen = 0, 0
			s.silent.Add(-1)
			s.schedule(f.DeviceID, sl, now) // due at the next check
		}
		s.mu.Unlock()
		return
	}
	s.raised.Add(1)
}

// Silent lists the devices currently silent.
func (s *Supervisor) Silent() []Silence {
	var out []Silence
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, pg := range *s.dir.Load() {
		if pg == nil {
			continue
		}
		for i := range pg {
			sl := &pg[i]
			if sl.silentSince != 0 && sl.interval.Load() != 0 && sl.seen.Load() <= sl.silentSeen {
				out = append(out, Silence{DeviceID: int64(p)<<pageBits | int64(i), LastSeen: time.Unix(0, sl.silentSeen).UTC(),
					Interval: time.Duration(sl.interval.Load()), DetectedAt: time.Unix(0, sl.silentSince).UTC()})
			}
		}
	}
	return out
}

// State is a device's supervision state.
type State struct {
	DeviceID    int64
	Supervised  bool
	LastSeen    time.Time
	Interval    time.Duration
	Battery     int // -1 unknown
	Silent      bool
	SilentSince time.Time
}

// State returns one device's state.
func (s *Supervisor) State(id int64) State {
	st := State{DeviceID: id, Battery: -1}
	sl := s.slot(id)
	if sl == nil || sl.interval.Load() == 0 {
		return st
	}
	st.Supervised, st.Interval = true, time.Duration(sl.interval.Load())
	st.LastSeen = time.Unix(0, sl.seen.Load()).UTC()
	st.Battery = int(sl.status.Load()&0xff) - 1
	s.mu.Lock()
	// Heard since it was found silent: no longer silent, even before the
	// next check notices.
	if sl.silentSince != 0 && sl.seen.Load() <= sl.silentSeen {
		st.Silent, st.SilentSince = true, time.Unix(0, sl.silentSince).UTC()
	}
	s.mu.Unlock()
	return st
}

// Flush writes the device states worth writing (see PersistEvery; with
// Shared, every newer heartbeat) and returns how many it wrote.
func (s *Supervisor) Flush(ctx context.Context) (int, error) {
	if s.o.Shared {
		return s.flush(ctx, 1)
	}
	return s.flush(ctx, int64(s.o.PersistEvery))
}

// FlushAll writes every change, however recent (on shutdown).
func (s *Supervisor) FlushAll(ctx context.Context) (int, error) { return s.flush(ctx, 1) }

func (s *Supervisor) flush(ctx context.Context, age int64) (int, error) {
	if s.o.DB == nil {
		return 0, nil
	}
	start := time.Now()
	type mark struct {
		sl        *slot
		seen, sil int64
		stat      uint32
	}
	var states []store.HeartbeatState
	var marks []mark
	s.mu.Lock()
	for p, pg := range *s.dir.Load() {
		if pg == nil {
			continue
		}
		for i := range pg {
			sl := &pg[i]
			if sl.interval.Load() == 0 {
				continue
			}
			seen, stat := sl.seen.Load(), sl.status.Load()
			sil := sl.silentSince
			if seen > sl.silentSeen {
				sil = 0 // heard since it was found silent: the next check agrees
			}
			// Battery and silence news is written at once; a heartbeat only
			// once the stored one is age old.
			if seen-sl.persistedSeen < age && sil == sl.persistedSil && stat&0xff == sl.persistedStat&0xff {
				continue
			}
			hs := store.HeartbeatState{DeviceID: int64(p)<<pageBits | int64(i), LastSeen: time.Unix(0, seen), Battery: int(stat&0xff) - 1}
			if stat&(1<<8) != 0 && seen != sl.persistedSeen {
				hs.Location = formatLoc(sl.loc.Load())
			}
			if sil != 0 {
				t := time.Unix(0, sil)
				hs.SilentSince = &t
			}
			states = append(states, hs)
			marks = append(marks, mark{sl: sl, seen: seen, sil: sil, stat: stat})
		}
	}
	s.mu.Unlock()
	if len(states) == 0 {
		return 0, nil
	}
	if err := s.o.DB.SaveHeartbeats(ctx, states, s.o.FlushChunk); err != nil {
		return 0, err
	}
	s.mu.Lock()
	for _, m := range marks {
		m.sl.persistedSeen, m.sl.persistedSil, m.sl.persistedStat = m.seen, m.sil, m.stat
	}
	s.mu.Unlock()
	s.flushSecs.Observe(time.Since(start).Seconds())
	s.flushRows.Add(float64(len(states)))
	return len(states), nil
}

// Load reads the device list and their stored states, so that a restart
// keeps supervising: a device last heard two intervals before the restart
// is found silent one interval after it (never sooner than one interval
// after the start, since the stored heartbeat may be a little old). A device whose deadline fell while
// escudo was down gets the full allowance (Misses intervals) from the
// start, as a newly registered device does, since its heartbeats could not
// be received; a device already silent stays silent without a second alert.
func (s *Supervisor) Load(ctx context.Context) error {
	if s.o.Devices == nil {
		s.loaded.Store(true)
		return nil
	}
	devs, err := s.o.Devices(ctx)
	if err != nil {
		return fmt.Errorf("heartbeat: load devices: %w", err)
	}
	var states map[int64]store.HeartbeatState
	if s.o.DB != nil {
		if states, err = s.o.DB.HeartbeatStates(ctx); err != nil {
			return err
		}
	}
	now := s.o.Now().UnixNano()
	for _, d := range devs {
		if d.ID <= 0 || d.ID >= MaxDeviceID || d.Interval <= 0 {
			continue
		}
		sl := s.grow(d.ID)
		iv := int64(d.Interval)
		s.mu.Lock()
		if sl.interval.Load() != 0 {
			s.mu.Unlock()
			continue
		}
		seen := d.Registered.UnixNano()
		if d.Registered.IsZero() {
			seen = now
		}
		st, ok := states[d.ID]
		if ok {
			seen = st.LastSeen.UnixNano()
			stat := uint32(0)
			if st.Battery >= 0 {
				stat = uint32(st.Battery + 1) // #nosec G115 -- battery is a percentage, checked non-negative
			}
			sl.status.Store(stat)
			sl.persistedStat = stat
		}
		if cur := sl.seen.Load(); cur > seen {
			seen = cur
		}
		sl.seen.Store(seen)
		sl.persistedSeen = seen
		sl.interval.Store(iv)
		s.supervised.Add(1)
		switch {
		case ok && st.SilentSince != nil:
			sl.silentSince, sl.silentSeen, sl.persistedSil = st.SilentSince.UnixNano(), seen, st.SilentSince.UnixNano()
			s.silent.Add(1)
			s.schedule(d.ID, sl, now+iv)
		case seen+s.misses*iv < now:
			s.schedule(d.ID, sl, now+s.misses*iv)
		default:
			// The stored heartbeat may be up to PersistEvery old: a device
			// alive now is heard within one interval.
			s.schedule(d.ID, sl, max(seen+s.misses*iv, now+iv))
		}
		s.mu.Unlock()
	}
	s.loaded.Store(true)
	return nil
}

// countUntested refreshes the count of devices flagged for lack of a test
// alert.
func (s *Supervisor) countUntested(ctx context.Context) error {
	if s.o.DB == nil {
		return nil
	}
	n, err := s.o.DB.CountUntestedDevices(ctx, s.o.Now().Add(-s.o.TestMaxAge))
	if err != nil {
		return err
	}
	s.untested.Store(int64(n))
	return nil
}

// Untested is the last count of devices without a recent test alert.
func (s *Supervisor) Untested() int { return int(s.untested.Load()) }

// Refresh is one pass of the device-list refresh for a scheduler: it
// supervises devices registered since the last look, drops retired ones
// and recounts untested devices.
func (s *Supervisor) Refresh(ctx context.Context) error { return s.refresh(ctx) }

// refresh supervises devices registered since the last look and drops
// retired ones.
func (s *Supervisor) refresh(ctx context.Context) error {
	if err := s.countUntested(ctx); err != nil {
		return err
	}
	if s.o.Devices == nil {
		return nil
	}
	devs, err := s.o.Devices(ctx)
	if err != nil {
		return err
	}
	keep := make(map[int64]struct{}, len(devs))
	now := s.o.Now()
	for _, d := range devs {
		keep[d.ID] = struct{}{}
		since := d.Registered
		if since.IsZero() {
			since = now
		}
		if err := s.Supervise(d, since); err != nil {
			s.o.Log.Warn("heartbeat: device not supervised", "device", d.ID, "err", err)
		}
	}
	for p, pg := range *s.dir.Load() {
		if pg == nil {
			continue
		}
		for i := range pg {
			id := int64(p)<<pageBits | int64(i)
			if _, ok := keep[id]; !ok && pg[i].interval.Load() != 0 {
				s.Unsupervise(id)
			}
		}
	}
	return nil
}

// Start loads the devices and their stored states, retrying every 5 s
// while the database is away, until it succeeds or ctx ends. The passes
// registered by Jobs do nothing until it has.
func (s *Supervisor) Start(ctx context.Context) {
	for {
		err := s.Load(ctx)
		if err == nil {
			break
		}
		s.o.Log.Error("heartbeat: load", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
	if err := s.countUntested(ctx); err != nil {
		s.o.Log.Error("heartbeat: untested devices", "err", err)
	}
}

// Stop writes every change still in memory, however recent.
func (s *Supervisor) Stop(ctx context.Context) error {
	_, err := s.FlushAll(ctx)
	return err
}

// Jobs registers supervision's passes with the node's job runner: every
// node checks its devices (a silence is claimed in the database, so one
// node raises it), writes the heartbeats it received and picks up devices
// registered or retired. They run apart, so a slow database never delays
// the detection of a silent device.
func (s *Supervisor) Jobs(r *jobs.Runner) {
	ready := func(fn func(context.Context) error) jobs.Func {
		return func(ctx context.Context) error {
			if !s.Ready() {
				return nil
			}
			return fn(ctx)
		}
	}
	r.Local("heartbeat.check", s.o.CheckEvery, ready(s.Sweep))
	r.Local("heartbeat.flush", s.o.FlushEvery, ready(func(ctx context.Context) error { _, err := s.Flush(ctx); return err }))
	r.Local("heartbeat.refresh", s.o.RefreshEvery, ready(s.Refresh))
}

func formatLoc(v uint64) string {
	lat, lon := floatFrom(uint32(v>>32)), floatFrom(uint32(v)) // #nosec G115 -- unpacking two 32-bit halves on purpose
	return strconv.FormatFloat(float64(lat), 'f', 5, 32) + "," + strconv.FormatFloat(float64(lon), 'f', 5, 32)
}

package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"escudo"
	"escudo/internal/store"
)

// Credentials authenticates device requests without a database read on the
// hot path (stale-while-revalidate). Device traffic starts, at most every
// sweepEvery, one background sweep that revalidates every cached credential
// older than refreshAfter-sweepEvery: one indexed read of 500 devices'
// versions per query, a full reload only of those that changed. So under
// traffic no credential gets older than about refreshAfter, whatever the
// devices' own intervals. A credential is served while a sweep is due or
// running; one older than maxStale (no traffic, or the database failing)
// is reloaded on the request path. A device disabled or rotated on another
// node therefore stops working within maxStale, and at once when changed
// through this node (forget). The signatures accepted recently are
// remembered per HMAC device to refuse replays.
type Credentials struct {
	db  *store.DB
	now func() time.Time

	mu       sync.RWMutex
	creds    map[int64]*credEntry
	entities map[string]string // interned federal entity names
	forgets  atomic.Uint64     // moves on forget: loads begun before it are not cached

	lastSweep atomic.Int64 // Unix nanoseconds, of the injected clock
	sweeping  atomic.Bool  // one sweep at a time
	workers   sync.WaitGroup
}

const (
	// refreshAfter is how long a credential is trusted without asking
	// the database.
	refreshAfter = 30 * time.Second
	// maxStale bounds how long a credential is served at all without a
	// successful revalidation: the bound for a change made on another node.
	maxStale = 2 * refreshAfter
	// unknownTTL bounds how long an unknown device id is remembered as
	// unknown (a device registered on another node is accepted after at
	// most this).
	unknownTTL = 5 * time.Second
	// sweepEvery is how often device traffic may start a sweep.
	sweepEvery = 10 * time.Second
	// refreshBatch is how many devices one revalidation query covers.
	refreshBatch = 500
	// maxCached bounds memory against a flood of ids; the cache refills
	// as needed.
	maxCached = 500_000
)

// replayRing is how many recent signatures are kept per device. A signed
// request older than the oldest kept one is refused as a possible replay;
// with a heartbeat every 5 s that is still 40 s of reordering tolerance,
// while memory per device stays small.
const replayRing = 8

// credEntry is what authenticating one device needs, kept small: 100,000
// devices are cached. Fields other than checked and tokenSum never change;
// a reload replaces the entry.
type credEntry struct {
	personID  int64
	createdAt int64 // Unix nanoseconds
	interval  time.Duration
	version   int64 // store.DeviceVersions when loaded
	entity    string
	key       []byte // AuthToken: MAC of the token; AuthHMAC: the signing key
	replay    *replays
	hmac      bool
	disabled  bool
	unknown   bool

	checked  atomic.Int64                      // Unix nanoseconds of the last revalidation
	tokenSum atomic.Pointer[[sha256.Size]byte] // SHA-256 of the token last accepted
}

// replays is the replay memory of an HMAC device, kept across reloads.
type replays struct {
	mu      sync.Mutex
	seen    [replayRing]seenSig
	next    int
	floor   int64 // unix seconds: signatures before are refused once the ring wrapped
	wrapped bool
}

// seenSig is an accepted signature: its time and the first half of its
// MAC, which is enough to recognise the same signature again (a replay is
// an exact copy) at half the memory.
type seenSig struct {
	t   int64
	mac [sha256.Size / 2]byte
}

// deviceIdentity is the authenticated device, as its handlers need it.
type deviceIdentity struct {
	ID                int64
	PersonID          int64
	Entity            string
	HeartbeatInterval time.Duration
	CreatedAt         time.Time
}

func NewCredentials(db *store.DB) *Credentials {
	return &Credentials{db: db, now: db.Now, creds: map[int64]*credEntry{}, entities: map[string]string{}}
}

// Forget drops a cached credential (after a change on this node).
func (a *Credentials) Forget(id int64) {
	a.mu.Lock()
	a.forgets.Add(1)
	delete(a.creds, id)
	a.mu.Unlock()
}

// Settle waits for a background revalidation to finish (tests and
// benchmarks).
func (a *Credentials) Settle() { a.workers.Wait() }

func (a *Credentials) credential(ctx context.Context, id int64) (*credEntry, error) {
	now := a.now().UnixNano()
	a.maybeSweep(now)
	a.mu.RLock()
	e := a.creds[id]
	a.mu.RUnlock()
	if e != nil {
		age := time.Duration(now - e.checked.Load())
		if e.unknown && age < unknownTTL {
			return nil, escudo.Errorf(escudo.ENOTFOUND, "error.device_not_found")
		}
		// A negative age (the clock stepped back) reloads, so that an entry
		// cannot stay "fresh" until the clock catches up.
		if !e.unknown && age >= 0 && age < maxStale {
			return e, nil
		}
	}
	e, err := a.load(ctx, id, e, now)
	if err != nil {
		return nil, err
	}
	if e.unknown {
		return nil, escudo.Errorf(escudo.ENOTFOUND, "error.device_not_found")
	}
	return e, nil
}

// load reads device id's credential and caches it (an unknown id briefly,
// so a flood of them does not read the database for every request). old,
// if any, passes on its replay memory.
func (a *Credentials) load(ctx context.Context, id int64, old *credEntry, now int64) (*credEntry, error) {
	gen := a.forgets.Load()
	// The version is read first: a change between the two reads leaves an
	// older version cached, which only causes one more reload.
	vers, err := a.db.DeviceVersions(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	e := &credEntry{unknown: true}
	if v, ok := vers[id]; ok {
		cred, err := a.db.DeviceCredential(ctx, id)
		if err != nil && escudo.ErrorCode(err) != escudo.ENOTFOUND {
			return nil, err
		}
		if err == nil {
			e = a.entry(cred, v, old)
		}
	}
	e.checked.Store(now)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.forgets.Load() != gen {
		// Changed on this node meanwhile: what was read may be stale.
		return e, nil
	}
	if len(a.creds) >= maxCached {
		clear(a.creds)
	}
	if !e.unknown {
		e.entity = a.intern(e.entity)
	}
	a.creds[id] = e
	return e, nil
}

// intern returns the shared copy of a federal entity name (32 of them for
// all the devices). The caller holds a.mu.
func (a *Credentials) intern(entity string) string {
	if s, ok := a.entities[entity]; ok {
		return s
	}
	a.entities[entity] = entity
	return entity
}

func (a *Credentials) entry(cred *store.DeviceCredential, version int64, old *credEntry) *credEntry {
	d := cred.Device
	e := &credEntry{
		personID:  d.PersonID,
		createdAt: d.CreatedAt.UnixNano(),
		interval:  d.HeartbeatInterval,
		version:   version,
		entity:    d.Entity,
		disabled:  d.Disabled,
	}
	switch d.Auth {
	case escudo.AuthToken:
		e.key = cred.MAC
	case escudo.AuthHMAC:
		e.hmac, e.key = true, cred.Secret
		if old != nil && old.replay != nil {
			e.replay = old.replay
		} else {
			e.replay = &replays{}
		}
	}
	return e
}

// maybeSweep starts a background sweep if none ran for sweepEvery.
func (a *Credentials) maybeSweep(now int64) {
	last := a.lastSweep.Load()
	if (now >= last && now-last < int64(sweepEvery)) || !a.lastSweep.CompareAndSwap(last, now) {
		return
	}
	if !a.sweeping.CompareAndSwap(false, true) {
		return
	}
	a.workers.Add(1)
	go func() {
		defer a.workers.Done()
		defer a.sweeping.Store(false)
		a.sweep()
	}()
}

// sweep revalidates the credentials that would pass refreshAfter before
// the next sweep, in batches.
func (a *Credentials) sweep() {
	now := a.now().UnixNano()
	due := now - int64(refreshAfter-sweepEvery)
	var ids []int64
	a.mu.RLock()
	for id, e := range a.creds {
		if !e.unknown && e.checked.Load() <= due {
			ids = append(ids, id)
		}
	}
	a.mu.RUnlock()
	for len(ids) > 0 {
		n := min(len(ids), refreshBatch)
		a.refreshBatch(ids[:n])
		ids = ids[n:]
	}
}

func (a *Credentials) refreshBatch(ids []int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := a.now().UnixNano()
	entries := make([]*credEntry, len(ids))
	a.mu.RLock()
	for i, id := range ids {
		entries[i] = a.creds[id]
	}
	a.mu.RUnlock()
	vers, err := a.db.DeviceVersions(ctx, ids)
	for i, id := range ids {
		e := entries[i]
		if e == nil {
			continue // forgotten meanwhile
		}
		if err != nil {
			continue // left stale: past maxStale the request path reloads
		}
		if vers[id] == e.version && !e.unknown {
			e.checked.Store(now)
			continue
		}
		_, _ = a.load(ctx, id, e, now) // a failure leaves the old entry, as above
	}
}

// errDevice builds the refusals of device requests. Their keys tell the
// device's maintainer what is wrong without telling an attacker whether the
// device exists.
func errDevice(key string) error { return escudo.Errorf(escudo.EUNAUTHORIZED, key) }

// authenticateDevice checks the request of the device named by the {id}
// path value, by its bearer token or its HMAC signature over body. Both the
// alert and the heartbeat endpoints use it. Refusals are not audited here;
// callers audit them with the reason (see auditDeviceRefusal).
//
// An unknown device and a known one with wrong credentials get the same
// answer after the same work, so device ids cannot be enumerated; only a
// caller that proves the device's secret learns that it is disabled.
func (s *server) authenticateDevice(r *http.Request, body []byte) (deviceIdentity, error) {
	d, _, err := s.authenticateSigned(r, body)
	return d, err
}

// signed is the signature a request carried, when it was signed.
type signed struct {
	at  time.Time
	mac []byte
}

// authenticateSigned is authenticateDevice that also returns the request's
// signature, for endpoints that remember it across nodes (alerts).
func (s *server) authenticateSigned(r *http.Request, body []byte) (deviceIdentity, *signed, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return deviceIdentity{}, nil, s.unknownDevice(r)
	}
	e, err := s.devices.credential(r.Context(), id)
	if err != nil {
		if escudo.ErrorCode(err) == escudo.ENOTFOUND {
			return deviceIdentity{}, nil, s.unknownDevice(r)
		}
		return deviceIdentity{}, nil, err
	}
	d := deviceIdentity{ID: id, PersonID: e.personID, Entity: e.entity, HeartbeatInterval: e.interval, CreatedAt: time.Unix(0, e.createdAt).UTC()}
	sig, err := s.proveDevice(r, e, body)
	if err != nil {
		return deviceIdentity{}, nil, err
	}
	if e.disabled {
		return deviceIdentity{}, nil, errDevice("error.device_disabled")
	}
	return d, sig, nil
}

// proveDevice checks the request's bearer token or signature against the
// device's credential.
func (s *server) proveDevice(r *http.Request, e *credEntry, body []byte) (*signed, error) {
	if !e.hmac {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || len(e.key) == 0 {
			return nil, errDevice("error.device_credentials")
		}
		// The keyed MAC costs allocations and two hash passes; a plain
		// digest of the token accepted last confirms a repeat of it.
		sum := tokenDigest(token)
		if last := e.tokenSum.Load(); last != nil && hmac.Equal(last[:], sum[:]) {
			return nil, nil
		}
		if !hmac.Equal(s.DB.DeviceTokenMAC(token), e.key) {
			return nil, errDevice("error.device_credentials")
		}
		kept := sum // a copy, so sum stays on the stack on the hot path
		e.tokenSum.Store(&kept)
		return nil, nil
	}
	h := r.Header.Get(escudo.SignatureHeader)
	if h == "" {
		return nil, errDevice("error.device_credentials")
	}
	t, mac, err := escudo.VerifySignature(e.key, h, body, s.devices.now())
	if err != nil {
		return nil, err
	}
	if !e.replay.remember(t.Unix(), mac) {
		return nil, errDevice("error.device_replay")
	}
	return &signed{at: t, mac: mac}, nil
}

// unknownDevice answers a request naming no device exactly as a wrong
// credential is answered, after the same keyed hash a token check costs.
func (s *server) unknownDevice(r *http.Request) error {
	_, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	_ = s.DB.DeviceTokenMAC(strings.TrimSpace(token))
	return errDevice("error.device_credentials")
}

// tokenDigest hashes a bearer token without allocating for tokens of
// ordinary length.
func tokenDigest(token string) [sha256.Size]byte {
	var buf [128]byte
	if len(token) <= len(buf) {
		return sha256.Sum256(append(buf[:0], token...))
	}
	return sha256.Sum256([]byte(token))
}

// remember records an accepted signature and reports false for a replay:
// a signature seen before, or one older than everything remembered once
// the ring has wrapped.
func (c *replays) remember(t int64, mac []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	var m [sha256.Size / 2]byte
	copy(m[:], mac)
	if c.wrapped && t < c.floor {
		return false
	}
	for _, s := range c.seen {
		if s.t == t && s.mac == m {
			return false
		}
	}
	old := c.seen[c.next]
	c.seen[c.next] = seenSig{t: t, mac: m}
	c.next = (c.next + 1) % replayRing
	if c.next == 0 {
		c.wrapped = true
	}
	if c.wrapped && old.t+1 > c.floor {
		// The evicted signature can no longer be recognised: refuse anything
		// at least as old.
		c.floor = old.t + 1
	}
	return true
}

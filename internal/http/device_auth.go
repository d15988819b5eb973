package http

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"escudo"
	"escudo/internal/store"
)

// deviceAuth authenticates device requests without a database read on the
// hot path: credentials are cached for a short time (so a device disabled on
// another node is refused within credentialTTL), and the HMAC signatures
// accepted recently are remembered per device to refuse replays.
type deviceAuth struct {
	db  *store.DB
	now func() time.Time

	mu    sync.Mutex
	creds map[int64]*cachedCred
}

// credentialTTL bounds how long a cached credential is trusted.
const credentialTTL = 30 * time.Second

// unknownTTL bounds how long an unknown device id is remembered as unknown
// (a device registered on another node is accepted after at most this).
const unknownTTL = 5 * time.Second

// replayRing is how many recent signatures are kept per device. A signed
// request older than the oldest kept one is refused as a possible replay;
// with a heartbeat every 5 s that is still 40 s of reordering tolerance,
// while memory per device stays small.
const replayRing = 8

type cachedCred struct {
	cred    *store.DeviceCredential
	loaded  time.Time
	seen    [replayRing]seenSig
	next    int
	floor   int64 // unix seconds: signatures at or before are refused once the ring wrapped
	wrapped bool
}

type seenSig struct {
	t   int64
	mac [sha256.Size]byte
}

func newDeviceAuth(db *store.DB) *deviceAuth {
	return &deviceAuth{db: db, now: db.Now, creds: map[int64]*cachedCred{}}
}

// forget drops a cached credential (after a change on this node).
func (a *deviceAuth) forget(id int64) {
	a.mu.Lock()
	delete(a.creds, id)
	a.mu.Unlock()
}

func (a *deviceAuth) credential(r *http.Request, id int64) (*cachedCred, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.creds[id]
	a.mu.Unlock()
	if ok && c.cred != nil && now.Sub(c.loaded) < credentialTTL {
		return c, nil
	}
	if ok && c.cred == nil && now.Sub(c.loaded) < unknownTTL {
		return nil, escudo.Errorf(escudo.ENOTFOUND, "error.device_not_found")
	}
	cred, err := a.db.DeviceCredential(r.Context(), id)
	if escudo.ErrorCode(err) == escudo.ENOTFOUND {
		// Remember unknown ids briefly, so a flood of them does not read
		// the database for every request.
		a.mu.Lock()
		if len(a.creds) > 500_000 {
			clear(a.creds)
		}
		a.creds[id] = &cachedCred{loaded: now}
		a.mu.Unlock()
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.creds[id]; ok && old.cred != nil {
		// Keep the replay memory across refreshes.
		old.cred, old.loaded = cred, now
		return old, nil
	}
	c = &cachedCred{cred: cred, loaded: now}
	if len(a.creds) > 500_000 {
		// Bound memory against a flood of ids; the cache refills as needed.
		clear(a.creds)
	}
	a.creds[id] = c
	return c, nil
}

// errDevice builds the refusals of device requests. Their keys tell the
// device's maintainer what is wrong without telling an attacker whether the
// device exists.
func errDevice(key string) error { return escudo.Errorf(escudo.EUNAUTHORIZED, key) }

// authenticateDevice checks the request of the device named by the {id}
// path value, by its bearer token or its HMAC signature over body. Both the
// alert and the heartbeat endpoints use it. Refusals are not audited here;
// callers audit them with the reason (see auditDeviceRefusal).
func (s *Server) authenticateDevice(r *http.Request, body []byte) (*escudo.Device, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errDevice("error.device_unknown")
	}
	c, err := s.devices.credential(r, id)
	if err != nil {
		if escudo.ErrorCode(err) == escudo.ENOTFOUND {
			return nil, errDevice("error.device_unknown")
		}
		return nil, err
	}
	d := c.cred.Device
	if d.Disabled {
		return nil, errDevice("error.device_disabled")
	}
	switch d.Auth {
	case escudo.AuthToken:
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return nil, errDevice("error.device_credentials")
		}
		if !hmac.Equal(s.db.DeviceTokenMAC(strings.TrimSpace(token)), c.cred.MAC) {
			return nil, errDevice("error.device_credentials")
		}
		return d, nil
	case escudo.AuthHMAC:
		h := r.Header.Get(escudo.SignatureHeader)
		if h == "" {
			return nil, errDevice("error.device_credentials")
		}
		t, mac, err := escudo.VerifySignature(c.cred.Secret, h, body, s.devices.now())
		if err != nil {
			return nil, err
		}
		if !s.devices.remember(c, t.Unix(), mac) {
			return nil, errDevice("error.device_replay")
		}
		return d, nil
	}
	return nil, errDevice("error.device_credentials")
}

// remember records an accepted signature and reports false for a replay:
// a signature seen before, or one older than everything remembered once
// the ring has wrapped.
func (a *deviceAuth) remember(c *cachedCred, t int64, mac []byte) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	var m [sha256.Size]byte
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

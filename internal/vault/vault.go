// Package vault encrypts sensitive fields at rest. Each compartment
// (identity, location, risk, logistics, safehouse) has its own data keys; data keys are
// stored wrapped by a master key that a KeyProvider holds, so a copy of the
// database without the master key reveals nothing. Every sealed value carries
// the id of the key that sealed it, so keys can rotate while old values stay
// readable until they are re-encrypted.
package vault

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Compartment groups fields that share keys and access rules.
type Compartment string

const (
	Identity  Compartment = "identity"  // names, phones, emails, relatives
	Location  Compartment = "location"  // addresses, coordinates
	Risk      Compartment = "risk"      // narratives, threats, aggressors, notes
	Logistics Compartment = "logistics" // escorts, device secrets, attachments
	// SafeHouse holds the safe-house registry (names, addresses,
	// coordinates, phones, notes): a key of its own, so that no reader of
	// cases, whatever their compartments, holds what opens it.
	SafeHouse Compartment = "safehouse"
	Blind     Compartment = "blind" // key for blind indexes (never used to seal)
)

// Compartments lists the sealing compartments.
var Compartments = []Compartment{Identity, Location, Risk, Logistics, SafeHouse}

// ErrDecrypt is returned for a value that does not authenticate.
var ErrDecrypt = errors.New("vault: value does not authenticate")

// KeyProvider wraps and unwraps data keys with a master key. A KMS or HSM
// implements it for installations that keep the master key off the server.
type KeyProvider interface {
	ID() string
	Wrap(dataKey []byte) ([]byte, error)
	Unwrap(wrapped []byte) ([]byte, error)
}

// KeyDeriver is a KeyProvider that also derives purpose-bound keys from its
// master key (the audit chain's MAC key). A KMS implements it with its own
// key-derivation or MAC operation.
type KeyDeriver interface {
	DeriveKey(purpose string, size int) ([]byte, error)
}

// WrappedKey is a data key as stored in the database.
type WrappedKey struct {
	ID          string
	Compartment Compartment
	Wrapped     []byte
	Active      bool
}

// Keyring holds the unwrapped data keys in memory.
type Keyring struct {
	provider KeyProvider
	mu       sync.RWMutex
	aeads    map[string]cipher.AEAD
	comp     map[string]Compartment // key id → compartment, for rotation
	active   map[Compartment]string
	blindKey []byte
}

// NewKeyring unwraps the stored keys. Every sealing compartment and the blind
// index need an active key; Missing reports which compartments lack one.
func NewKeyring(p KeyProvider, keys []WrappedKey) (*Keyring, error) {
	k := &Keyring{provider: p, aeads: map[string]cipher.AEAD{}, comp: map[string]Compartment{}, active: map[Compartment]string{}}
	for _, w := range keys {
		if err := k.add(w); err != nil {
			return nil, err
		}
	}
	return k, nil
}

func (k *Keyring) add(w WrappedKey) error {
	if len(w.ID) == 0 || len(w.ID) > 255 {
		return fmt.Errorf("vault: key id of %d bytes", len(w.ID))
	}
	raw, err := k.provider.Unwrap(w.Wrapped)
	if err != nil {
		return fmt.Errorf("vault: unwrap key %s: %w", w.ID, err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if w.Compartment == Blind {
		if w.Active {
			k.blindKey = raw
		}
		return nil
	}
	aead, err := chacha20poly1305.NewX(raw)
	if err != nil {
		return fmt.Errorf("vault: key %s: %w", w.ID, err)
	}
	k.aeads[w.ID] = aead
	k.comp[w.ID] = w.Compartment
	if w.Active {
		k.active[w.Compartment] = w.ID
	}
	return nil
}

// Missing returns the compartments that have no active key.
func (k *Keyring) Missing() []Compartment {
	k.mu.RLock()
	defer k.mu.RUnlock()
	var out []Compartment
	for _, c := range Compartments {
		if _, ok := k.active[c]; !ok {
			out = append(out, c)
		}
	}
	if k.blindKey == nil {
		out = append(out, Blind)
	}
	return out
}

// NewDataKey creates a fresh data key for c, wrapped for storage, and makes it
// the compartment's active key in this keyring.
func (k *Keyring) NewDataKey(c Compartment) (WrappedKey, error) {
	raw := make([]byte, chacha20poly1305.KeySize)
	if _, err := rand.Read(raw); err != nil {
		return WrappedKey{}, err
	}
	idb := make([]byte, 6)
	if _, err := rand.Read(idb); err != nil {
		return WrappedKey{}, err
	}
	wrapped, err := k.provider.Wrap(raw)
	if err != nil {
		return WrappedKey{}, fmt.Errorf("vault: wrap: %w", err)
	}
	w := WrappedKey{ID: string(c[:1]) + hex.EncodeToString(idb), Compartment: c, Wrapped: wrapped, Active: true}
	if err := k.add(w); err != nil {
		return WrappedKey{}, err
	}
	return w, nil
}

// Add makes a stored key usable, for keys created by another process (a
// rotation run by the command line while the server keeps serving). A key
// marked active becomes its compartment's active key.
func (k *Keyring) Add(w WrappedKey) error { return k.add(w) }

// Has reports whether the keyring holds a key.
func (k *Keyring) Has(id string) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	_, ok := k.aeads[id]
	return ok
}

// KeyCompartment returns the compartment of a data key, by its id.
func (k *Keyring) KeyCompartment(id string) (Compartment, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	c, ok := k.comp[id]
	return c, ok
}

// ActiveKey returns the id of the compartment's active key.
func (k *Keyring) ActiveKey(c Compartment) string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.active[c]
}

const envelopeVersion = 1

// Seal encrypts plaintext under the compartment's active key. The field name
// is bound as associated data so a value cannot be moved to another field.
// An empty plaintext seals to nil, so empty fields stay empty.
//
// Envelope: version(1) | len(keyID)(1) | keyID | nonce(24) | ciphertext+tag.
func (k *Keyring) Seal(c Compartment, field string, plaintext []byte) ([]byte, error) {
	if len(plaintext) == 0 {
		return nil, nil
	}
	k.mu.RLock()
	id := k.active[c]
	aead := k.aeads[id]
	k.mu.RUnlock()
	if aead == nil {
		return nil, fmt.Errorf("vault: no active key for %s", c)
	}
	out := make([]byte, 0, 2+len(id)+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out = append(out, envelopeVersion, byte(len(id))) // #nosec G115 -- add refuses ids over 255 bytes
	out = append(out, id...)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, []byte(field)), nil
}

// SealString is Seal for text.
func (k *Keyring) SealString(c Compartment, field, s string) ([]byte, error) {
	return k.Seal(c, field, []byte(s))
}

// KeyID returns the id of the key that sealed an envelope.
func KeyID(envelope []byte) (string, error) {
	if len(envelope) < 2 || envelope[0] != envelopeVersion || len(envelope) < 2+int(envelope[1]) {
		return "", ErrDecrypt
	}
	return string(envelope[2 : 2+int(envelope[1])]), nil
}

// Open decrypts an envelope sealed for field. A nil envelope opens to nil.
func (k *Keyring) Open(field string, envelope []byte) ([]byte, error) {
	if len(envelope) == 0 {
		return nil, nil
	}
	id, err := KeyID(envelope)
	if err != nil {
		return nil, err
	}
	k.mu.RLock()
	aead := k.aeads[id]
	k.mu.RUnlock()
	if aead == nil {
		return nil, fmt.Errorf("%w: unknown key %q", ErrDecrypt, id)
	}
	rest := envelope[2+len(id):]
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrDecrypt
	}
	pt, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], []byte(field))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// OpenString is Open for text.
func (k *Keyring) OpenString(field string, envelope []byte) (string, error) {
	b, err := k.Open(field, envelope)
	return string(b), err
}

// NeedsRotation reports whether an envelope was sealed under a key other than
// its compartment's active key.
func (k *Keyring) NeedsRotation(c Compartment, envelope []byte) bool {
	if len(envelope) == 0 {
		return false
	}
	id, err := KeyID(envelope)
	return err != nil || id != k.ActiveKey(c)
}

// Normalize folds a name for exact-match search: accents removed, case folded,
// inner spacing collapsed, punctuation dropped.
func Normalize(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		folded = s
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(folded) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case separatesWords(r):
			space = true
		}
	}
	return b.String()
}

// separatesWords reports whether r ends a word for Normalize: spaces,
// hyphens and the dots and commas of initials and lists ("J.Pérez,Ana").
func separatesWords(r rune) bool {
	return unicode.IsSpace(r) || r == '-' || r == '.' || r == ','
}

// BlindIndex returns a keyed hash of the normalised value, for exact-match
// search on encrypted fields. kind separates indexes ("name", "phone").
func (k *Keyring) BlindIndex(kind, value string) []byte {
	n := Normalize(value)
	if n == "" {
		return nil
	}
	k.mu.RLock()
	key := k.blindKey
	k.mu.RUnlock()
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(n))
	return m.Sum(nil)[:16]
}

// MAC returns a keyed hash of a secret (follow-up codes, device tokens), so
// the database holds no usable secret.
func (k *Keyring) MAC(kind string, secret []byte) []byte {
	k.mu.RLock()
	key := k.blindKey
	k.mu.RUnlock()
	m := hmac.New(sha256.New, key)
	m.Write([]byte("mac:" + kind))
	m.Write([]byte{0})
	m.Write(secret)
	return m.Sum(nil)
}

// DefaultPhoneRegion is the country assumed for a phone number typed without
// its country code.
const DefaultPhoneRegion = "MX"

// NormalizePhone writes a phone number in E.164 ("+529715550142") however it
// was typed ("9715550142", "971 555 0142", "+52 971 555 0142"), so its blind
// index matches any of those forms. region is the country assumed without a
// country code. A value that is not a phone number keeps its digits only.
func NormalizePhone(s, region string) string {
	if region == "" {
		region = DefaultPhoneRegion
	}
	if n, err := phonenumbers.Parse(s, region); err == nil && phonenumbers.IsPossibleNumberWithReason(n) == phonenumbers.IS_POSSIBLE {
		return phonenumbers.Format(n, phonenumbers.E164)
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// particles are the connecting words of Spanish and Portuguese names ("de
// la Cruz", "dos Santos"): shared by a large part of all people, they would
// find nobody in particular and make a search read a large part of the index.
var particles = map[string]bool{"de": true, "del": true, "la": true, "las": true, "los": true, "y": true, "e": true,
	"da": true, "das": true, "do": true, "dos": true, "van": true, "von": true}

// Words splits a value into its normalised words, each once, for the word
// indexes: any one word of a name or an organisation finds it. Single
// letters (initials) and name particles ("de", "la", "dos") are dropped:
// they would match too many people to be useful.
func Words(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.Fields(Normalize(s)) {
		if len([]rune(w)) < 2 || particles[w] || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

// WordIndexes returns the blind index of each normalised word of value, for
// the word index of kind ("name_word", "organization_word").
func (k *Keyring) WordIndexes(kind, value string) [][]byte {
	words := Words(value)
	out := make([][]byte, 0, len(words))
	for _, w := range words {
		out = append(out, k.BlindIndex(kind, w))
	}
	return out
}

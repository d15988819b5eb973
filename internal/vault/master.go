package vault

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// MasterKey is a KeyProvider holding a 256-bit master key in memory, read
// from a file or the ESCUDO_MASTER_KEY environment variable (hex).
type MasterKey struct {
	key []byte
	id  string
}

// NewMasterKey returns a provider for a raw 32-byte key.
func NewMasterKey(key []byte) (*MasterKey, error) {
	if len(key) != chacha20poly1305.KeySize {
		return nil, fmt.Errorf("vault: master key must be %d bytes, got %d", chacha20poly1305.KeySize, len(key))
	}
	sum := sha256.Sum256(append([]byte("escudo-master-id:"), key...))
	return &MasterKey{key: append([]byte(nil), key...), id: hex.EncodeToString(sum[:4])}, nil
}

// ParseMasterKey decodes a hex master key.
func ParseMasterKey(s string) (*MasterKey, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("vault: master key is not hex: %w", err)
	}
	return NewMasterKey(b)
}

// LoadMasterKey reads the key from the environment variable when set, else
// from path; with create, a missing file gets a new random key (mode 0600).
// A key file that other users can read is refused.
func LoadMasterKey(path string, create bool) (*MasterKey, error) {
	return LoadMasterKeyFile(path, KeyFileOptions{Create: create})
}

// KeyFileOptions tune LoadMasterKeyFile.
type KeyFileOptions struct {
	Create bool // a missing file gets a new random key (mode 0600)
	// AllowReadable accepts a key file that group or others can read,
	// calling Warn instead of refusing it.
	AllowReadable bool
	Warn          func(msg string)
}

// ErrReadableKey is returned for a key file that other users can read.
var ErrReadableKey = errors.New("vault: the master key file can be read by other users")

// LoadMasterKeyFile is LoadMasterKey with options.
func LoadMasterKeyFile(path string, o KeyFileOptions) (*MasterKey, error) {
	if s := os.Getenv("ESCUDO_MASTER_KEY"); s != "" {
		return ParseMasterKey(s)
	}
	create := o.Create
	// Windows has no permission bits; its ACLs are the folder's.
	if st, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		msg := fmt.Sprintf("%v: %s has mode %04o; run: chmod 600 %s", ErrReadableKey, path, st.Mode().Perm(), path)
		if !o.AllowReadable {
			return nil, fmt.Errorf("%w: %s has mode %04o; run: chmod 600 %s", ErrReadableKey, path, st.Mode().Perm(), path)
		}
		if o.Warn != nil {
			o.Warn(msg)
		}
	}
	b, err := os.ReadFile(path) // #nosec G304 -- path is the operator's configuration
	if errors.Is(err, os.ErrNotExist) && create {
		key := make([]byte, chacha20poly1305.KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, err
		}
		return NewMasterKey(key)
	} else if err != nil {
		return nil, fmt.Errorf("vault: read master key: %w", err)
	}
	return ParseMasterKey(string(b))
}

func (m *MasterKey) ID() string { return m.id }

// DeriveKey derives a key for one purpose from the master key (HKDF-SHA256,
// the purpose as info), so that a key such as the audit chain's is never
// stored anywhere: whoever holds the master key can derive it again.
func (m *MasterKey) DeriveKey(purpose string, size int) ([]byte, error) {
	return hkdf.Key(sha256.New, m.key, nil, "escudo:"+purpose, size)
}

func (m *MasterKey) Wrap(dataKey []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(m.key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, dataKey, []byte("escudo-data-key")), nil
}

func (m *MasterKey) Unwrap(wrapped []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(m.key)
	if err != nil {
		return nil, err
	}
	if len(wrapped) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrDecrypt
	}
	pt, err := aead.Open(nil, wrapped[:aead.NonceSize()], wrapped[aead.NonceSize():], []byte("escudo-data-key"))
	if err != nil {
		return nil, fmt.Errorf("%w (wrong master key?)", ErrDecrypt)
	}
	return pt, nil
}

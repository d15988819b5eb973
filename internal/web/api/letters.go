package api

import (
	"encoding/base64"
	"net/http"
	"time"

	"escudo/internal/web"
)

// letterKey is one published letter key.
type letterKey struct {
	ID        string     `json:"id"`
	PublicKey string     `json:"public_key"` // base64 of the 32-byte Ed25519 key
	Active    bool       `json:"active"`
	CreatedAt time.Time  `json:"created_at"`
	RetiredAt *time.Time `json:"retired_at,omitempty"`
}

// apiLetterKeys answers GET /api/v1/letters/key: the installation's letter
// public keys, the active one first; retired keys stay, so the letters they
// signed still verify (escudo letters verify FILE --key KEY). Public.
func (s *server) apiLetterKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := s.DB.LetterKeys(r.Context())
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	out := struct {
		Keys []letterKey `json:"keys"`
	}{Keys: []letterKey{}}
	for _, k := range keys {
		lk := letterKey{ID: k.ID, PublicKey: base64.StdEncoding.EncodeToString(k.PublicKey), Active: k.Active, CreatedAt: k.CreatedAt}
		if !k.RetiredAt.IsZero() {
			t := k.RetiredAt
			lk.RetiredAt = &t
		}
		out.Keys = append(out.Keys, lk)
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	web.WriteJSON(w, http.StatusOK, out)
}

package public

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"escudo"
	"escudo/internal/letters"
	"escudo/internal/web"
)

// The public verification page (/verificar), the target of every letter's
// QR code: by identifier and hash (the QR code's link) or by uploading the
// PDF. It says whether the letter is genuine, altered or superseded, and by
// which resolution and when — never whom it concerns or what it decides.

// maxLetterBytes bounds an uploaded letter; a letter is a few tens of KB.
const maxLetterBytes = 2 << 20

var hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Verdicts of the page.
const (
	verdictValid      = "valid"
	verdictSuperseded = "superseded"
	verdictTampered   = "tampered"   // the file or the hash is not what was issued
	verdictUnknown    = "unknown"    // no letter under that identifier
	verdictUnreadable = "unreadable" // not a letter
)

type verifyKey struct {
	ID, Key string
	Active  bool
	Created time.Time
}

type verifyData struct {
	Verdict         string // "" before a question
	Identifier      string
	Resolution      string
	Hash            string
	IssuedAt        time.Time
	SupersededIdent string
	SupersededAt    time.Time
	Keys            []verifyKey
}

func (s *server) verifyPage(r *http.Request, d *verifyData) (*web.Page, error) {
	keys, err := s.DB.LetterKeys(r.Context())
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		d.Keys = append(d.Keys, verifyKey{ID: k.ID, Key: base64.StdEncoding.EncodeToString(k.PublicKey), Active: k.Active, Created: k.CreatedAt})
	}
	return s.publicPage(r, "verify.title", d), nil
}

func (s *server) renderVerify(w http.ResponseWriter, r *http.Request, status int, d *verifyData, form map[string][]string, err error) {
	p, perr := s.verifyPage(r, d)
	if perr != nil {
		s.ServerError(w, r, perr)
		return
	}
	p.Form = form
	if err != nil {
		p.SetErrors("", err)
	}
	s.Render(w, r, status, "verify", p)
}

// registry completes a verdict from the register of issued letters.
func (s *server) registry(r *http.Request, d *verifyData, hash string) error {
	st, err := s.DB.LetterStatusByIdentifier(r.Context(), d.Identifier)
	if escudo.ErrorCode(err) == escudo.ENOTFOUND {
		d.Verdict = verdictUnknown
		return nil
	} else if err != nil {
		return err
	}
	d.Resolution, d.IssuedAt = st.Resolution, st.IssuedAt
	switch {
	case st.Hash != hash:
		d.Verdict = verdictTampered
	case st.Superseded():
		d.Verdict, d.SupersededIdent, d.SupersededAt = verdictSuperseded, st.SupersededIdent, st.SupersededAt
		d.Hash = hash
	default:
		d.Verdict, d.Hash = verdictValid, hash
	}
	return nil
}

// handleVerify answers the QR code's link, /verificar?l=IDENT&h=HASH, and
// shows the forms when asked nothing.
func (s *server) handleVerify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ident, hash := strings.TrimSpace(q.Get("l")), strings.ToLower(strings.TrimSpace(q.Get("h")))
	d := &verifyData{}
	if ident == "" && hash == "" {
		s.renderVerify(w, r, http.StatusOK, d, nil, nil)
		return
	}
	form := map[string][]string{"l": {ident}, "h": {hash}}
	var v escudo.ValidationErrors
	if !letters.ValidIdentifier(ident) {
		v.Add("l", "verify.bad_identifier", nil)
	}
	if !hashPattern.MatchString(hash) {
		v.Add("h", "verify.bad_hash", nil)
	}
	if len(v) > 0 {
		s.renderVerify(w, r, http.StatusBadRequest, d, form, v)
		return
	}
	if !s.StatusByAddr.Allow(web.ClientAddr(r)) {
		s.tooMany(w, r)
		return
	}
	d.Identifier = ident
	if err := s.registry(r, d, hash); err != nil {
		s.ServerError(w, r, err)
		return
	}
	s.renderVerify(w, r, http.StatusOK, d, form, nil)
}

// handleVerifyUpload checks an uploaded PDF with the installation's
// published keys, then against the register.
func (s *server) handleVerifyUpload(w http.ResponseWriter, r *http.Request) {
	if !s.StatusByAddr.Allow(web.ClientAddr(r)) {
		s.tooMany(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLetterBytes+64<<10)
	file, err := readUpload(w, r)
	if err != nil {
		var v escudo.ValidationErrors
		v.Add("letter", "verify.no_file", map[string]any{"Max": maxLetterBytes >> 20})
		s.renderVerify(w, r, http.StatusBadRequest, &verifyData{}, nil, v)
		return
	}
	keys, err := s.DB.LetterKeys(r.Context())
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	pubs := make([]ed25519.PublicKey, 0, len(keys))
	for _, k := range keys {
		pubs = append(pubs, k.PublicKey)
	}
	res, err := letters.VerifyWithAny(file, pubs)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	d := &verifyData{}
	switch res.Status {
	case letters.Unreadable:
		d.Verdict = verdictUnreadable
	case letters.Valid:
		d.Identifier = res.Document.Identifier
		if err := s.registry(r, d, res.Hash); err != nil {
			s.ServerError(w, r, err)
			return
		}
	default:
		d.Verdict, d.Identifier = verdictTampered, res.Document.Identifier
	}
	s.renderVerify(w, r, http.StatusOK, d, nil, nil)
}

func readUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	// The whole body is bounded, not only the part kept in memory: a
	// letter and the form's few fields, nothing more.
	r.Body = http.MaxBytesReader(w, r.Body, maxLetterBytes+64<<10)
	if err := r.ParseMultipartForm(maxLetterBytes); err != nil { // #nosec G120 -- the body is bounded by MaxBytesReader above
		return nil, err
	}
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	f, _, err := r.FormFile("letter")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxLetterBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) == 0 || len(b) > maxLetterBytes {
		return nil, errors.New("public: letter empty or too large")
	}
	return b, nil
}

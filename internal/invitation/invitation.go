// Package invitation decides the rules of a portal invitation (docs/accounts.md):
// on which channel and to which address a beneficiary is invited, the
// token and its digest, the neutral text of the message, the state of an
// invitation and whether a chosen passphrase is long enough. Pure Go over
// the domain: the store keeps the invitations, the sign-in pages accept
// them.
package invitation

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"escudo"
)

// DefaultTTL is how long an invitation can be accepted.
const DefaultTTL = 7 * 24 * time.Hour

// Channels an invitation travels on.
const (
	Email = "email"
	SMS   = "sms"
)

// Choose picks the channel and address to invite a person on: the one
// they chose when it is e-mail or SMS, else e-mail when there is one, else
// SMS to their phone, never SMS when they refused it. ok is false when
// there is no way to reach them in writing.
func Choose(p *escudo.Person) (channel, address string, ok bool) {
	sms := p.Phone != "" && !p.Contact.NeverSMS
	switch {
	case p.Contact.Channel == escudo.ContactSMS && sms:
		return SMS, p.Phone, true
	case p.Email != "":
		return Email, p.Email, true
	case sms:
		return SMS, p.Phone, true
	}
	return "", "", false
}

// CheckAddress validates an address staff typed for an invitation. An SMS
// is refused when the person said never by SMS.
func CheckAddress(channel, address string, neverSMS bool) error {
	address = strings.TrimSpace(address)
	switch channel {
	case Email:
		if address == "" {
			return escudo.FieldError("destination", "validation.required", nil)
		}
		if a, err := mail.ParseAddress(address); err != nil || a.Address != address || utf8.RuneCountInString(address) > escudo.MaxShortText {
			return escudo.FieldError("destination", "validation.email", nil)
		}
	case SMS:
		if neverSMS {
			return escudo.FieldError("channel", "validation.never_sms", nil)
		}
		if address == "" {
			return escudo.FieldError("destination", "validation.required", nil)
		}
		if !escudo.ValidPhone(address) {
			return escudo.FieldError("destination", "validation.phone", nil)
		}
	default:
		return escudo.FieldError("channel", "validation.choice", nil)
	}
	return nil
}

// tokenPrefix marks escudo's invitation tokens, so a mistyped or foreign
// link is told from an unknown one without a database look-up.
const tokenPrefix = "i1."

// NewToken returns a fresh random token (32 bytes) and its digest, the only
// form of it that is kept.
func NewToken() (token, digest string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, Digest(token), nil
}

// Digest is the stored form of a token.
func Digest(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// WellFormed reports whether s can be an invitation token at all.
func WellFormed(s string) bool {
	if !strings.HasPrefix(s, tokenPrefix) || len(s) != len(tokenPrefix)+43 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(s[len(tokenPrefix):])
	return err == nil && len(b) == 32
}

// State is where an invitation stands.
type State string

const (
	Pending  State = "pending"
	Accepted State = "accepted"
	Expired  State = "expired"
	Revoked  State = "revoked"
)

// StateAt is an invitation's state at now.
func StateAt(now, expires time.Time, used, revoked *time.Time) State {
	switch {
	case used != nil:
		return Accepted
	case revoked != nil:
		return Revoked
	case !now.Before(expires):
		return Expired
	}
	return Pending
}

// Refusal is the translation key that tells a person why an invitation
// link no longer opens; "" for a pending one.
func Refusal(s State) string {
	switch s {
	case Accepted:
		return "invitation.used"
	case Expired:
		return "invitation.expired"
	case Revoked:
		return "invitation.revoked"
	case Pending:
		return ""
	}
	return "invitation.unknown"
}

// Message is the invitation's subject and text. It names neither the
// Mechanism nor protection, risk or danger, so that whoever reads the
// phone over the person's shoulder learns nothing; the link and the date
// are all it carries.
func Message(publicURL, token string, expires time.Time, english bool) (subject, body string) {
	link := strings.TrimRight(publicURL, "/") + "/invitacion/" + token
	day := expires.Format("02/01/2006")
	if english {
		return "You have a new notice", "To activate your account go to " + link + " before " + day + "."
	}
	return "Tienes un aviso nuevo", "Para activar tu cuenta entra a " + link + " antes del " + day + "."
}

// Revealing are words an invitation, a notice's subject or its text must
// never carry (lower case, accents folded).
var Revealing = []string{"proteccion", "protection", "riesgo", "risk", "mecanismo", "mechanism", "amenaza", "threat",
	"defensor", "defender", "periodista", "journalist", "peligro", "danger", "medida", "measure", "escolta", "escort",
	"seguridad", "security", "victima", "victim", "derechos humanos", "human rights"}

// Reveals returns the first revealing word in text, or "".
func Reveals(text string) string {
	folded := strings.ToLower(strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "Á", "a", "É", "e", "Í", "i", "Ó", "o", "Ú", "u").Replace(text))
	for _, w := range Revealing {
		if strings.Contains(folded, w) {
			return w
		}
	}
	return ""
}

// Passphrase limits: at least four words or sixteen characters.
const (
	MinWords     = 4
	MinChars     = 16
	MaxPassBytes = 1024
)

// CheckPassphrase says whether a chosen passphrase is long enough: four
// words or more (each of two letters at least), or sixteen characters.
func CheckPassphrase(pw string) error {
	if len(pw) > MaxPassBytes {
		return escudo.FieldError("password", "validation.too_long", map[string]any{"Max": MaxPassBytes})
	}
	words := 0
	for _, w := range strings.Fields(pw) {
		if utf8.RuneCountInString(w) >= 2 {
			words++
		}
	}
	if words >= MinWords || utf8.RuneCountInString(strings.TrimSpace(pw)) >= MinChars {
		return nil
	}
	return escudo.FieldError("password", "validation.passphrase_short", map[string]any{"Words": MinWords, "Min": MinChars})
}

// CheckName validates a representative's name: required by the caller,
// at most escudo.MaxShortText characters, no control or direction marks.
func CheckName(s string) error {
	if utf8.RuneCountInString(s) > escudo.MaxShortText {
		return escudo.FieldError("representative", "validation.too_long", map[string]any{"Max": escudo.MaxShortText})
	}
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || r >= 0x200E && r <= 0x200F || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 {
			return escudo.FieldError("representative", "validation.characters", nil)
		}
	}
	return nil
}

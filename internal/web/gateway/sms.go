package gateway

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"escudo"
)

// smsMessage is one inbound SMS as the gateway reports it.
type smsMessage struct {
	From  string
	Body  string
	ID    string // the gateway's message id, for deduplication of retries
	Alert escudo.SMSAlert
}

// decodeSMSForm reads the gateway's form body (application/x-www-form-urlencoded):
// from (the sender's number), body (the text) and optionally id. Only a
// missing sender or an unreadable form is refused; the text itself is never
// a reason to drop an alert.
func decodeSMSForm(b []byte) (smsMessage, error) {
	var m smsMessage
	vals, err := url.ParseQuery(string(b))
	if err != nil {
		return m, escudo.Errorf(escudo.EINVALID, "error.sms_malformed")
	}
	m.From = strings.TrimSpace(vals.Get("from"))
	if m.From == "" || len(m.From) > 32 || len(escudo.PhoneKey(m.From)) < 7 {
		return m, escudo.FieldError("from", "validation.phone", nil)
	}
	m.Body = vals.Get("body")
	if !utf8.ValidString(m.Body) {
		m.Body = strings.ToValidUTF8(m.Body, "\uFFFD")
	}
	if m.Alert, err = escudo.ParseSMSAlert(m.Body); err != nil {
		return m, err
	}
	if id := strings.TrimSpace(vals.Get("id")); id != "" && len(id) <= 128 && utf8.ValidString(id) {
		m.ID = "sms:" + id
	}
	return m, nil
}

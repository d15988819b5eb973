package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/store"
)

// Webhook posts the notification's body (JSON) to its recipient URL, signed
// with X-Escudo-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>,
// the same scheme devices use. X-Escudo-Delivery carries the outbox id so
// receivers can drop a repeated delivery.
type Webhook struct {
	Client *http.Client // a client with a 10 s timeout when nil
	Secret []byte
	Now    func() time.Time
}

var defaultClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
	Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second,
	DialContext: (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
}}

// Send implements Sender.
func (w *Webhook) Send(ctx context.Context, n store.Notification) (int, error) {
	c := w.Client
	if c == nil {
		c = defaultClient
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	body := []byte(n.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.Recipient, bytes.NewReader(body))
	if err != nil {
		return 0, &PermanentError{fmt.Errorf("webhook: bad URL: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "escudo-notify/1")
	req.Header.Set("X-Escudo-Delivery", strconv.FormatInt(n.ID, 10))
	req.Header.Set("X-Escudo-Kind", n.Kind)
	if len(w.Secret) > 0 {
		req.Header.Set(escudo.SignatureHeader, escudo.Sign(w.Secret, now(), body))
	}
	return doHTTP(c, req)
}

// doHTTP sends req; 2xx is delivered, 408/429/5xx are retried, other
// answers are permanent failures.
func doHTTP(c *http.Client, req *http.Request) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, nil
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return resp.StatusCode, fmt.Errorf("receiver answered %d", resp.StatusCode)
	default:
		return resp.StatusCode, &PermanentError{fmt.Errorf("receiver refused with %d", resp.StatusCode)}
	}
}

// SMSGateway sends SMS through an HTTP gateway: a POST of
// {"to": "<number>", "body": "<text>", "id": "<outbox id>"} as JSON, with
// "Authorization: Bearer <token>" when a token is set (docs/sms-webhook.md).
type SMSGateway struct {
	URL    string
	Token  string
	Client *http.Client
}

// Send implements Sender.
func (g *SMSGateway) Send(ctx context.Context, n store.Notification) (int, error) {
	c := g.Client
	if c == nil {
		c = defaultClient
	}
	b, _ := json.Marshal(map[string]string{"to": n.Recipient, "body": n.Body, "id": strconv.FormatInt(n.ID, 10)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(b))
	if err != nil {
		return 0, &PermanentError{fmt.Errorf("sms gateway: bad URL: %w", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	if g.Token != "" {
		req.Header.Set("Authorization", "Bearer "+g.Token)
	}
	return doHTTP(c, req)
}

// SMTP sends e-mail through a relay.
type SMTP struct {
	Addr     string // host:port
	From     string
	Username string // PLAIN auth when set (only over TLS, as net/smtp insists)
	Password string
	// StartTLS: "" or "opportunistic" uses STARTTLS when offered, "required"
	// refuses to send without it, "off" never uses it.
	StartTLS  string
	TLSConfig *tls.Config
	HelloName string
	Now       func() time.Time
}

// Send implements Sender.
func (m *SMTP) Send(ctx context.Context, n store.Notification) (int, error) {
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return 0, &PermanentError{fmt.Errorf("smtp: address: %w", err)}
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return 0, fmt.Errorf("smtp: dial: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return 0, fmt.Errorf("smtp: greeting: %w", err)
	}
	defer c.Close()
	if m.HelloName != "" {
		if err := c.Hello(m.HelloName); err != nil {
			return 0, fmt.Errorf("smtp: hello: %w", err)
		}
	}
	if m.StartTLS != "off" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			cfg := m.TLSConfig
			if cfg == nil {
				cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
			}
			if err := c.StartTLS(cfg); err != nil {
				return 0, fmt.Errorf("smtp: starttls: %w", err)
			}
		} else if m.StartTLS == "required" {
			return 0, errors.New("smtp: server does not offer STARTTLS")
		}
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return 0, &PermanentError{fmt.Errorf("smtp: auth: %w", err)}
		}
	}
	if err := c.Mail(m.From); err != nil {
		return smtpCode(err), smtpErr("mail from", err)
	}
	if err := c.Rcpt(n.Recipient); err != nil {
		return smtpCode(err), smtpErr("rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpCode(err), smtpErr("data", err)
	}
	if _, err := w.Write(m.message(n)); err != nil {
		return 0, fmt.Errorf("smtp: write: %w", err)
	}
	if err := w.Close(); err != nil {
		return smtpCode(err), smtpErr("end of data", err)
	}
	_ = c.Quit()
	return 250, nil
}

func smtpCode(err error) int {
	var e *textproto.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// smtpErr makes 5xx replies permanent and everything else retryable.
func smtpErr(step string, err error) error {
	if c := smtpCode(err); c >= 500 && c < 600 {
		return &PermanentError{fmt.Errorf("smtp: %s: %w", step, err)}
	}
	return fmt.Errorf("smtp: %s: %w", step, err)
}

// message builds an RFC 5322 message, UTF-8, quoted-printable.
func (m *SMTP) message(n store.Notification) []byte {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	domain := "escudo.invalid"
	if i := strings.LastIndexByte(m.From, '@'); i >= 0 {
		domain = m.From[i+1:]
	}
	var b bytes.Buffer
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", m.From)
	hdr("To", n.Recipient)
	hdr("Subject", mime.QEncoding.Encode("utf-8", n.Subject))
	hdr("Date", now().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domain+">")
	hdr("X-Escudo-Delivery", strconv.FormatInt(n.ID, 10))
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(strings.ReplaceAll(n.Body, "\n", "\r\n")))
	_ = qp.Close()
	return b.Bytes()
}

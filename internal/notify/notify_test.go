package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// mailbox is a real SMTP server on a local port that keeps what it receives.
type mailbox struct {
	mu       sync.Mutex
	msgs     []received
	rejectTo string // recipient refused with 550
}

type received struct {
	from string
	to   []string
	data []byte
}

type smtpSession struct {
	mb   *mailbox
	from string
	to   []string
}

func (mb *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{mb: mb}, nil }
func (s *smtpSession) Reset()                                   { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error                            { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == s.mb.rejectTo {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.to = append(s.to, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mb.mu.Lock()
	s.mb.msgs = append(s.mb.msgs, received{from: s.from, to: s.to, data: b})
	s.mb.mu.Unlock()
	return nil
}

func startSMTP(t *testing.T) (*mailbox, string) {
	t.Helper()
	mb := &mailbox{}
	srv := smtp.NewServer(mb)
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return mb, ln.Addr().String()
}

func enqueue(t *testing.T, db *store.DB, ns ...store.Notification) []int64 {
	t.Helper()
	var ids []int64
	err := db.WithTx(context.Background(), true, func(tx *store.Tx) error {
		for _, n := range ns {
			n, err := tx.EnqueueAlertNotification(context.Background(), n, 0)
			if err != nil {
				return err
			}
			ids = append(ids, n.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestDeliveryOverEveryChannel(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		mb, smtpAddr := startSMTP(t)
		secret := []byte("webhook signing secret")
		var hooks []*http.Request
		var hookBodies [][]byte
		var mu sync.Mutex
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			// The receiver checks the signature as a real one would.
			if _, _, err := escudo.VerifySignature(secret, r.Header.Get(escudo.SignatureHeader), b, clock.Now()); err != nil {
				http.Error(w, "bad signature", http.StatusUnauthorized)
				return
			}
			mu.Lock()
			hooks, hookBodies = append(hooks, r), append(hookBodies, b)
			mu.Unlock()
		}))
		defer hook.Close()
		var smsGot []map[string]string
		gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer gw-token" {
				http.Error(w, "no", http.StatusUnauthorized)
				return
			}
			var m map[string]string
			_ = json.NewDecoder(r.Body).Decode(&m)
			mu.Lock()
			smsGot = append(smsGot, m)
			mu.Unlock()
		}))
		defer gw.Close()

		d, err := New(Options{DB: db, Now: clock.Now, Senders: map[string]Sender{
			store.ChannelWebhook: &Webhook{Secret: secret, Now: clock.Now},
			store.ChannelEmail:   &SMTP{Addr: smtpAddr, From: "alertas@mecanismo.example", StartTLS: "off", Now: clock.Now},
			store.ChannelSMS:     &SMSGateway{URL: gw.URL, Token: "gw-token"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		ids := enqueue(t, db,
			store.Notification{Channel: store.ChannelWebhook, Recipient: hook.URL, Kind: "alert", Subject: "ALERTA #1", Body: `{"alert_id":1}`},
			store.Notification{Channel: store.ChannelEmail, Recipient: "guardia@mecanismo.example", Kind: "alert", Subject: "ALERTA #1 pánico OAX",
				Body: "ALERTA escudo #1: pánico (Oaxaca).\nUbicación: 17.06543,-96.72360"},
			store.Notification{Channel: store.ChannelSMS, Recipient: "+529515550000", Kind: "alert", Subject: "ALERTA #1", Body: "ESCUDO ALERTA #1"},
		)
		n, err := d.Flush(ctx)
		if err != nil || n != 3 {
			t.Fatalf("flushed %d (err %v)", n, err)
		}
		if len(hooks) != 1 || string(hookBodies[0]) != `{"alert_id":1}` || hooks[0].Header.Get("X-Escudo-Delivery") != itoa(ids[0]) {
			t.Fatalf("webhook got %d requests: %q", len(hooks), hookBodies)
		}
		if len(smsGot) != 1 || smsGot[0]["to"] != "+529515550000" || smsGot[0]["body"] != "ESCUDO ALERTA #1" {
			t.Fatalf("sms gateway got %v", smsGot)
		}
		mb.mu.Lock()
		msgs := mb.msgs
		mb.mu.Unlock()
		if len(msgs) != 1 || msgs[0].to[0] != "guardia@mecanismo.example" || msgs[0].from != "alertas@mecanismo.example" {
			t.Fatalf("mailbox: %+v", msgs)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(msgs[0].data)))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
		if subject != "ALERTA #1 pánico OAX" || !strings.Contains(string(body), "Ubicación: 17.06543,-96.72360") {
			t.Fatalf("mail subject %q body %q", subject, body)
		}
		for _, id := range ids {
			got, err := db.FindNotification(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != store.OutboxDelivered || got.Attempts != 1 || got.DeliveredAt == nil {
				t.Fatalf("notification %d: %+v", id, got)
			}
			att, err := db.DeliveryAttempts(ctx, id)
			if err != nil || len(att) != 1 || att[0].Outcome != store.AttemptDelivered {
				t.Fatalf("attempts of %d: %+v %v", id, att, err)
			}
		}
		// Nothing is left to deliver.
		if n, err := d.Flush(ctx); err != nil || n != 0 {
			t.Fatalf("second flush delivered %d (err %v)", n, err)
		}
	})
}

func TestRetriesWithBackoffUntilReceiverIsBack(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		var up atomic.Bool
		var calls atomic.Int32
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			if !up.Load() {
				http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			}
		}))
		defer hook.Close()
		d, err := New(Options{DB: db, Now: clock.Now, BaseBackoff: 10 * time.Second, MaxBackoff: time.Minute,
			Senders: map[string]Sender{store.ChannelWebhook: &Webhook{}}})
		if err != nil {
			t.Fatal(err)
		}
		ids := enqueue(t, db, store.Notification{Channel: store.ChannelWebhook, Recipient: hook.URL, Kind: "alert", Body: `{}`})
		var last time.Time
		for attempt := 1; attempt <= 4; attempt++ {
			n, err := d.Flush(ctx)
			if err != nil || n != 1 {
				t.Fatalf("attempt %d: flushed %d (err %v)", attempt, n, err)
			}
			got, _ := db.FindNotification(ctx, ids[0])
			if got.Status != store.OutboxPending || got.Attempts != attempt || !strings.Contains(got.LastError, "503") {
				t.Fatalf("attempt %d: %+v", attempt, got)
			}
			wait := got.NextAttempt.Sub(clock.Now())
			// Exponential with jitter: between half and all of base·2^(n-1), capped.
			full := min(10*time.Second<<(attempt-1), time.Minute)
			if wait < full/2 || wait > full {
				t.Fatalf("attempt %d: next try in %v, want within [%v, %v]", attempt, wait, full/2, full)
			}
			// Not due yet: nothing happens.
			if n, _ := d.Flush(ctx); n != 0 {
				t.Fatalf("retried before the backoff ended")
			}
			last = got.NextAttempt
			clock.Set(last)
		}
		up.Store(true)
		if n, err := d.Flush(ctx); err != nil || n != 1 {
			t.Fatalf("after recovery: flushed %d (err %v)", n, err)
		}
		got, _ := db.FindNotification(ctx, ids[0])
		if got.Status != store.OutboxDelivered || got.Attempts != 5 {
			t.Fatalf("after recovery: %+v", got)
		}
		att, _ := db.DeliveryAttempts(ctx, ids[0])
		if len(att) != 5 || att[4].Outcome != store.AttemptDelivered || att[0].StatusCode != 503 {
			t.Fatalf("attempts %+v", att)
		}
		if calls.Load() != 5 {
			t.Fatalf("receiver saw %d calls, want 5", calls.Load())
		}
	})
}

func TestPermanentFailuresAndGivingUp(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		mb, smtpAddr := startSMTP(t)
		mb.rejectTo = "nadie@mecanismo.example"
		gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) }))
		defer gone.Close()
		down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "x", http.StatusBadGateway) }))
		defer down.Close()
		d, _ := New(Options{DB: db, Now: clock.Now, MaxAttempts: 2, BaseBackoff: time.Second, Senders: map[string]Sender{
			store.ChannelWebhook: &Webhook{},
			store.ChannelEmail:   &SMTP{Addr: smtpAddr, From: "alertas@mecanismo.example", StartTLS: "off"},
		}})
		ids := enqueue(t, db,
			store.Notification{Channel: store.ChannelWebhook, Recipient: gone.URL, Kind: "alert", Body: `{}`},
			store.Notification{Channel: store.ChannelEmail, Recipient: "nadie@mecanismo.example", Kind: "alert", Body: "x"},
			store.Notification{Channel: store.ChannelWebhook, Recipient: down.URL, Kind: "alert", Body: `{}`},
			store.Notification{Channel: store.ChannelSMS, Recipient: "+5255", Kind: "alert", Body: "x"}, // no gateway configured
		)
		for range 3 {
			if _, err := d.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Minute)
		}
		// The SMS waits, untouched, for a node with an SMS gateway: a
		// channel this node cannot send costs no attempt and is not lost.
		want := []struct {
			status   string
			attempts int
		}{{store.OutboxFailed, 1}, {store.OutboxFailed, 1}, {store.OutboxFailed, 2}, {store.OutboxPending, 0}}
		for i, id := range ids {
			got, _ := db.FindNotification(ctx, id)
			if got.Status != want[i].status || got.Attempts != want[i].attempts {
				t.Errorf("notification %d: status %s after %d attempts, want %s after %d (%s)", i, got.Status, got.Attempts, want[i].status, want[i].attempts, got.LastError)
			}
		}
		var texts atomic.Int32
		gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { texts.Add(1) }))
		defer gw.Close()
		sms, _ := New(Options{DB: db, Now: clock.Now, Senders: map[string]Sender{store.ChannelSMS: &SMSGateway{URL: gw.URL}}})
		if n, err := sms.Flush(ctx); err != nil || n != 1 {
			t.Fatalf("node with an SMS gateway made %d attempts (err %v), want 1", n, err)
		}
		if got, _ := db.FindNotification(ctx, ids[3]); got.Status != store.OutboxDelivered || got.Attempts != 1 || texts.Load() != 1 {
			t.Fatalf("SMS after a node with a gateway took it: status %s, %d attempts, gateway saw %d", got.Status, got.Attempts, texts.Load())
		}
	})
}

func TestUnconfiguredChannelNotHandedOver(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		reg := prometheus.NewRegistry()
		d, err := New(Options{DB: db, Now: clock.Now, Registry: reg, Senders: map[string]Sender{store.ChannelWebhook: &Webhook{}}})
		if err != nil {
			t.Fatal(err)
		}
		var n store.Notification
		_ = db.WithTx(ctx, true, func(tx *store.Tx) (err error) {
			n, err = tx.EnqueueAlertNotification(ctx, store.Notification{Channel: store.ChannelEmail, Recipient: "guardia@mecanismo.example", Kind: "alert", Body: "x"}, time.Second)
			return err
		})
		d.Deliver([]store.Notification{n})
		if len(d.jobs) != 0 {
			t.Fatal("an e-mail was handed to workers that have no SMTP server")
		}
		clock.Advance(time.Minute)
		if c, err := d.Flush(ctx); err != nil || c != 0 {
			t.Fatalf("flush attempted %d e-mails without SMTP (err %v)", c, err)
		}
		if got, _ := db.FindNotification(ctx, n.ID); got.Status != store.OutboxPending || got.Attempts != 0 {
			t.Fatalf("e-mail without SMTP: %s after %d attempts", got.Status, got.Attempts)
		}
		if got := d.Channels(); len(got) != 1 || got[0] != store.ChannelWebhook {
			t.Fatalf("channels %v", got)
		}
		want := `
# HELP escudo_outbox_pending Notifications waiting for delivery, by channel and whether this node can send the channel.
# TYPE escudo_outbox_pending gauge
escudo_outbox_pending{channel="email",configured="false"} 1
escudo_outbox_pending{channel="sms",configured="false"} 0
escudo_outbox_pending{channel="webhook",configured="true"} 0
`
		if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "escudo_outbox_pending"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestImmediatePathAndWorkers(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan string, 10)
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got <- r.Header.Get("X-Escudo-Delivery")
		}))
		defer hook.Close()
		d, _ := New(Options{DB: db, Now: clock.Now, Workers: 2, PollInterval: time.Hour, Senders: map[string]Sender{store.ChannelWebhook: &Webhook{}}})
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		// Held rows (as the alert pipeline writes them) are delivered only
		// because they are handed over, not by polling.
		var ns []store.Notification
		_ = db.WithTx(ctx, true, func(tx *store.Tx) error {
			n, err := tx.EnqueueAlertNotification(ctx, store.Notification{Channel: store.ChannelWebhook, Recipient: hook.URL, Kind: "alert", Body: "{}"}, time.Minute)
			ns = append(ns, n)
			return err
		})
		d.Deliver(ns)
		select {
		case id := <-got:
			if id != itoa(ns[0].ID) {
				t.Fatalf("delivered %s, want %d", id, ns[0].ID)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("handed-over notification not delivered")
		}
		cancel()
		<-done // Run records pending results before returning
		n, _ := db.FindNotification(context.Background(), ns[0].ID)
		if n.Status != store.OutboxDelivered {
			t.Fatalf("status after run: %s", n.Status)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Notifications handed over before their transaction commits are sent at
// once; the attempt is recorded only after the commit, and not at all when
// the commit fails.
func TestDeliverBeforeCommit(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan string, 10)
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got <- r.Header.Get("X-Escudo-Delivery")
		}))
		defer hook.Close()
		reg := prometheus.NewRegistry()
		d, _ := New(Options{DB: db, Now: clock.Now, Workers: 2, PollInterval: time.Hour, RecordDelay: time.Millisecond, Registry: reg,
			Senders: map[string]Sender{store.ChannelWebhook: &Webhook{}}})
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		enqueue := func() store.Notification {
			var n store.Notification
			_ = db.WithTx(ctx, true, func(tx *store.Tx) (err error) {
				n, err = tx.EnqueueAlertNotification(ctx, store.Notification{Channel: store.ChannelWebhook, Recipient: hook.URL, Kind: "alert", Body: "{}"}, time.Minute)
				return err
			})
			return n
		}
		// The commit is held open: the receiver still gets the page.
		n := enqueue()
		release := make(chan error)
		var outcome error
		var once sync.Once
		wait := func() error {
			once.Do(func() { outcome = <-release })
			return outcome
		}
		d.DeliverBeforeCommit([]store.Notification{n}, wait)
		select {
		case id := <-got:
			if id != itoa(n.ID) {
				t.Fatalf("delivered %s, want %d", id, n.ID)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("notification not sent while its commit was pending")
		}
		time.Sleep(50 * time.Millisecond) // give a wrong implementation time to record
		if row, _ := db.FindNotification(ctx, n.ID); row.Status != store.OutboxPending || row.Attempts != 0 {
			t.Fatalf("attempt recorded before the commit: %s after %d attempts", row.Status, row.Attempts)
		}
		release <- nil
		deadline := time.Now().Add(10 * time.Second)
		for {
			row, _ := db.FindNotification(ctx, n.ID)
			if row.Status == store.OutboxDelivered {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("attempt not recorded after the commit: %s", row.Status)
			}
			time.Sleep(10 * time.Millisecond)
		}

		// A failed commit: sent, not recorded, counted.
		m := enqueue()
		d.DeliverBeforeCommit([]store.Notification{m}, func() error { return errors.New("disk full") })
		<-got
		deadline = time.Now().Add(10 * time.Second)
		for testutil.ToFloat64(d.orphaned) != 1 {
			if time.Now().After(deadline) {
				t.Fatal("a send for a failed commit was not counted")
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
		if row, _ := db.FindNotification(context.Background(), m.ID); row.Status != store.OutboxPending || row.Attempts != 0 {
			t.Fatalf("attempt recorded for a failed commit: %s after %d attempts", row.Status, row.Attempts)
		}
	})
}

// TestWebhookSignatureKnownAnswer: an outgoing webhook is signed as
// docs/devices.md says, checked against a signature computed independently
// (printf '%s' '1767225600.{"alert_id":7,"type":"panic"}' | openssl dgst
// -sha256 -hmac 'webhook-secret-for-tests').
func TestWebhookSignatureKnownAnswer(t *testing.T) {
	got := make(chan string, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get(escudo.SignatureHeader)
	}))
	defer ts.Close()
	wh := &Webhook{Secret: []byte("webhook-secret-for-tests"), Now: func() time.Time { return time.Unix(1767225600, 0) }}
	if _, err := wh.Send(context.Background(), store.Notification{ID: 1, Kind: "alert", Recipient: ts.URL, Body: `{"alert_id":7,"type":"panic"}`}); err != nil {
		t.Fatal(err)
	}
	if h := <-got; h != "t=1767225600,v1=4a8462ac4ee3f6de6018f609f79c87b97051c4d432fcb10d51344f3e4feeb2d5" {
		t.Fatalf("webhook signature %s", h)
	}
}

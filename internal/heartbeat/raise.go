package heartbeat

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"escudo"
	"escudo/internal/alert"
	"escudo/internal/store"
)

// KindDeviceSilent is the outbox kind of the notices to the follow-up
// officer and the beneficiary.
const KindDeviceSilent = "device_silent"

// AlertRaiser raises "device silent" alerts through the alert pipeline
// (stored, routed to the duty operators, escalated like any alert) and tells
// the beneficiary's follow-up officers and the beneficiary, on the channel
// the beneficiary chose.
type AlertRaiser struct {
	Alerts *alert.Pipeline
	DB     *store.DB
	// Text translates notification texts; nil writes the keys.
	Text func(key string, args map[string]any) string
}

// RaiseSilent implements Raiser.
func (r *AlertRaiser) RaiseSilent(ctx context.Context, s Silence) error {
	a, err := r.Alerts.Raise(ctx, escudo.AlertInput{
		DeviceID: s.DeviceID, Type: escudo.AlertSilent, Source: escudo.SourceSupervision, ReceivedAt: s.DetectedAt,
		// One alert per silence, however often it is retried.
		DedupKey: "silent:" + strconv.FormatInt(s.DeviceID, 10) + ":" + strconv.FormatInt(s.LastSeen.UnixMicro(), 10),
	})
	if err != nil {
		return fmt.Errorf("heartbeat: raise silent alert: %w", err)
	}
	c, err := r.DB.SilenceContactsFor(ctx, s.DeviceID)
	if err != nil {
		return fmt.Errorf("heartbeat: silence contacts: %w", err)
	}
	return r.DB.EnqueueForAlert(ctx, a.ID, SilenceNotices(a.ID, s, c, r.text))
}

func (r *AlertRaiser) text(key string, args map[string]any) string {
	if r.Text == nil {
		return fmt.Sprint(key, " ", args)
	}
	return r.Text(key, args)
}

// SilenceNotices builds the notices of a silence: inbox and e-mail to each
// officer, inbox to the beneficiary's accounts, and one message on the
// beneficiary's chosen channel — never an SMS when they refused SMS.
func SilenceNotices(alertID int64, s Silence, c *SilenceContacts, text func(string, map[string]any) string) []store.Notification {
	key := func(who string) string { return "silent:" + strconv.FormatInt(alertID, 10) + ":" + who }
	label := c.Device.Label
	if label == "" {
		label = "#" + strconv.FormatInt(c.Device.ID, 10)
	}
	args := map[string]any{"Device": c.Device.ID, "Kind": string(c.Device.Kind), "Label": label,
		"LastSeen": s.LastSeen.UTC().Format("2006-01-02 15:04 UTC"), "Silent": s.DetectedAt.Sub(s.LastSeen).Round(time.Second).String(),
		"Alert": alertID}
	subject := text("supervision.silent.subject", args)
	staff := text("supervision.silent.staff", args)
	own := text("supervision.silent.beneficiary", args)
	var out []store.Notification
	for _, o := range c.Officers {
		uid := strconv.FormatInt(o.UserID, 10)
		out = append(out, store.Notification{Channel: store.ChannelInbox, UserID: o.UserID, Kind: KindDeviceSilent, Subject: subject, Body: staff, DedupKey: key("u" + uid)})
		if o.Email != "" {
			out = append(out, store.Notification{Channel: store.ChannelEmail, UserID: o.UserID, Recipient: o.Email, Kind: KindDeviceSilent, Subject: subject, Body: staff, DedupKey: key("e" + uid)})
		}
	}
	for _, id := range c.Accounts {
		out = append(out, store.Notification{Channel: store.ChannelInbox, UserID: id, Kind: KindDeviceSilent, Subject: subject, Body: own, DedupKey: key("b" + strconv.FormatInt(id, 10))})
	}
	if ch, to := BeneficiaryChannel(c.Person); ch != "" {
		out = append(out, store.Notification{Channel: ch, Recipient: to, Kind: KindDeviceSilent, Subject: subject, Body: own, DedupKey: key("p")})
	}
	return out
}

// SilenceContacts re-exports the store's contacts for callers of
// SilenceNotices.
type SilenceContacts = store.SilenceContacts

// BeneficiaryChannel picks the outbox channel and address for a person from
// their contact preferences: e-mail when they chose e-mail; a text message
// when they chose SMS, phone or Signal (the same number) unless they refused
// SMS; otherwise whichever of those is available and allowed. In-person
// contact gets no message: the follow-up officer, notified, visits.
func BeneficiaryChannel(p *escudo.Person) (channel, recipient string) {
	smsOK := p.Phone != "" && !p.Contact.NeverSMS
	switch p.Contact.Channel {
	case escudo.ContactVisit:
		return "", ""
	case escudo.ContactEmail:
		if p.Email != "" {
			return store.ChannelEmail, p.Email
		}
	case escudo.ContactSMS, escudo.ContactPhone, escudo.ContactSignal:
		if smsOK {
			return store.ChannelSMS, p.Phone
		}
	}
	if p.Email != "" {
		return store.ChannelEmail, p.Email
	}
	if smsOK {
		return store.ChannelSMS, p.Phone
	}
	return "", ""
}

package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/store"
)

// Notification kind of every alert notification in the outbox.
const KindAlert = "alert"

// WebhookPayload is the JSON body of an alert webhook. It carries no name:
// receivers look the person up in their own records or the console.
type WebhookPayload struct {
	Event      string           `json:"event"` // "alert"
	AlertID    int64            `json:"alert_id"`
	Type       escudo.AlertType `json:"type"`
	Source     string           `json:"source"`
	Tier       int              `json:"tier"`
	TierName   string           `json:"tier_name"`
	Entity     string           `json:"federal_entity"`
	PersonID   int64            `json:"person_id"`
	DeviceID   int64            `json:"device_id,omitempty"`
	Location   *escudo.Location `json:"location,omitempty"`
	Flags      []string         `json:"flags,omitempty"`
	ReceivedAt time.Time        `json:"received_at"`
	StoredAt   time.Time        `json:"stored_at"`
	ConsoleURL string           `json:"console_url,omitempty"`
}

// notify is the route stage: it queues, in tx, the notifications of one tier
// for an alert — inbox (and e-mail when they have one) for every staff user
// the tier names, plus its webhooks, e-mail addresses and SMS numbers, plus
// on the first tier the routes of the beneficiary's entity. Dedup keys name
// the alert, the tier and the recipient, so a retried step never notifies
// twice.
func (p *Pipeline) notify(ctx context.Context, tx *store.Tx, a *escudo.Alert, tier int, cache recipientCache) ([]store.Notification, error) {
	users, err := cache.get(ctx, tx, p.policy, tier, a.Entity)
	if err != nil {
		return nil, err
	}
	return p.buildNotes(a, tier, users)
}

// buildNotes writes the notifications of one tier for an alert to users.
func (p *Pipeline) buildNotes(a *escudo.Alert, tier int, users []store.Recipient) ([]store.Notification, error) {
	t := p.policy.Tier(tier)
	subject := fmt.Sprintf("ALERTA #%d %s %s", a.ID, a.Type, a.Entity)
	args := map[string]any{"ID": a.ID, "Type": p.text("alert.type."+string(a.Type), nil), "Entity": entityName(a.Entity),
		"Tier": t.Name, "Location": locationText(a.Location), "Received": a.ReceivedAt.UTC().Format("2006-01-02 15:04:05 UTC"),
		"URL": p.consoleLink(a.ID)}
	text := p.text("alert.notify.body", args)
	short := p.text("alert.notify.sms", args)
	var out []store.Notification
	add := func(channel, recipient string, userID int64, body string) error {
		// Built here, inserted by the caller in one statement for the batch.
		key := "alert:" + strconv.FormatInt(a.ID, 10) + ":" + strconv.Itoa(tier) + ":" + channel + ":"
		if userID != 0 {
			key += "u" + strconv.FormatInt(userID, 10)
		} else {
			key += recipientKey(recipient)
		}
		out = append(out, store.Notification{Channel: channel, UserID: userID, Recipient: recipient, Kind: KindAlert, Subject: subject,
			Body: body, DedupKey: key, AlertID: a.ID})
		return nil
	}
	for _, u := range users {
		if err := add(store.ChannelInbox, "", u.UserID, text); err != nil {
			return nil, err
		}
		if u.Email != "" {
			if err := add(store.ChannelEmail, u.Email, u.UserID, text); err != nil {
				return nil, err
			}
		}
	}
	hooks, emails, sms := t.Webhooks, t.Emails, t.SMS
	if tier == 0 {
		if r, ok := p.policy.Entities[a.Entity]; ok {
			hooks = append(append([]string(nil), hooks...), r.Webhooks...)
			emails = append(append([]string(nil), emails...), r.Emails...)
			sms = append(append([]string(nil), sms...), r.SMS...)
		}
	}
	if len(hooks) > 0 {
		b, err := json.Marshal(WebhookPayload{Event: KindAlert, AlertID: a.ID, Type: a.Type, Source: string(a.Source), Tier: tier, TierName: t.Name,
			Entity: a.Entity, PersonID: a.PersonID, DeviceID: a.DeviceID, Location: a.Location, Flags: a.Flags,
			ReceivedAt: a.ReceivedAt, StoredAt: a.StoredAt, ConsoleURL: p.consoleLink(a.ID)})
		if err != nil {
			return nil, err
		}
		for _, h := range hooks {
			if err := add(store.ChannelWebhook, h, 0, string(b)); err != nil {
				return nil, err
			}
		}
	}
	for _, e := range emails {
		if err := add(store.ChannelEmail, e, 0, text); err != nil {
			return nil, err
		}
	}
	for _, s := range sms {
		if err := add(store.ChannelSMS, s, 0, short); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// recipientCache keeps, for one transaction, the staff users of each tier
// and entity, so a batch of alerts reads them once.
type recipientCache map[string][]store.Recipient

func (c recipientCache) get(ctx context.Context, tx *store.Tx, policy escudo.EscalationPolicy, tier int, entity string) ([]store.Recipient, error) {
	t := policy.Tier(tier)
	key := recipientCacheKey(policy, tier, entity)
	if rs, ok := c[key]; ok {
		return rs, nil
	}
	rs, err := tx.TierRecipients(ctx, t, entity)
	if err != nil {
		return nil, err
	}
	c[key] = rs
	return rs, nil
}

// recipientCacheKey names a tier's recipients: per entity when the tier is
// scoped to the beneficiary's entity.
func recipientCacheKey(policy escudo.EscalationPolicy, tier int, entity string) string {
	key := strconv.Itoa(min(tier, len(policy.Tiers)-1))
	if policy.Tier(tier).EntityScoped {
		key += "/" + entity
	}
	return key
}

// recipientKey shortens a recipient for a dedup key without writing the
// address itself into an unencrypted column.
func recipientKey(s string) string {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return strconv.FormatUint(h, 36)
}

func (p *Pipeline) consoleLink(id int64) string {
	if p.opts.ConsoleURL == "" {
		return ""
	}
	return strings.TrimSuffix(p.opts.ConsoleURL, "/") + "/console/alerts/" + strconv.FormatInt(id, 10)
}

func entityName(code string) string {
	if e, ok := escudo.LookupFederalEntity(code); ok {
		return e.Name
	}
	return code
}

func locationText(l *escudo.Location) string {
	if l == nil {
		return "—"
	}
	s := strconv.FormatFloat(l.Lat, 'f', 5, 64) + "," + strconv.FormatFloat(l.Lon, 'f', 5, 64)
	if l.AccuracyM > 0 {
		s += " ±" + strconv.FormatFloat(l.AccuracyM, 'f', 0, 64) + " m"
	}
	return s
}

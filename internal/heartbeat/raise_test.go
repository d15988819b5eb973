package heartbeat

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/alert"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

func TestBeneficiaryChannel(t *testing.T) {
	tests := []struct {
		name          string
		p             escudo.Person
		channel, want string
	}{
		{"chose e-mail", escudo.Person{Email: "a@example.org", Phone: "+52 951 111 2222", Contact: escudo.ContactPrefs{Channel: escudo.ContactEmail}}, store.ChannelEmail, "a@example.org"},
		{"chose SMS", escudo.Person{Email: "a@example.org", Phone: "+52 951 111 2222", Contact: escudo.ContactPrefs{Channel: escudo.ContactSMS}}, store.ChannelSMS, "+52 951 111 2222"},
		{"chose phone: a text to that phone", escudo.Person{Phone: "+52 951 111 2222", Contact: escudo.ContactPrefs{Channel: escudo.ContactPhone}}, store.ChannelSMS, "+52 951 111 2222"},
		{"chose phone but never SMS: e-mail instead", escudo.Person{Email: "a@example.org", Phone: "+52 951 111 2222", Contact: escudo.ContactPrefs{Channel: escudo.ContactPhone, NeverSMS: true}}, store.ChannelEmail, "a@example.org"},
		{"never SMS and no e-mail: nothing", escudo.Person{Phone: "+52 951 111 2222", Contact: escudo.ContactPrefs{Channel: escudo.ContactSignal, NeverSMS: true}}, "", ""},
		{"chose e-mail without an address: SMS", escudo.Person{Phone: "+52 951 111 2222", Contact: escudo.ContactPrefs{Channel: escudo.ContactEmail}}, store.ChannelSMS, "+52 951 111 2222"},
		{"in person: the officer visits", escudo.Person{Email: "a@example.org", Contact: escudo.ContactPrefs{Channel: escudo.ContactVisit}}, "", ""},
		{"no preference", escudo.Person{Email: "a@example.org"}, store.ChannelEmail, "a@example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, to := BeneficiaryChannel(&tt.p)
			if ch != tt.channel || to != tt.want {
				t.Fatalf("got %q %q, want %q %q", ch, to, tt.channel, tt.want)
			}
		})
	}
}

func TestAlertRaiserNotifiesOfficerAndBeneficiary(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(t0)
		p, err := alert.New(alert.Options{DB: db, Now: db.Now})
		if err != nil {
			t.Fatal(err)
		}
		pctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = p.Run(pctx); close(done) }()
		defer func() { cancel(); <-done }()

		officer := &escudo.User{Username: "seguimiento", DisplayName: "Seguimiento", Role: escudo.RoleFollowUp, Email: "seg@example.org"}
		if err := db.CreateUser(ctx, officer, "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
		person := &escudo.Person{Profile: escudo.ProfileDefender, Name: "Rosa Martínez", Entity: "GRO", Phone: "+52 744 555 0101",
			Email: "rosa@example.org", Contact: escudo.ContactPrefs{Channel: escudo.ContactSMS, NeverSMS: false}}
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas."}, person)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AssignCase(ctx, rc.CaseID, officer.ID, ""); err != nil {
			t.Fatal(err)
		}
		dev := &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: person.ID, HeartbeatInterval: time.Minute}
		if _, err := db.CreateDevice(ctx, dev); err != nil {
			t.Fatal(err)
		}
		r := &AlertRaiser{Alerts: p, DB: db}
		sil := Silence{DeviceID: dev.ID, LastSeen: t0.Add(-4 * time.Minute), Interval: time.Minute, DetectedAt: t0}
		for i := 0; i < 2; i++ { // a retried raise adds nothing
			if err := r.RaiseSilent(ctx, sil); err != nil {
				t.Fatal(err)
			}
		}
		as, err := db.FindAlerts(ctx, escudo.AlertFilter{Open: true})
		if err != nil || len(as) != 1 || as[0].Type != escudo.AlertSilent || as[0].DeviceID != dev.ID || as[0].Source != escudo.SourceSupervision {
			t.Fatalf("alerts %+v %v", as, err)
		}
		ns, err := db.AlertNotifications(ctx, as[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, n := range ns {
			if n.Kind != KindDeviceSilent {
				continue
			}
			key := n.Channel
			if n.UserID == officer.ID {
				key += ":officer"
			}
			got[key]++
		}
		want := map[string]int{"inbox:officer": 1, "email:officer": 1, "sms": 1}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("notices %v, want %v", got, want)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("notices %v, want %v", got, want)
		}
	})
}

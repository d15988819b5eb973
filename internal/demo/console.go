package demo

import (
	"context"
	"fmt"
	"time"

	"escudo"
	"escudo/internal/store"
)

// Console is what seedConsole created, for tests and the banner.
type Console struct {
	Devices      []*escudo.Device
	SilentDevice int64 // its last heartbeat is hours old: supervision raises an alert once serving
	Open         []int64
	Closed       []int64
	Drill        int64
}

// demoDevice is one beneficiary's equipment in the demo.
type demoDevice struct {
	kind   escudo.DeviceKind
	label  string
	silent bool
}

var demoDevices = []demoDevice{
	{escudo.DevicePanicButton, "Botón de pánico (llavero)", false},
	{escudo.DevicePhone, "Aplicación en el teléfono", false},
	{escudo.DeviceAlarmPanel, "Alarma del domicilio", false},
	{escudo.DeviceSatellitePhone, "Teléfono satelital", true},
	{escudo.DevicePanicButton, "Botón de pánico (pulsera)", false},
}

// seedConsole gives the duty console something to show on first sight:
// devices with recent heartbeats and one gone silent, two open alerts (one
// waiting for an acknowledgement, one acknowledged), closed ones (help sent
// and arrived, a false alarm) and a drill. Everything goes through the
// store's own alert methods with the duty operator in the context, at
// times just before now.
func seedConsole(ctx context.Context, db *store.DB, clock *Clock, users map[string]*escudo.User, people []*escudo.Person, now time.Time) (*Console, error) {
	var who []*escudo.Person
	for _, p := range people {
		if p != nil && p.Kind == escudo.KindIndividual {
			who = append(who, p)
		}
		if len(who) == len(demoDevices) {
			break
		}
	}
	if len(who) < len(demoDevices) {
		return &Console{}, nil // too few people for a console worth showing
	}
	out := &Console{}
	duty := escudo.NewContextWithUser(ctx, users["guardia"])
	clock.Set(now.Add(-30 * 24 * time.Hour))
	var beats []store.HeartbeatState
	for i, d := range demoDevices {
		dev := &escudo.Device{Kind: d.kind, PersonID: who[i].ID, Label: d.label, HeartbeatInterval: escudo.MaxHeartbeatInterval}
		if d.silent {
			dev.HeartbeatInterval = time.Hour
		}
		if _, err := db.CreateDevice(duty, dev); err != nil {
			return nil, fmt.Errorf("demo: create device: %w", err)
		}
		out.Devices = append(out.Devices, dev)
		seen := now.Add(-time.Duration(3+i) * time.Minute)
		if d.silent {
			seen = now.Add(-6 * time.Hour)
			out.SilentDevice = dev.ID
		}
		beats = append(beats, store.HeartbeatState{DeviceID: dev.ID, LastSeen: seen, Battery: 90 - 15*i})
	}
	clock.Set(now)
	if err := db.SaveHeartbeats(ctx, beats, len(beats)); err != nil {
		return nil, fmt.Errorf("demo: heartbeats: %w", err)
	}

	raise := func(at time.Time, in *escudo.AlertInput, entity string) (int64, error) {
		clock.Set(at)
		in.ReceivedAt = at
		it := &store.NewAlert{In: in, Entity: entity}
		err := db.WithTx(ctx, true, func(tx *store.Tx) error { return tx.InsertAlerts(ctx, []*store.NewAlert{it}, 0) })
		if err != nil {
			return 0, fmt.Errorf("demo: raise alert: %w", err)
		}
		return it.Alert.ID, nil
	}
	step := func(at time.Time, f func() error) error { clock.Set(at); return f() }
	battery := func(n int) *int { return &n }
	dev := func(i int) *escudo.AlertInput {
		return &escudo.AlertInput{DeviceID: out.Devices[i].ID, PersonID: who[i].ID, Source: escudo.SourceDevice}
	}

	if err := seedResponseHistory(ctx, db, clock, duty, out.Devices, who, now); err != nil {
		return nil, err
	}

	// Closed last week: help sent and arrived (acknowledged after 12 s,
	// dispatched after 2 min).
	t := now.Add(-6*24*time.Hour - 5*time.Hour)
	in := dev(0)
	in.Type, in.Location, in.Battery = escudo.AlertPanic, &escudo.Location{Lat: 17.0654, Lon: -96.7237, AccuracyM: 15}, battery(80)
	id, err := raise(t, in, who[0].Entity)
	if err != nil {
		return nil, err
	}
	if err := step(t.Add(12*time.Second), func() error { _, err := db.AcknowledgeAlert(duty, id); return err }); err != nil {
		return nil, err
	}
	if err := step(t.Add(2*time.Minute), func() error {
		_, err := db.DispatchAlert(duty, id, escudo.Dispatch{Agency: "Policía Estatal", Unit: "Patrulla 114"})
		return err
	}); err != nil {
		return nil, err
	}
	if err := step(t.Add(38*time.Minute), func() error {
		_, err := db.ResolveAlert(duty, id, escudo.OutcomeAttended, "La patrulla llegó al domicilio; la persona está a salvo.")
		return err
	}); err != nil {
		return nil, err
	}
	out.Closed = append(out.Closed, id)

	// Closed three days ago: pressed by mistake, confirmed by phone.
	t = now.Add(-3*24*time.Hour - 2*time.Hour)
	in = dev(1)
	in.Type = escudo.AlertPanic
	if id, err = raise(t, in, who[1].Entity); err != nil {
		return nil, err
	}
	if err := step(t.Add(9*time.Second), func() error { _, err := db.AcknowledgeAlert(duty, id); return err }); err != nil {
		return nil, err
	}
	if err := step(t.Add(3*time.Minute), func() error {
		_, err := db.ResolveAlert(duty, id, escudo.OutcomeFalseAlarm, "Se activó por error; lo confirmó por teléfono con su palabra de seguridad.")
		return err
	}); err != nil {
		return nil, err
	}
	out.Closed = append(out.Closed, id)

	// Yesterday's monthly drill of the alarm panel.
	t = now.Add(-26 * time.Hour)
	in = dev(2)
	in.Type, in.Source = escudo.AlertTest, escudo.SourceDrill
	if id, err = raise(t, in, who[2].Entity); err != nil {
		return nil, err
	}
	if err := step(t.Add(21*time.Second), func() error {
		_, err := db.ResolveAlert(duty, id, escudo.OutcomeTestAlert, "Simulacro mensual: respuesta en tiempo.")
		return err
	}); err != nil {
		return nil, err
	}
	out.Drill = id

	// Open: a call taken twenty minutes ago, acknowledged.
	t = now.Add(-20 * time.Minute)
	in = &escudo.AlertInput{PersonID: who[4].ID, Type: escudo.AlertCall, Source: escudo.SourceHotline,
		Note: "Llama desde la casa de una vecina: dos hombres preguntaron por ella en la puerta."}
	if id, err = raise(t, in, who[4].Entity); err != nil {
		return nil, err
	}
	if err := step(t.Add(42*time.Second), func() error { _, err := db.AcknowledgeAlert(duty, id); return err }); err != nil {
		return nil, err
	}
	out.Open = append(out.Open, id)

	// Open: a panic button pressed two minutes ago, nobody has answered yet.
	t = now.Add(-2 * time.Minute)
	in = dev(4)
	in.Type, in.Location, in.Battery = escudo.AlertPanic, &escudo.Location{Lat: 19.4326, Lon: -99.1332, AccuracyM: 30}, battery(30)
	if id, err = raise(t, in, who[4].Entity); err != nil {
		return nil, err
	}
	out.Open = append(out.Open, id)
	clock.Set(now)
	return out, nil
}

// closeRequestAlert closes the console alert that a past request with
// imminent danger raised: in the demo's history the duty operator took it
// on and handed it to the extraordinary procedure.
func closeRequestAlert(ctx context.Context, db *store.DB, duty *escudo.User, personID int64) error {
	as, err := db.FindAlerts(ctx, escudo.AlertFilter{Open: true, PersonID: personID})
	if err != nil {
		return err
	}
	dctx := escudo.NewContextWithUser(ctx, duty)
	for _, a := range as {
		if a.Source != escudo.SourceRequest {
			continue
		}
		if _, err := db.ResolveAlert(dctx, a.ID, escudo.OutcomeOther, "Canalizada al procedimiento extraordinario."); err != nil {
			return fmt.Errorf("demo: close request alert: %w", err)
		}
	}
	return nil
}

// historyAcks are the acknowledgement delays, in seconds, of the demo's
// past month of alerts, in the order they arrive: most within the 15 s
// target, some between it and 64 s, a few later (a night shift, a busy
// desk), so the dashboard's response chart shows what a real month would.
var historyAcks = []int{4, 7, 11, 3, 9, 14, 6, 22, 8, 5, 13, 41, 2, 10, 7, 95, 12, 6, 18, 9, 4, 58, 11, 8, 190, 5, 14, 27, 3, 7, 12, 420, 6, 9, 33, 10}

// seedResponseHistory stores a month of closed alerts from the demo's
// devices, about one a day, each acknowledged after its historyAcks delay
// and closed minutes later, and a weekly drill of every device: what the
// dashboard's acknowledgement times are drawn from.
func seedResponseHistory(ctx context.Context, db *store.DB, clock *Clock, duty context.Context, devices []*escudo.Device, who []*escudo.Person, now time.Time) error {
	raise := func(at time.Time, in *escudo.AlertInput, entity string) (int64, error) {
		clock.Set(at)
		in.ReceivedAt = at
		it := &store.NewAlert{In: in, Entity: entity}
		if err := db.WithTx(ctx, true, func(tx *store.Tx) error { return tx.InsertAlerts(ctx, []*store.NewAlert{it}, 0) }); err != nil {
			return 0, fmt.Errorf("demo: raise past alert: %w", err)
		}
		return it.Alert.ID, nil
	}
	types := []escudo.AlertType{escudo.AlertPanic, escudo.AlertPanic, escudo.AlertAlarm, escudo.AlertPanic, escudo.AlertTamper}
	start := now.Add(-29 * 24 * time.Hour)
	step := 27 * 24 * time.Hour / time.Duration(len(historyAcks))
	for i, secs := range historyAcks {
		// Spread over the day as well as over the month.
		at := start.Add(time.Duration(i)*step + time.Duration(i*7%24)*time.Hour)
		d := i % len(devices)
		id, err := raise(at, &escudo.AlertInput{DeviceID: devices[d].ID, PersonID: who[d].ID, Source: escudo.SourceDevice, Type: types[d]}, who[d].Entity)
		if err != nil {
			return err
		}
		clock.Set(at.Add(time.Duration(secs) * time.Second))
		if _, err := db.AcknowledgeAlert(duty, id); err != nil {
			return fmt.Errorf("demo: acknowledge past alert: %w", err)
		}
		outcome, note := escudo.OutcomeFalseAlarm, "Activación accidental; la persona lo confirmó con su palabra de seguridad."
		if i%4 == 0 {
			clock.Set(at.Add(time.Duration(secs)*time.Second + 90*time.Second))
			if _, err := db.DispatchAlert(duty, id, escudo.Dispatch{Agency: "Policía Estatal", Unit: fmt.Sprintf("Patrulla %d", 100+i)}); err != nil {
				return fmt.Errorf("demo: dispatch past alert: %w", err)
			}
			outcome, note = escudo.OutcomeAttended, "La patrulla llegó; la persona está a salvo."
		}
		clock.Set(at.Add(time.Duration(secs)*time.Second + 25*time.Minute))
		if _, err := db.ResolveAlert(duty, id, outcome, note); err != nil {
			return fmt.Errorf("demo: close past alert: %w", err)
		}
	}
	// Weekly drills, acknowledged after 6 to 20 s.
	for w := range 4 {
		at := now.Add(-time.Duration(28-7*w)*24*time.Hour - 3*time.Hour)
		d := w % len(devices)
		id, err := raise(at, &escudo.AlertInput{DeviceID: devices[d].ID, PersonID: who[d].ID, Source: escudo.SourceDrill, Type: escudo.AlertTest}, who[d].Entity)
		if err != nil {
			return err
		}
		clock.Set(at.Add(time.Duration(6+5*w) * time.Second))
		if _, err := db.AcknowledgeAlert(duty, id); err != nil {
			return fmt.Errorf("demo: acknowledge drill: %w", err)
		}
		clock.Set(at.Add(2 * time.Minute))
		if _, err := db.ResolveAlert(duty, id, escudo.OutcomeTestAlert, "Simulacro semanal."); err != nil {
			return fmt.Errorf("demo: close drill: %w", err)
		}
	}
	return nil
}

// Package requests seeds the demo's inter-agency requests (issue 15, item
// 2): in every federal entity with a case, the Mechanism asked the state's
// public security secretariat for police support or information over the
// past two months. Most were acknowledged and answered, some late; some are
// overdue and escalated; one in Oaxaca was acknowledged through the link
// of its e-mail; one sent this morning waits for its receipt.
package requests

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"escudo"
	"escudo/internal/coordination"
	"escudo/internal/store"
)

// Case is a demo case the requests may come from.
type Case struct {
	ID     int64
	Entity string
}

// Options are what the seeding needs from the demo.
type Options struct {
	Now      time.Time
	SetClock func(time.Time)
	// Police returns a federal entity's public security secretariat.
	Police func(ctx context.Context, entity string) (int64, error)
	Sender *escudo.User // the coordination account that sends them
}

// Result names the requests a test or a walk through the demo looks for.
type Result struct {
	ByLink     int64 // acknowledged through its e-mailed link
	Waiting    int64 // sent this morning, no receipt yet
	Overdue    []int64
	Entities   int // federal entities with a request
	Total      int
	LinkSentTo string
}

var linkToken = regexp.MustCompile(`/ack/(r1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)`)

// Seed sends, acknowledges and answers the demo's requests, each at its
// time on the demo's clock, then sweeps the overdue ones at now.
func Seed(ctx context.Context, db *store.DB, cases []Case, o Options) (*Result, error) {
	res := &Result{}
	sctx := escudo.NewContextWithUser(ctx, o.Sender)
	first := map[string]Case{}
	var order []string
	for _, c := range cases {
		if _, ok := first[c.Entity]; !ok && c.Entity != "" {
			first[c.Entity] = c
			order = append(order, c.Entity)
		}
	}
	day := 24 * time.Hour
	for i, entity := range order {
		c := first[entity]
		police, err := o.Police(ctx, entity)
		if err != nil {
			return nil, err
		}
		name := entity
		if fe, ok := escudo.LookupFederalEntity(entity); ok {
			name = fe.Name
		}
		// Two requests per entity: an information request answered (on
		// time in most entities, late in every fourth) and a police support
		// request whose fate varies by entity.
		sent := o.Now.Add(-time.Duration(40+i%15) * day)
		info := &coordination.AgencyRequest{CaseID: c.ID, AgencyID: police, Kind: coordination.RequestInformation,
			LegalBasis: "Artículos 1 y 45 de la Ley para la Protección de Personas Defensoras de Derechos Humanos y Periodistas; convenio de coordinación con " + name + ".",
			Details:    "Informar si existen denuncias o reportes de incidentes recientes en la zona del domicilio de la persona beneficiaria y qué patrullajes hay en la colonia.",
			Deadline:   sent.Add(10 * day)}
		late := i%4 == 3
		steps := []step{{sent.Add(time.Duration(2+i%20) * time.Hour), ack, "Oficio " + officeNumber(i) + ", recibido en la oficialía de partes."}}
		answerAt := sent.Add(time.Duration(3+i%6) * day)
		if late {
			answerAt = sent.Add(time.Duration(13+i%5) * day)
		}
		steps = append(steps, step{answerAt, answer, "Sin denuncias en los últimos tres meses; patrullaje de proximidad dos veces al día en la colonia."})
		if _, err := send(sctx, db, o, info, sent, steps, ""); err != nil {
			return nil, fmt.Errorf("demo requests: %s information: %w", entity, err)
		}
		res.Total++

		support := &coordination.AgencyRequest{CaseID: c.ID, AgencyID: police, Kind: coordination.RequestPoliceSupport,
			LegalBasis: "Artículos 1, 26 y 27 de la Ley para la Protección de Personas Defensoras de Derechos Humanos y Periodistas (procedimiento extraordinario); convenio de coordinación con " + name + ".",
			Details:    "Rondines cada dos horas frente al domicilio y la oficina de la persona beneficiaria durante 30 días, con número de contacto del turno para emergencias."}
		var email string
		switch {
		case entity == "OAX":
			// Acknowledged through the e-mailed link, then answered.
			s := o.Now.Add(-6 * day)
			support.Deadline = s.Add(3 * day)
			email = "oficialia.ssp@oaxaca.example.org"
			id, err := send(sctx, db, o, support, s, []step{{s.Add(95 * time.Minute), byLink, "Lic. Ana Ruiz Mendoza, titular de la oficialía de partes"},
				{s.Add(2 * day), answer, "Rondines en marcha desde el día siguiente; número del turno entregado a la persona beneficiaria."}}, email)
			if err != nil {
				return nil, fmt.Errorf("demo requests: %s support: %w", entity, err)
			}
			res.ByLink, res.LinkSentTo = id, email
		case i%5 == 1:
			// Sent this morning: waiting for the receipt.
			s := o.Now.Add(-3 * time.Hour)
			support.Deadline = s.Add(2 * day)
			id, err := send(sctx, db, o, support, s, nil, "")
			if err != nil {
				return nil, fmt.Errorf("demo requests: %s support: %w", entity, err)
			}
			if res.Waiting == 0 {
				res.Waiting = id
			}
		case i%3 == 2:
			// Acknowledged, never answered: overdue for days.
			s := o.Now.Add(-time.Duration(9+i%7) * day)
			support.Deadline = s.Add(3 * day)
			id, err := send(sctx, db, o, support, s, []step{{s.Add(20 * time.Hour), ack, "Oficio " + officeNumber(i+100) + "."}}, "")
			if err != nil {
				return nil, fmt.Errorf("demo requests: %s support: %w", entity, err)
			}
			res.Overdue = append(res.Overdue, id)
		case i%7 == 4:
			// Never even acknowledged.
			s := o.Now.Add(-time.Duration(6+i%4) * day)
			support.Deadline = s.Add(2 * day)
			id, err := send(sctx, db, o, support, s, nil, "")
			if err != nil {
				return nil, fmt.Errorf("demo requests: %s support: %w", entity, err)
			}
			res.Overdue = append(res.Overdue, id)
		default:
			s := o.Now.Add(-time.Duration(15+i%20) * day)
			support.Deadline = s.Add(3 * day)
			if _, err := send(sctx, db, o, support, s, []step{{s.Add(time.Duration(1+i%9) * time.Hour), ack, "Oficio " + officeNumber(i+200) + "."},
				{s.Add(time.Duration(30+i%40) * time.Hour), answer, "Rondines asignados al sector; bitácora diaria disponible."}}, ""); err != nil {
				return nil, fmt.Errorf("demo requests: %s support: %w", entity, err)
			}
		}
		res.Total++
		res.Entities++
	}
	o.SetClock(o.Now)
	for {
		n, err := db.SweepRequests(ctx, 500)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
	}
	return res, nil
}

type action int

const (
	ack action = iota
	byLink
	answer
)

type step struct {
	at   time.Time
	what action
	text string
}

// send sends r at the demo clock's time at, e-mailing its link to email
// when one is given, and plays its steps at their times.
func send(ctx context.Context, db *store.DB, o Options, r *coordination.AgencyRequest, at time.Time, steps []step, email string) (int64, error) {
	o.SetClock(at)
	var emails []string
	if email != "" {
		emails = []string{email}
	}
	id, err := db.SendRequest(ctx, r, store.SendOptions{LinkBase: "http://127.0.0.1:8080/ack/", Emails: emails})
	if err != nil {
		return 0, err
	}
	token := ""
	if email != "" {
		ns, err := db.ClaimDue(ctx, 1000, time.Millisecond, store.ChannelEmail)
		if err != nil {
			return 0, err
		}
		for _, n := range ns {
			if n.Recipient == email {
				if m := linkToken.FindStringSubmatch(n.Body); m != nil {
					token = m[1]
				}
			}
		}
	}
	for _, s := range steps {
		o.SetClock(s.at)
		switch s.what {
		case ack:
			err = db.AcknowledgeRequest(ctx, id, coordination.AckRecorded, s.text)
		case byLink:
			if token == "" {
				return 0, fmt.Errorf("no link was e-mailed to %s", email)
			}
			_, err = db.AcknowledgeByLink(context.Background(), token, s.text)
		case answer:
			err = db.CompleteRequest(ctx, id, s.text)
		}
		if err != nil {
			return 0, err
		}
	}
	return id, nil
}

func officeNumber(n int) string {
	return fmt.Sprintf("SSP/DJ/%04d/2026", 1000+n*37%9000)
}

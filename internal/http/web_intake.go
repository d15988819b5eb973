package http

import (
	"net/http"
	"strings"
	"time"

	"escudo"
)

// staffChannels are the ways a request reaches staff; the web form files
// its own requests.
var staffChannels = []escudo.IntakeChannel{escudo.ChannelHotline, escudo.ChannelInPerson, escudo.ChannelEmail, escudo.ChannelReferral}

type intakeData struct {
	Channels []escudo.IntakeChannel
	NowLocal string
}

type receiptData struct {
	Receipt *escudo.Receipt
	Staff   bool
}

func (s *Server) intakePage(r *http.Request) *page {
	return s.newPage(r, "intake.title", &intakeData{Channels: staffChannels, NowLocal: s.db.Now().In(displayZone).Format("2006-01-02T15:04")})
}

func (s *Server) handleIntakeForm(w http.ResponseWriter, r *http.Request) {
	p := s.intakePage(r)
	p.Form = map[string][]string{"channel": {string(escudo.ChannelHotline)}, "received_at": {p.Data.(*intakeData).NowLocal}}
	s.render(w, r, http.StatusOK, "intake", p)
}

// handleIntake files a request taken by phone, in person, by email or
// referred by another body. The follow-up code is shown once, for staff to
// pass to the petitioner; it is not stored in readable form.
func (s *Server) handleIntake(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	person := personFromForm(f)
	c := &escudo.Case{
		Channel:        escudo.IntakeChannel(f.Get("channel")),
		ReferredBy:     strings.TrimSpace(f.Get("referred_by")),
		ImminentDanger: f.Get("imminent_danger") == "1",
		Narrative:      f.Get("narrative"),
		Aggressors:     strings.TrimSpace(f.Get("aggressors")),
	}
	if c.Channel == escudo.ChannelWeb {
		c.Channel = "" // staff do not file web requests on someone's behalf
	}
	var v escudo.ValidationErrors
	at, ok := parseLocalTime(f.Get("received_at"))
	switch {
	case !ok:
		v.Add("received_at", "validation.date", nil)
	case at.After(s.db.Now().Add(time.Minute)):
		v.Add("received_at", "validation.future", nil)
	}
	c.ReceivedAt = at
	var rcpt *escudo.Receipt
	err := v.Err()
	if err == nil {
		rcpt, err = s.db.FileRequest(r.Context(), c, person)
	} else {
		// Report every problem at once, not only the time.
		if perr := person.Validate(); perr != nil {
			if pv, ok := escudo.AsValidation(perr); ok {
				v = append(v, pv...)
			}
		}
		if cerr := c.Validate(); cerr != nil {
			if cv, ok := escudo.AsValidation(cerr); ok {
				v = append(v, cv...)
			}
		}
		err = v
	}
	if err != nil {
		if _, invalid := escudo.AsValidation(err); !invalid {
			s.serverError(w, r, err)
			return
		}
		p := s.intakePage(r)
		p.Form = f
		p.setErrors("", err)
		s.render(w, r, http.StatusBadRequest, "intake", p)
		return
	}
	p := s.newPage(r, "receipt.title", &receiptData{Receipt: rcpt, Staff: true})
	s.render(w, r, http.StatusCreated, "receipt", p)
}

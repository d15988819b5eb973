package staff

import (
	"net/http"
	"strings"
	"time"

	"escudo"
	"escudo/internal/web"
)

// staffChannels are the ways a request reaches staff; the web form files
// its own requests.
var staffChannels = []escudo.IntakeChannel{escudo.ChannelHotline, escudo.ChannelInPerson, escudo.ChannelEmail, escudo.ChannelReferral}

type intakeData struct {
	Channels []escudo.IntakeChannel
	NowLocal string
	Rows     []int // numbered rows for relatives and members
}

func intakeRows() []int {
	rows := make([]int, web.IntakeRows)
	for i := range rows {
		rows[i] = i
	}
	return rows
}

func (s *server) intakePage(r *http.Request) *web.Page {
	return s.NewPage(r, "intake.title", &intakeData{Rows: intakeRows(), Channels: staffChannels, NowLocal: s.DB.Now().In(web.DisplayZone).Format("2006-01-02T15:04")})
}

func (s *server) handleIntakeForm(w http.ResponseWriter, r *http.Request) {
	p := s.intakePage(r)
	p.Form = map[string][]string{"channel": {string(escudo.ChannelHotline)}, "received_at": {p.Data.(*intakeData).NowLocal}}
	s.Render(w, r, http.StatusOK, "intake", p)
}

// handleIntake files a request taken by phone, in person, by email or
// referred by another body. The follow-up code is shown once, for staff to
// pass to the petitioner; it is not stored in readable form.
func (s *server) handleIntake(w http.ResponseWriter, r *http.Request) {
	if !s.ParseForm(w, r) {
		return
	}
	f := r.PostForm
	person := web.PersonFromForm(f)
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
	at, ok := web.ParseLocalTime(f.Get("received_at"))
	switch {
	case !ok:
		v.Add("received_at", "validation.date", nil)
	case at.After(s.DB.Now().Add(time.Minute)):
		v.Add("received_at", "validation.future", nil)
	}
	c.ReceivedAt = at
	var rcpt *escudo.Receipt
	err := v.Err()
	if err == nil {
		rcpt, err = s.DB.FileRequest(r.Context(), c, person)
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
			s.ServerError(w, r, err)
			return
		}
		p := s.intakePage(r)
		p.Form = f
		p.SetErrors("", err)
		s.Render(w, r, http.StatusBadRequest, "intake", p)
		return
	}
	p := s.NewPage(r, "receipt.title", &web.ReceiptData{Receipt: rcpt, Staff: true})
	s.Render(w, r, http.StatusCreated, "receipt", p)
}

package portal

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"escudo"
	"escudo/internal/prevention"
	"escudo/internal/procedure"
	"escudo/internal/store"
	"escudo/internal/web"
)

// formData is a portal form's page: the case it belongs to and what the
// form offers.
type formData struct {
	CaseID    int64
	Reference string
	Choices   []web.Choice // incident kinds, channels or grantees
	Second    []web.Choice // aggressors or compartments
	Entity    string
	Today     string
	Window    string // the appeal window's last day
	Open      bool   // the appeal window is open and no appeal runs
	Level     string // the level appealed
	Contact   escudo.ContactPrefs
	HasEmail  bool
	HasPhone  bool
	Consents  []consentRow
	Reads     []readRow
	Hotline   string
}

type consentRow struct {
	ID                  int64
	Who, Scope, Purpose string
	Granted, Until      string
	Active, Revoked     bool
}

type readRow struct {
	At, ISO, Who, What string
	Refused            bool
}

func (s *server) formPage(r *http.Request, title string) (*web.Page, *formData, error) {
	id := pathID(r)
	ref, err := s.DB.CaseReference(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	d := &formData{CaseID: id, Reference: ref, Today: s.DB.Now().In(web.DisplayZone).Format("2006-01-02T15:04"), Hotline: s.Opts.Contact.Hotline}
	return s.NewPage(r, title, d), d, nil
}

// Incident report. What the person knows, in their words: what happened,
// when, where (the municipality is enough), who they think did it; marked
// urgent, it rings on the duty console as an alert in the same
// transaction.

func (s *server) incidentPage(r *http.Request) (*web.Page, string, error) {
	p, d, err := s.formPage(r, "portal.incident_title")
	if err != nil {
		return nil, "", err
	}
	for _, k := range prevention.IncidentKinds {
		d.Choices = append(d.Choices, web.Choice{Value: string(k), Label: p.T("incident.kind." + string(k))})
	}
	for _, a := range prevention.AggressorTypes {
		d.Second = append(d.Second, web.Choice{Value: string(a), Label: p.T("incident.aggressor." + string(a))})
	}
	if c, err := s.DB.CaseRef(r.Context(), d.CaseID); err == nil {
		d.Entity = c.Entity
	}
	return p, "portal_incident", nil
}

func (s *server) handleIncidentForm(w http.ResponseWriter, r *http.Request) {
	p, name, err := s.incidentPage(r)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, name, p)
}

func (s *server) actIncident(r *http.Request) (string, error) {
	id := pathID(r)
	f := r.PostForm
	in := &prevention.Incident{CaseID: id, Kind: prevention.IncidentKind(f.Get("kind")), Aggressor: prevention.AggressorType(f.Get("aggressor")),
		Entity: f.Get("federal_entity"), Municipality: f.Get("municipality"), Description: f.Get("description"),
		Urgent: f.Get("urgent") == "1", TimePrecision: prevention.TimeExact}
	if in.Aggressor == "" {
		in.Aggressor = prevention.AggressorUnknown
	}
	if at, ok := web.ParseLocalTime(f.Get("occurred_at")); ok {
		in.OccurredAt = at
	} else if strings.TrimSpace(f.Get("occurred_at")) != "" {
		return "", escudo.FieldError("occurred_at", "validation.date", nil)
	}
	if _, err := s.DB.RecordIncident(r.Context(), in); err != nil {
		return "", err
	}
	return caseURL(id), nil
}

// Appeal (inconformidad): within the window from the evaluation's
// submission, one at a time; the store refuses one filed late.

func (s *server) appealPage(r *http.Request) (*web.Page, string, error) {
	p, d, err := s.formPage(r, "portal.appeal_title")
	if err != nil {
		return nil, "", err
	}
	ctx := r.Context()
	evals, err := s.DB.CaseEvaluations(ctx, d.CaseID)
	if err != nil {
		return nil, "", err
	}
	var last *escudo.Evaluation
	for i, e := range evals {
		if e.State == escudo.StateSubmitted && e.SubmittedAt != nil && (last == nil || e.SubmittedAt.After(*last.SubmittedAt)) {
			last = &evals[i]
		}
	}
	if last != nil {
		until := procedure.AppealWindowEnds(*last.SubmittedAt, s.DB.AppealWindow())
		d.Window, d.Open, d.Level = p.Date(until), s.DB.Now().Before(until), p.T("risk.level."+string(last.Level))
		appeals, err := s.DB.Appeals(ctx, d.CaseID, false)
		if err != nil {
			return nil, "", err
		}
		for _, a := range appeals {
			if a.State == string(procedure.AppealFiled) || a.State == string(procedure.AppealPersisted) || a.State == string(procedure.AppealStudy) {
				d.Open = false
			}
		}
	}
	return p, "portal_appeal", nil
}

func (s *server) handleAppealForm(w http.ResponseWriter, r *http.Request) {
	p, name, err := s.appealPage(r)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, name, p)
}

func (s *server) actAppeal(r *http.Request) (string, error) {
	id := pathID(r)
	if _, err := s.DB.FileAppeal(r.Context(), id, r.PostForm.Get("grounds")); err != nil {
		return "", err
	}
	return caseURL(id), nil
}

// Contact preferences: the channel, the safe hours, never by SMS.

func (s *server) contactPage(r *http.Request) (*web.Page, string, error) {
	p, d, err := s.formPage(r, "portal.contact_title")
	if err != nil {
		return nil, "", err
	}
	ref, err := s.DB.CaseRef(r.Context(), d.CaseID)
	if err != nil {
		return nil, "", err
	}
	person, err := s.DB.FindPersonByID(r.Context(), ref.PersonID)
	if err != nil {
		return nil, "", err
	}
	d.Contact, d.HasEmail, d.HasPhone = person.Contact, person.Email != "", person.Phone != ""
	for _, c := range []escudo.ContactChannel{escudo.ContactEmail, escudo.ContactSMS, escudo.ContactPhone, escudo.ContactSignal, escudo.ContactVisit} {
		d.Choices = append(d.Choices, web.Choice{Value: string(c), Label: p.T("portal.channel." + string(c))})
	}
	return p, "portal_contact", nil
}

func (s *server) handleContactForm(w http.ResponseWriter, r *http.Request) {
	p, name, err := s.contactPage(r)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, name, p)
}

func (s *server) actContact(r *http.Request) (string, error) {
	id := pathID(r)
	ref, err := s.DB.CaseRef(r.Context(), id)
	if err != nil {
		return "", err
	}
	f := r.PostForm
	c := escudo.ContactPrefs{Channel: escudo.ContactChannel(f.Get("channel")), SafeFrom: strings.TrimSpace(f.Get("safe_from")),
		SafeUntil: strings.TrimSpace(f.Get("safe_until")), NeverSMS: f.Get("never_sms") == "1"}
	if c.Channel == "" {
		return "", escudo.FieldError("contact.channel", "validation.required", nil)
	}
	if (c.SafeFrom == "") != (c.SafeUntil == "") {
		return "", escudo.FieldError("contact.safe_until", "portal.safe_hours_both", nil)
	}
	if err := s.DB.SetContactPrefs(r.Context(), ref.PersonID, c); err != nil {
		return "", err
	}
	return caseURL(id), nil
}

// Privacy: who read their data (and who was refused), and the consent
// records that let a named reviewer or contractor see parts of it.

const readsShown = 50

func (s *server) privacyPage(r *http.Request) (*web.Page, string, error) {
	p, d, err := s.formPage(r, "portal.privacy_title")
	if err != nil {
		return nil, "", err
	}
	ctx := r.Context()
	ref, err := s.DB.CaseRef(ctx, d.CaseID)
	if err != nil {
		return nil, "", err
	}
	now := s.DB.Now()
	consents, err := s.DB.Consents(ctx, ref.PersonID)
	if err != nil {
		return nil, "", err
	}
	grantees, err := s.DB.ConsentGrantees(ctx)
	if err != nil {
		return nil, "", err
	}
	names := map[int64]string{}
	for _, g := range grantees {
		names[g.ID] = g.Name
		d.Choices = append(d.Choices, web.Choice{Value: strconv.FormatInt(g.ID, 10), Label: g.Name})
	}
	for _, c := range escudo.Compartments {
		d.Second = append(d.Second, web.Choice{Value: c, Label: p.T("portal.compartment." + c)})
	}
	for _, c := range consents {
		who := c.GranteeOrg
		if c.GranteeUser != 0 {
			if who = names[c.GranteeUser]; who == "" {
				who = p.T("portal.someone")
			}
		}
		scope := make([]string, len(c.Scope))
		for i, x := range c.Scope {
			scope[i] = p.T("portal.compartment." + x)
		}
		d.Consents = append(d.Consents, consentRow{ID: c.ID, Who: who, Scope: strings.Join(scope, ", "), Purpose: c.Purpose,
			Granted: p.Date(c.GrantedAt), Until: p.Date(c.Expires), Active: c.Active(now), Revoked: c.RevokedAt != nil})
	}
	reads, err := s.DB.ReadsOfPerson(ctx, ref.PersonID, readsShown)
	if err != nil {
		return nil, "", err
	}
	for _, x := range reads {
		who := x.ActorName
		if who == "" {
			who = p.T("portal.someone")
		}
		if x.ActorRole != "" {
			who += " (" + p.T("role."+x.ActorRole) + ")"
		}
		d.Reads = append(d.Reads, readRow{At: p.Time(x.At), ISO: p.ISO(x.At), Who: who, What: p.T("portal.read_what." + readKind(x.ObjectType)), Refused: x.Outcome == store.OutcomeDenied})
	}
	return p, "portal_privacy", nil
}

// readKind is the thing read, in the words of the privacy page.
func readKind(object string) string {
	switch object {
	case "case", "person", "measure", "device", "alert", "letter", "evaluation", "incident":
		return object
	}
	return "other"
}

func (s *server) handlePrivacy(w http.ResponseWriter, r *http.Request) {
	p, name, err := s.privacyPage(r)
	if err != nil {
		s.ErrorPage(w, r, err)
		return
	}
	s.PopFlash(r, p)
	s.Render(w, r, http.StatusOK, name, p)
}

func privacyURL(id int64) string { return caseURL(id) + "/privacy" }

func (s *server) actGrant(r *http.Request) (string, error) {
	id := pathID(r)
	ref, err := s.DB.CaseRef(r.Context(), id)
	if err != nil {
		return "", err
	}
	f := r.PostForm
	c := &escudo.Consent{PersonID: ref.PersonID, Scope: f["scope"], Purpose: strings.TrimSpace(f.Get("purpose"))}
	if g, ok := web.PathID(f.Get("grantee")); ok {
		c.GranteeUser = g
		if !s.DB.IsConsentGrantee(r.Context(), g) {
			return "", escudo.FieldError("grantee", "portal.grantee_unknown", nil)
		}
	} else {
		return "", escudo.FieldError("grantee", "validation.required", nil)
	}
	day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(f.Get("expires")), web.DisplayZone)
	if err != nil {
		return "", escudo.FieldError("expires_at", "portal.day", nil)
	}
	c.Expires = day.Add(24*time.Hour - time.Second)
	if c.Expires.After(s.DB.Now().Add(maxConsent)) {
		return "", escudo.FieldError("expires_at", "portal.consent_too_long", nil)
	}
	if err := s.DB.GrantConsent(r.Context(), c); err != nil {
		return "", err
	}
	return privacyURL(id), nil
}

// maxConsent bounds a consent record granted in the portal: a year, after
// which the person decides again.
const maxConsent = 366 * 24 * time.Hour

func (s *server) actRevoke(r *http.Request) (string, error) {
	id := pathID(r)
	ref, err := s.DB.CaseRef(r.Context(), id)
	if err != nil {
		return "", err
	}
	cid, ok := web.PathID(r.PostForm.Get("consent"))
	if !ok {
		return "", escudo.FieldError("consent", "validation.required", nil)
	}
	if err := s.DB.RevokeConsent(r.Context(), ref.PersonID, cid); err != nil {
		return "", err
	}
	return privacyURL(id), nil
}

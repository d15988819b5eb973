// Package directory serves the directory of the bodies the Mechanism works
// with (issue 15, item 1; docs/directory.md): the read-only directory
// (/directory) by kind and by federal entity, with search, each entity's
// agreement status and the liaisons of each body; an entity's page
// (/directory/entities/{code}) with its government, prosecutor,
// commission, police, municipal contacts, liaisons and agreement history;
// and, for a case, other bodies' protection beside the Mechanism's
// (/cases/{id}/protection, issue 15, item 3). The administration of the
// directory is internal/web/admin's agencies page.
package directory

import (
	"net/http"
	"strings"
	"time"

	"escudo"
	"escudo/internal/access"
	ref "escudo/internal/directory"
	"escudo/internal/store"
	"escudo/internal/web"
)

type server struct{ *web.Core }

// Register mounts the directory's pages.
func Register(c *web.Core) {
	s := &server{c}
	s.Handle("GET /directory", web.Access{Action: access.DirectoryRead}, s.handleDirectory)
	s.Handle("GET /directory/entities/{code}", web.Access{Action: access.DirectoryRead}, s.handleEntity)
	s.Handle("GET /cases/{id}/protection", web.Access{Action: access.RiskRead, Object: "case"}, s.handleProtection)
}

// bodyRow is one body as the directory shows it, every label translated.
type bodyRow struct {
	ID                       int64
	Name, Kind, Level        string
	Entity, EntityCode       string // EntityCode only for links
	Police                   bool
	Email, Phone, PhoneDial  string
	Address, Person, Notes   string
	Liaisons                 []string
	HasContact, FederalLevel bool
}

// kindGroup is the bodies of one kind.
type kindGroup struct {
	Anchor, Title string
	Bodies        []bodyRow
}

// agreementView is an agreement with its words: the status as it reads
// today (one in force past its end has expired) and its badge's class.
type agreementView struct {
	Status, Class               string
	Signed, Until, Document     string
	Notes, RecordedBy, Recorded string
	Current, Recorded0          bool
}

// entityRow is one federal entity in the directory's table.
type entityRow struct {
	Code, Name string
	Agreement  agreementView
	Bodies     int
	Liaisons   []string
}

type directoryData struct {
	Query    string
	Entities []entityRow
	Groups   []kindGroup
	Found    int
}

// fold lowers s and takes the accents off, so "michoacan" finds
// "Michoacán de Ocampo".
var fold = strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n",
	"Á", "a", "É", "e", "Í", "i", "Ó", "o", "Ú", "u", "Ü", "u", "Ñ", "n")

func folded(s string) string { return strings.ToLower(fold.Replace(s)) }

// kindAnchors are the sections' fragment names, in words rather than the
// kinds' codes.
var kindAnchors = map[ref.Kind]string{
	ref.KindFederal: "federales", ref.KindGovernment: "gobiernos", ref.KindPolice: "policias",
	ref.KindProsecutor: "fiscalias", ref.KindCommission: "comisiones", ref.KindMunicipal: "municipios",
	ref.KindInternational: "internacionales", ref.KindContractor: "contratistas",
}

func (s *server) body(p *web.Page, a store.AgencyRow) bodyRow {
	b := bodyRow{ID: a.ID, Name: a.Name, Kind: p.T("directory.kind." + string(a.Kind)), Level: p.T("agencies.level." + string(a.Level)),
		EntityCode: a.Entity, Police: a.Police, Email: a.Contact.Email, Phone: a.Contact.Phone, Address: a.Contact.Address,
		Person: a.Contact.Person, Notes: a.Contact.Notes, HasContact: !a.Contact.Empty(), FederalLevel: a.Entity == ""}
	if a.Entity != "" {
		b.Entity = p.Entity(a.Entity)
	}
	b.PhoneDial = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '+' {
			return r
		}
		return -1
	}, a.Contact.Phone)
	for _, l := range a.Liaisons {
		if !l.Disabled {
			b.Liaisons = append(b.Liaisons, l.DisplayName)
		}
	}
	return b
}

func agreementOf(p *web.Page, a ref.Agreement, ok bool, now time.Time) agreementView {
	if !ok {
		return agreementView{Status: p.T("agreement.status.unrecorded"), Class: "muted"}
	}
	st := a.StatusAt(now)
	v := agreementView{Status: p.T("agreement.status." + string(st)), Document: a.Document, Notes: a.Notes,
		RecordedBy: a.RecordedBy, Recorded: p.Time(a.RecordedAt), Current: a.Current, Recorded0: true}
	switch st {
	case ref.AgreementInForce:
		v.Class = "ok"
	case ref.AgreementExpired:
		v.Class = "bad"
	case ref.AgreementNone:
		v.Class = "muted"
	}
	if !a.SignedOn.IsZero() {
		v.Signed = a.SignedOn.In(web.DisplayZone).Format("2006-01-02")
	}
	if !a.ValidUntil.IsZero() {
		v.Until = a.ValidUntil.In(web.DisplayZone).Format("2006-01-02")
	}
	return v
}

// handleDirectory is the directory: the federal entities with their
// agreement, then the bodies by kind; ?q= narrows both to names or
// entities containing the words.
func (s *server) handleDirectory(w http.ResponseWriter, r *http.Request) {
	q := web.NewQuery(r.URL.Query(), "q")
	d := &directoryData{}
	p := s.NewPage(r, "directory.title", d)
	status := http.StatusOK
	if err := q.Err(); err != nil {
		p.SetErrors("", err)
		status = http.StatusBadRequest
	} else if v := r.URL.Query().Get("q"); !web.ValidText(v, escudo.MaxShortText) {
		p.SetErrors("", escudo.FieldError("q", "validation.encoding", nil))
		status = http.StatusBadRequest
	} else {
		d.Query = strings.TrimSpace(v)
	}
	ctx := r.Context()
	list, err := s.DB.AgencyList(ctx)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	current, err := s.DB.CurrentAgreements(ctx)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	store.SortByKind(list)
	needle := folded(d.Query)
	match := func(parts ...string) bool {
		if needle == "" {
			return true
		}
		for _, part := range parts {
			if strings.Contains(folded(part), needle) {
				return true
			}
		}
		return false
	}
	now := s.DB.Now()
	perEntity := map[string]*entityRow{}
	for _, e := range escudo.FederalEntities {
		a, ok := current[e.Code]
		row := &entityRow{Code: e.Code, Name: e.Name, Agreement: agreementOf(p, a, ok, now)}
		perEntity[e.Code] = row
	}
	groups := map[ref.Kind]*kindGroup{}
	for _, a := range list {
		b := s.body(p, a)
		if e := perEntity[a.Entity]; e != nil {
			e.Bodies++
			e.Liaisons = append(e.Liaisons, b.Liaisons...)
		}
		if !match(a.Name, b.Entity, a.Contact.Person) {
			continue
		}
		g := groups[a.Kind]
		if g == nil {
			g = &kindGroup{Anchor: kindAnchors[a.Kind], Title: p.T("directory.kinds." + string(a.Kind))}
			groups[a.Kind] = g
		}
		g.Bodies = append(g.Bodies, b)
		d.Found++
	}
	for _, k := range ref.Kinds {
		if g := groups[k]; g != nil {
			d.Groups = append(d.Groups, *g)
		}
	}
	for _, e := range escudo.FederalEntities {
		if match(e.Name) {
			d.Entities = append(d.Entities, *perEntity[e.Code])
		}
	}
	s.Render(w, r, status, "directory", p)
}

type entityData struct {
	Name      string
	Agreement agreementView
	History   []agreementView
	Sections  []kindGroup
	Liaisons  []liaisonOf
	CanManage bool
}

type liaisonOf struct{ Name, Body string }

// entitySections are the kinds an entity's page always shows, empty or
// not, so a missing prosecutor is seen as missing.
var entitySections = []ref.Kind{ref.KindGovernment, ref.KindProsecutor, ref.KindCommission,
	ref.KindPolice, ref.KindMunicipal}

// handleEntity is one federal entity's page: its bodies by kind, their
// liaisons and the agreement's history.
func (s *server) handleEntity(w http.ResponseWriter, r *http.Request) {
	e, ok := escudo.LookupFederalEntity(strings.ToUpper(r.PathValue("code")))
	if !ok {
		s.RenderError(w, r, http.StatusNotFound, "directory.entity_unknown")
		return
	}
	ctx := r.Context()
	bodies, err := s.DB.EntityDirectory(ctx, e.Code)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	hist, err := s.DB.EntityAgreements(ctx, e.Code)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	d := &entityData{Name: e.Name}
	p := s.NewPage(r, "directory.entity_title", d)
	d.CanManage = p.Can("GET /admin/agencies")
	now := s.DB.Now()
	if len(hist) > 0 && hist[0].Current {
		d.Agreement = agreementOf(p, hist[0], true, now)
	} else {
		d.Agreement = agreementOf(p, ref.Agreement{}, false, now)
	}
	for _, a := range hist {
		d.History = append(d.History, agreementOf(p, a, true, now))
	}
	byKind := map[ref.Kind][]bodyRow{}
	for _, a := range bodies {
		b := s.body(p, a)
		byKind[a.Kind] = append(byKind[a.Kind], b)
		for _, l := range b.Liaisons {
			d.Liaisons = append(d.Liaisons, liaisonOf{Name: l, Body: a.Name})
		}
	}
	kinds := append([]ref.Kind(nil), entitySections...)
	for _, k := range ref.Kinds {
		if len(byKind[k]) > 0 && !containsKind(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	for _, k := range kinds {
		d.Sections = append(d.Sections, kindGroup{Anchor: kindAnchors[k], Title: p.T("directory.kinds." + string(k)), Bodies: byKind[k]})
	}
	s.Render(w, r, http.StatusOK, "directory_entity", p)
}

func containsKind(ks []ref.Kind, k ref.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

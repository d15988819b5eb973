package letters

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"escudo"
)

// The wording of format 1. It lives here, not in the web catalogues: a
// letter is re-rendered from its payload when it is verified, so its words
// must never change under it (see Format).
var wording = map[string]map[string]string{
	"es-MX": {
		"title.notification":   "Notificación de la resolución de la Junta de Gobierno",
		"title.instruction":    "Instrucción para implementar medidas de protección",
		"to":                   "Para",
		"beneficiary":          "Persona beneficiaria",
		"case":                 "Expediente",
		"resolution":           "Resolución",
		"session":              "Sesión de la Junta de Gobierno",
		"issued":               "Fecha de la resolución",
		"supersedes":           "Esta resolución sustituye a la resolución {X}: las cartas de aquella ya no están vigentes.",
		"level":                "Nivel de riesgo adoptado",
		"not_adopted":          "La propuesta no obtuvo la mayoría de los votos emitidos: la Junta no la aprobó y las medidas propuestas no se otorgan.",
		"intro.notification":   "La Junta de Gobierno del Mecanismo resolvió tu caso en la sesión del {Date}. Esta carta te dice qué decidió, quién debe implementar cada medida, en qué plazo y cómo puedes inconformarte.",
		"intro.instruction":    "La Junta de Gobierno del Mecanismo resolvió, en su sesión del {Date}, las medidas de protección siguientes a cargo de {Agency}. Informe al Mecanismo de cada avance; la persona beneficiaria confirmará la implementación.",
		"measures":             "Medidas",
		"measures.proposed":    "Medidas propuestas",
		"no_measures":          "Esta resolución no otorga, cambia ni retira medidas.",
		"action.grant":         "Se otorga",
		"action.modify":        "Se modifica",
		"action.withdraw":      "Se retira",
		"action.ratify":        "Se ratifica",
		"action.end":           "Concluye",
		"action.handover":      "Deja de estar a su cargo",
		"handed_to":            "Pasa a cargo de {Agency}.",
		"agency":               "Implementa",
		"deadline":             "Plazo: a más tardar el {Date}",
		"liaison":              "Enlace",
		"reason":               "Motivo",
		"discreet":             "Con discreción: sin presencia visible que delate la protección.",
		"safe_house":           "La ubicación de la casa de refugio no aparece en ninguna carta: el personal del Mecanismo la comunica en persona.",
		"reasons":              "Razones de la Junta",
		"votes":                "Votación nominal",
		"votes.summary":        "{For} a favor, {Against} en contra, {Abstain} abstenciones.",
		"vote.for":             "a favor",
		"vote.against":         "en contra",
		"vote.abstain":         "abstención",
		"alternate":            "suplente",
		"appeal":               "Si no estás de acuerdo",
		"appeal.text":          "Puedes presentar un recurso de inconformidad dentro de los {Days} días naturales siguientes a que recibas esta notificación: en tu portal, por escrito en cualquier oficina del Mecanismo o llamando a la guardia. El Consejo Consultivo lo estudia de manera independiente.",
		"duty":                 "Guardia del Mecanismo, las 24 horas: {Phone}",
		"briefing":             "Indicaciones para el personal operativo",
		"briefing.threats":     "Amenazas que enfrenta la persona",
		"briefing.round":       "Qué es un rondín de protección",
		"briefing.round.text":  "Un rondín de protección es un recorrido periódico cerca del domicilio o del lugar de trabajo de la persona para disuadir agresiones y responder a tiempo. No es una búsqueda de actividad delictiva: no se interroga, revisa ni registra a la persona, a su familia, a sus visitas ni a sus vecinos.",
		"briefing.discreet":    "Conducta discreta: la presencia policial visible pondría en riesgo a la persona. Sin patrullas detenidas frente a su domicilio, sin preguntar por ella a vecinos; acuerde con ella la hora y la forma de cada contacto.",
		"briefing.call":        "A quién llamar",
		"briefing.call.text":   "Ante cualquier agresión o duda, a la guardia del Mecanismo, las 24 horas: {Phone}.",
		"verify":               "Verificación",
		"verify.ident":         "Identificador de la carta",
		"verify.hash":          "SHA-256 de la forma canónica",
		"verify.sig":           "Firma Ed25519 (clave {Key})",
		"verify.text":          "Comprueba que esta carta es auténtica y vigente en {URL} o escaneando el código cuadrado de esta carta.",
		"page":                 "{Ident} · página {N} de {Total}",
		"level.ordinario":      "ordinario",
		"level.extraordinario": "extraordinario",
		"level.extremo":        "extremo",
	},
	"en": {
		"title.notification":   "Notice of the Governing Board's resolution",
		"title.instruction":    "Instruction to implement protective measures",
		"to":                   "To",
		"beneficiary":          "Beneficiary",
		"case":                 "Case",
		"resolution":           "Resolution",
		"session":              "Governing Board session",
		"issued":               "Date of the resolution",
		"supersedes":           "This resolution replaces resolution {X}: its letters are no longer in force.",
		"level":                "Risk level adopted",
		"not_adopted":          "The proposal did not win a majority of the votes cast: the Board did not adopt it and the proposed measures are not granted.",
		"intro.notification":   "The Mechanism's Governing Board decided your case at its session of {Date}. This letter tells you what it decided, who must implement each measure, by when, and how you can appeal.",
		"intro.instruction":    "At its session of {Date} the Mechanism's Governing Board decided the following protective measures, to be implemented by {Agency}. Report each step to the Mechanism; the beneficiary will confirm the implementation.",
		"measures":             "Measures",
		"measures.proposed":    "Proposed measures",
		"no_measures":          "This resolution grants, changes or withdraws no measure.",
		"action.grant":         "Granted",
		"action.modify":        "Modified",
		"action.withdraw":      "Withdrawn",
		"action.ratify":        "Ratified",
		"action.end":           "Ended",
		"action.handover":      "No longer yours to implement",
		"handed_to":            "Now implemented by {Agency}.",
		"agency":               "Implemented by",
		"deadline":             "Deadline: no later than {Date}",
		"liaison":              "Liaison",
		"reason":               "Reason",
		"discreet":             "Discreetly: no visible presence that would give the protection away.",
		"safe_house":           "The safe house's location appears on no letter: the Mechanism's staff tell it in person.",
		"reasons":              "The Board's reasons",
		"votes":                "Named votes",
		"votes.summary":        "{For} for, {Against} against, {Abstain} abstentions.",
		"vote.for":             "for",
		"vote.against":         "against",
		"vote.abstain":         "abstention",
		"alternate":            "alternate",
		"appeal":               "If you disagree",
		"appeal.text":          "You can file an appeal (inconformidad) within {Days} calendar days of receiving this notice: in your portal, in writing at any office of the Mechanism, or by calling the duty desk. The Consultative Council studies it independently.",
		"duty":                 "The Mechanism's duty desk, around the clock: {Phone}",
		"briefing":             "Briefing for the officers",
		"briefing.threats":     "Threats the person faces",
		"briefing.round":       "What a protective round is",
		"briefing.round.text":  "A protective round is a regular patrol near the person's home or workplace to deter attacks and respond in time. It is not a search for criminal activity: the person, their family, visitors and neighbours are not questioned, searched or checked.",
		"briefing.discreet":    "Discreet conduct: visible police presence would put the person at risk. No patrol cars parked at their door, no asking neighbours about them; agree with them the time and manner of each contact.",
		"briefing.call":        "Whom to call",
		"briefing.call.text":   "On any attack or doubt, the Mechanism's duty desk, around the clock: {Phone}.",
		"verify":               "Verification",
		"verify.ident":         "Letter identifier",
		"verify.hash":          "SHA-256 of the canonical form",
		"verify.sig":           "Ed25519 signature (key {Key})",
		"verify.text":          "Check that this letter is authentic and in force at {URL} or by scanning this letter's square code.",
		"page":                 "{Ident} · page {N} of {Total}",
		"level.ordinario":      "ordinary",
		"level.extraordinario": "extraordinary",
		"level.extremo":        "extreme",
	},
}

// say returns the wording of key in lang with its {Name} placeholders
// replaced by args (name, value, ...).
func say(lang, key string, args ...string) string {
	s, ok := wording[lang][key]
	if !ok {
		s = wording["es-MX"][key]
	}
	for i := 0; i+1 < len(args); i += 2 {
		s = strings.ReplaceAll(s, "{"+args[i]+"}", args[i+1])
	}
	return s
}

// blockKind is how a piece of a letter is set.
type blockKind int

const (
	bTitle   blockKind = iota // the letter's title
	bHeading                  // a section's heading
	bField                    // a label and its value
	bPara                     // a paragraph
	bItem                     // a measure's first line
	bDetail                   // a line under a measure
	bNote                     // a paragraph set apart (not adopted, supersedes)
)

// block is one piece of a letter; the PDF and the HTML set the same blocks.
type block struct {
	kind        blockKind
	label, text string
}

// verification is what the letter's last part prints.
type verification struct {
	heading, identLabel, ident, hashLabel, hash, sigLabel, sig, text, link string
}

// compose lays the document out as blocks, in reading order.
func compose(d *Document) []block {
	L := d.Lang
	var out []block
	add := func(k blockKind, label, text string) { out = append(out, block{kind: k, label: label, text: text}) }
	date := func(s string) string { return longDate(L, s) }

	add(bField, "", d.Installation)
	if d.Kind == Notification {
		add(bTitle, "", say(L, "title.notification"))
		add(bField, say(L, "to"), d.Beneficiary)
	} else {
		add(bTitle, "", say(L, "title.instruction"))
		add(bField, say(L, "to"), d.Agency.Name)
		add(bField, say(L, "beneficiary"), d.Beneficiary)
	}
	add(bField, say(L, "case"), d.CaseReference)
	add(bField, say(L, "resolution"), d.Resolution)
	add(bField, say(L, "session"), date(d.SessionDate))
	add(bField, say(L, "issued"), date(d.Issued().In(Zone).Format(dateLayout)))
	if d.Supersedes != "" {
		add(bNote, "", say(L, "supersedes", "X", d.Supersedes))
	}
	if d.Kind == Notification {
		add(bPara, "", say(L, "intro.notification", "Date", date(d.SessionDate)))
		add(bField, say(L, "level"), levelLabel(L, d.Level))
		if !d.Adopted {
			add(bNote, "", say(L, "not_adopted"))
		}
	} else {
		add(bPara, "", say(L, "intro.instruction", "Date", date(d.SessionDate), "Agency", d.Agency.Name))
	}

	heading := say(L, "measures")
	if !d.Adopted {
		heading = say(L, "measures.proposed")
	}
	add(bHeading, "", heading)
	if len(d.Measures) == 0 {
		add(bPara, "", say(L, "no_measures"))
	}
	for _, l := range d.Measures {
		add(bItem, say(L, "action."+string(l.Action)), l.Label)
		if l.Action == Handover {
			add(bDetail, "", say(L, "handed_to", "Agency", l.HandedTo))
			continue
		}
		if d.Kind == Notification {
			add(bDetail, say(L, "agency"), l.Agency)
		}
		if l.Deadline != "" {
			add(bDetail, "", say(L, "deadline", "Date", date(l.Deadline)))
		}
		if l.Liaison != "" && d.Kind == Instruction {
			add(bDetail, say(L, "liaison"), l.Liaison)
		}
		if l.Discreet {
			add(bDetail, "", say(L, "discreet"))
		}
		if l.SafeHouse {
			add(bDetail, "", say(L, "safe_house"))
		}
		if l.Reason != "" {
			add(bDetail, say(L, "reason"), l.Reason)
		}
	}

	if d.Kind == Notification {
		if d.Reasons != "" {
			add(bHeading, "", say(L, "reasons"))
			for _, p := range paragraphs(d.Reasons) {
				add(bPara, "", p)
			}
		}
		if len(d.Votes) > 0 {
			add(bHeading, "", say(L, "votes"))
			n := map[escudo.VoteChoice]int{}
			for _, v := range d.Votes {
				n[v.Choice]++
			}
			add(bPara, "", say(L, "votes.summary", "For", fmt.Sprint(n[escudo.VoteFor]),
				"Against", fmt.Sprint(n[escudo.VoteAgainst]), "Abstain", fmt.Sprint(n[escudo.VoteAbstain])))
			for _, v := range d.Votes {
				who := v.Member
				if v.Alternate {
					who += " (" + say(L, "alternate") + ")"
				}
				add(bDetail, v.Seat, who+": "+say(L, "vote."+string(v.Choice)))
			}
		}
		if d.AppealDays > 0 {
			add(bHeading, "", say(L, "appeal"))
			add(bPara, "", say(L, "appeal.text", "Days", fmt.Sprint(d.AppealDays)))
		}
	}
	if b := d.Briefing; b != nil {
		add(bHeading, "", say(L, "briefing"))
		add(bField, say(L, "briefing.threats"), "")
		for _, p := range paragraphs(b.Threats) {
			add(bPara, "", p)
		}
		add(bField, say(L, "briefing.round"), "")
		add(bPara, "", say(L, "briefing.round.text"))
		if b.Discreet {
			add(bNote, "", say(L, "briefing.discreet"))
		}
		add(bField, say(L, "briefing.call"), "")
		add(bPara, "", say(L, "briefing.call.text", "Phone", b.Call))
		if len(b.Liaisons) > 0 {
			add(bDetail, say(L, "liaison"), strings.Join(b.Liaisons, ", "))
		}
	}
	if d.DutyPhone != "" && d.Briefing == nil {
		add(bPara, "", say(L, "duty", "Phone", d.DutyPhone))
	}
	return out
}

func verifyBlock(d *Document, hash string, sig []byte) verification {
	L := d.Lang
	return verification{
		heading: say(L, "verify"), identLabel: say(L, "verify.ident"), ident: d.Identifier,
		hashLabel: say(L, "verify.hash"), hash: hash,
		sigLabel: say(L, "verify.sig", "Key", d.KeyID), sig: base64.StdEncoding.EncodeToString(sig),
		text: say(L, "verify.text", "URL", d.VerifyURL), link: VerifyLink(d.VerifyURL, d.Identifier, hash),
	}
}

// VerifyLink is the QR code's target: the verification page with the
// letter's identifier and hash.
func VerifyLink(base, ident, hash string) string {
	return base + "?l=" + url.QueryEscape(ident) + "&h=" + hash
}

func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func levelLabel(lang, level string) string {
	if s, ok := wording[lang]["level."+level]; ok {
		return s
	}
	return level
}

var monthsES = []string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}

// longDate writes a 2006-01-02 date out in words: "3 de julio de 2026",
// "3 July 2026".
func longDate(lang, s string) string {
	var y, m, d int
	if _, err := fmt.Sscanf(s, "%d-%d-%d", &y, &m, &d); err != nil || m < 1 || m > 12 {
		return s
	}
	if lang == "en" {
		return fmt.Sprintf("%d %s %d", d, []string{"January", "February", "March", "April", "May", "June", "July",
			"August", "September", "October", "November", "December"}[m-1], y)
	}
	return fmt.Sprintf("%d de %s de %d", d, monthsES[m-1], y)
}

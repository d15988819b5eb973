// Package directory holds the directory's reference data (docs/directory.md):
// the bodies every installation works with, by name, kind, level and
// federal entity: the federal institutions, each of the 32 federal
// entities' government, prosecutor's office and human rights commission,
// and the Inter-American Commission. It carries no contact details and no
// agreement: those are each installation's to record from its own
// documents (`escudo directory seed` adds what is missing, then the
// administration page completes it). Pure data, no I/O.
package directory

import (
	"strings"

	"escudo"
)

// Federal is the federal institutions and the international body, with
// the codes the demo's implementing agencies already use (gn, sspc,
// segob-mecanismo) so a seeded installation and the demo agree.
var Federal = []Entry{
	{Agency: escudo.Agency{Code: "segob", Name: "Secretaría de Gobernación", Level: escudo.AgencyFederal}, Kind: KindFederal},
	{Agency: escudo.Agency{Code: "segob-mecanismo", Name: "Mecanismo de Protección (Secretaría de Gobernación)", Level: escudo.AgencyFederal}, Kind: KindFederal},
	{Agency: escudo.Agency{Code: "sspc", Name: "Secretaría de Seguridad y Protección Ciudadana", Level: escudo.AgencyFederal, Police: true}, Kind: KindPolice},
	{Agency: escudo.Agency{Code: "gn", Name: "Guardia Nacional", Level: escudo.AgencyFederal, Police: true}, Kind: KindPolice},
	{Agency: escudo.Agency{Code: "fgr", Name: "Fiscalía General de la República", Level: escudo.AgencyFederal}, Kind: KindProsecutor},
	{Agency: escudo.Agency{Code: "feadle", Name: "Fiscalía Especial para la Atención de Delitos cometidos contra la Libertad de Expresión (FEADLE)", Level: escudo.AgencyFederal}, Kind: KindProsecutor},
	{Agency: escudo.Agency{Code: "sre", Name: "Secretaría de Relaciones Exteriores", Level: escudo.AgencyFederal}, Kind: KindFederal},
	{Agency: escudo.Agency{Code: "cndh", Name: "Comisión Nacional de los Derechos Humanos", Level: escudo.AgencyFederal}, Kind: KindCommission},
	{Agency: escudo.Agency{Code: "cidh", Name: "Comisión Interamericana de Derechos Humanos", Level: escudo.AgencyFederal}, Kind: KindInternational},
}

// commissions are the state commissions whose name does not follow the
// common pattern.
var commissions = map[string]string{
	"OAX":  "Defensoría de los Derechos Humanos del Pueblo de Oaxaca",
	"GTO":  "Procuraduría de los Derechos Humanos del Estado de Guanajuato",
	"CDMX": "Comisión de Derechos Humanos de la Ciudad de México",
	"MEX":  "Comisión de Derechos Humanos del Estado de México",
	"BC":   "Comisión Estatal de los Derechos Humanos de Baja California",
}

// Entity returns a federal entity's government, prosecutor's office and
// human rights commission.
func Entity(e escudo.FederalEntity) []Entry {
	of := "del Estado de " + e.Name
	government := "Gobierno " + of
	prosecutor := "Fiscalía General " + of
	switch e.Code {
	case "CDMX":
		government, prosecutor = "Gobierno de la Ciudad de México", "Fiscalía General de Justicia de la Ciudad de México"
	case "MEX":
		government, prosecutor = "Gobierno del Estado de México", "Fiscalía General de Justicia del Estado de México"
	}
	commission, ok := commissions[e.Code]
	if !ok {
		commission = "Comisión Estatal de Derechos Humanos de " + e.Name
	}
	code := strings.ToLower(e.Code)
	return []Entry{
		{Agency: escudo.Agency{Code: "gob-" + code, Name: government, Level: escudo.AgencyState, Entity: e.Code}, Kind: KindGovernment},
		{Agency: escudo.Agency{Code: "fiscalia-" + code, Name: prosecutor, Level: escudo.AgencyState, Entity: e.Code}, Kind: KindProsecutor},
		{Agency: escudo.Agency{Code: "cedh-" + code, Name: commission, Level: escudo.AgencyState, Entity: e.Code}, Kind: KindCommission},
	}
}

// Reference is the whole reference directory: the federal bodies, then
// each entity's in INEGI order.
func Reference() []Entry {
	out := append([]Entry(nil), Federal...)
	for _, e := range escudo.FederalEntities {
		out = append(out, Entity(e)...)
	}
	return out
}

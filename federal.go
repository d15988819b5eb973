package escudo

import "strings"

// FederalEntity is one of Mexico's 32 federal entities (reference data).
type FederalEntity struct {
	Code string // INEGI two-letter abbreviation used in references
	Name string
}

// FederalEntities lists the 32 entities in INEGI order.
var FederalEntities = []FederalEntity{
	{"AGS", "Aguascalientes"}, {"BC", "Baja California"}, {"BCS", "Baja California Sur"},
	{"CAM", "Campeche"}, {"COA", "Coahuila de Zaragoza"}, {"COL", "Colima"},
	{"CHS", "Chiapas"}, {"CHH", "Chihuahua"}, {"CDMX", "Ciudad de México"},
	{"DUR", "Durango"}, {"GTO", "Guanajuato"}, {"GRO", "Guerrero"},
	{"HGO", "Hidalgo"}, {"JAL", "Jalisco"}, {"MEX", "Estado de México"},
	{"MIC", "Michoacán de Ocampo"}, {"MOR", "Morelos"}, {"NAY", "Nayarit"},
	{"NL", "Nuevo León"}, {"OAX", "Oaxaca"}, {"PUE", "Puebla"},
	{"QRO", "Querétaro"}, {"QR", "Quintana Roo"}, {"SLP", "San Luis Potosí"},
	{"SIN", "Sinaloa"}, {"SON", "Sonora"}, {"TAB", "Tabasco"},
	{"TAM", "Tamaulipas"}, {"TLX", "Tlaxcala"}, {"VER", "Veracruz de Ignacio de la Llave"},
	{"YUC", "Yucatán"}, {"ZAC", "Zacatecas"},
}

var federalByCode = func() map[string]FederalEntity {
	m := make(map[string]FederalEntity, len(FederalEntities))
	for _, e := range FederalEntities {
		m[e.Code] = e
	}
	return m
}()

// LookupFederalEntity returns the entity with the given code.
func LookupFederalEntity(code string) (FederalEntity, bool) {
	e, ok := federalByCode[code]
	return e, ok
}

// PublicContact is how the public reaches the Mechanism, shown on the
// public pages: configuration of each installation.
type PublicContact struct {
	Hotline string   `json:"hotline,omitempty"` // as people dial it, e.g. "800 000 0000"
	Email   string   `json:"email,omitempty"`
	Offices []Office `json:"offices,omitempty"`
}

// Office is a place where people can ask for protection in person.
type Office struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Hours   string `json:"hours,omitempty"`
}

// Validate checks the contact details' lengths and e-mail form.
func (c *PublicContact) Validate() error {
	var v ValidationErrors
	checkText(&v, "contact.hotline", c.Hotline, MaxShortText)
	checkText(&v, "contact.email", c.Email, MaxShortText)
	if c.Email != "" && !strings.Contains(c.Email, "@") {
		v.Add("contact.email", "validation.email", nil)
	}
	if len(c.Offices) > MaxListItems {
		v.Add("contact.offices", "validation.too_many", map[string]any{"Max": MaxListItems})
	}
	for _, o := range c.Offices {
		if strings.TrimSpace(o.Name) == "" || strings.TrimSpace(o.Address) == "" {
			v.Add("contact.offices", "validation.required", nil)
		}
		checkText(&v, "contact.offices", o.Name, MaxShortText)
		checkText(&v, "contact.offices", o.Address, MaxShortText)
		checkText(&v, "contact.offices", o.Hours, MaxShortText)
	}
	return v.Err()
}

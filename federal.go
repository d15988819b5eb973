package escudo

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

package demo

// Reference lists for fictional data. Given names and surnames are common in
// Mexico; organisations and media outlets are invented. Surnames of people
// named in the source report are deliberately absent.

var givenFemale = []string{
	"María", "Guadalupe", "Juana", "Margarita", "Verónica", "Rosa", "Leticia", "Patricia",
	"Elizabeth", "Alejandra", "Adriana", "Gabriela", "Claudia", "Araceli", "Yolanda", "Silvana",
	"Martha", "Norma", "Teresa", "Gloria", "Maribel", "Karina", "Rocío", "Irma", "Laura",
	"Ana Karen", "Itzel", "Xóchitl", "Citlali", "Yesenia", "Brenda", "Dulce María", "Fernanda",
	"Lorena", "Beatriz", "Imelda", "Socorro", "Esperanza", "Natalia", "Paola",
}

var givenMale = []string{
	"José", "Juan", "Miguel", "Francisco", "Pedro", "Jesús", "Alejandro", "Antonio", "Luis",
	"Ricardo", "Fernando", "Roberto", "Jorge", "Eduardo", "Arturo", "Sergio", "Raúl", "Mario",
	"Gerardo", "Rafael", "Óscar", "Hugo", "Joel", "Saúl", "Efraín", "Abel", "Rigoberto",
	"Tomás", "Emiliano", "Cuauhtémoc", "Noé", "Israel", "Diego", "Marco Antonio", "Julio César",
}

var givenNonBinary = []string{"Alex", "Cruz", "Guadalupe", "Ariel", "Trinidad", "Sol"}

var surnames = []string{
	"Hernández", "García", "Martínez", "López", "González", "Rodríguez", "Ramírez", "Cruz",
	"Flores", "Gómez", "Morales", "Vázquez", "Jiménez", "Reyes", "Díaz", "Torres", "Gutiérrez",
	"Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero", "Álvarez", "Méndez",
	"Chávez", "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera", "Medina", "Castro", "Vargas",
	"Guzmán", "Velázquez", "Santiago", "Salazar", "Contreras", "Bautista", "Luna", "Ríos",
	"Figueroa", "Cortés", "Nava", "Estrada", "Pacheco", "Cervantes", "Zárate", "Trejo", "Olvera",
	"Quintero", "Villanueva", "Carrillo", "Sosa", "Lara", "Mejía", "Osorio", "Galván", "Ventura",
	"Matías", "Pascual", "Jacinto", "Atanacio", "Toledo", "Cabrera", "Espinosa", "Ávila", "Zamora",
}

// municipalities lists a few municipalities of each federal entity.
var municipalities = map[string][]string{
	"AGS":  {"Aguascalientes", "Calvillo", "Jesús María", "Rincón de Romos"},
	"BC":   {"Tijuana", "Mexicali", "Ensenada", "San Quintín", "Tecate"},
	"BCS":  {"La Paz", "Los Cabos", "Comondú", "Mulegé"},
	"CAM":  {"Campeche", "Calakmul", "Carmen", "Hopelchén", "Calkiní"},
	"COA":  {"Saltillo", "Torreón", "Piedras Negras", "Monclova", "Acuña"},
	"COL":  {"Colima", "Manzanillo", "Tecomán", "Armería"},
	"CHS":  {"San Cristóbal de las Casas", "Chenalhó", "Ocosingo", "Tapachula", "Palenque", "Chilón", "Pantelhó", "Tuxtla Gutiérrez"},
	"CHH":  {"Guachochi", "Ciudad Juárez", "Chihuahua", "Guadalupe y Calvo", "Urique", "Uruachi"},
	"CDMX": {"Iztapalapa", "Cuauhtémoc", "Coyoacán", "Gustavo A. Madero", "Tlalpan", "Xochimilco"},
	"DUR":  {"Durango", "Gómez Palacio", "Mezquital", "Tepehuanes"},
	"GTO":  {"León", "Irapuato", "Celaya", "Salamanca", "Guanajuato"},
	"GRO":  {"Chilpancingo de los Bravo", "Tlapa de Comonfort", "Acapulco de Juárez", "Ayutla de los Libres", "Chilapa de Álvarez", "Iguala de la Independencia", "Metlatónoc"},
	"HGO":  {"Pachuca de Soto", "Ixmiquilpan", "Huejutla de Reyes", "Tulancingo de Bravo"},
	"JAL":  {"Guadalajara", "Zapopan", "Mezquitic", "Puerto Vallarta", "Lagos de Moreno"},
	"MEX":  {"Ecatepec de Morelos", "Toluca", "Nezahualcóyotl", "Temoaya", "San Felipe del Progreso"},
	"MIC":  {"Morelia", "Uruapan", "Cherán", "Aquila", "Apatzingán", "Zitácuaro"},
	"MOR":  {"Cuernavaca", "Cuautla", "Tepoztlán", "Temixco"},
	"NAY":  {"Tepic", "Del Nayar", "La Yesca", "Bahía de Banderas"},
	"NL":   {"Monterrey", "Guadalupe", "Apodaca", "Cadereyta Jiménez"},
	"OAX":  {"Juchitán de Zaragoza", "Oaxaca de Juárez", "San Juan Copala", "Santiago Jamiltepec", "Putla Villa de Guerrero", "Salina Cruz", "Huautla de Jiménez", "Santa María Tlahuitoltepec", "Tlaxiaco"},
	"PUE":  {"Puebla", "Cuetzalan del Progreso", "Zacatlán", "Tehuacán", "Huauchinango"},
	"QRO":  {"Querétaro", "Amealco de Bonfil", "San Juan del Río", "Tolimán"},
	"QR":   {"Cancún (Benito Juárez)", "Felipe Carrillo Puerto", "José María Morelos", "Chetumal (Othón P. Blanco)"},
	"SLP":  {"San Luis Potosí", "Ciudad Valles", "Tamazunchale", "Aquismón"},
	"SIN":  {"Culiacán", "Mazatlán", "Los Mochis (Ahome)", "Badiraguato"},
	"SON":  {"Hermosillo", "Cajeme", "Nogales", "Guaymas", "Bácum"},
	"TAB":  {"Villahermosa (Centro)", "Cárdenas", "Tenosique", "Nacajuca"},
	"TAM":  {"Reynosa", "Nuevo Laredo", "Matamoros", "Ciudad Victoria", "Tampico"},
	"TLX":  {"Tlaxcala", "Apizaco", "Huamantla", "Calpulalpan"},
	"VER":  {"Xalapa", "Veracruz", "Coatzacoalcos", "Papantla", "Zongolica", "Poza Rica", "Orizaba"},
	"YUC":  {"Mérida", "Valladolid", "Tizimín", "Homún"},
	"ZAC":  {"Zacatecas", "Fresnillo", "Jerez", "Valparaíso"},
}

// entityWeights favours the states where attacks are most reported, while
// every one of the 32 appears.
var entityWeights = map[string]int{
	"GRO": 12, "OAX": 12, "CHS": 10, "VER": 10, "CDMX": 9, "MIC": 7, "CHH": 7, "TAM": 6,
	"MEX": 6, "GTO": 5, "JAL": 5, "SIN": 4, "BC": 4, "COA": 4, "PUE": 4, "SON": 4, "QR": 3,
	"MOR": 3, "YUC": 2, "HGO": 2, "NL": 3, "ZAC": 3, "DUR": 2, "TAB": 2, "SLP": 2, "NAY": 2,
	"QRO": 1, "CAM": 1, "BCS": 1, "COL": 2, "TLX": 1, "AGS": 1,
}

// identity is an indigenous or ethnic identity with its language.
type identity struct {
	Ethnicity string
	Language  string
}

// identities lists the peoples present in each entity, where relevant.
var identities = map[string][]identity{
	"OAX":  {{"zapoteca", "zapoteco"}, {"mixteca", "mixteco"}, {"mixe (ayuuk)", "ayuuk"}, {"triqui", "triqui"}, {"mazateca", "mazateco"}, {"chatina", "chatino"}, {"afromexicana", "español"}},
	"CHS":  {{"tsotsil", "tsotsil"}, {"tseltal", "tseltal"}, {"chol", "chol"}, {"tojolabal", "tojolabal"}},
	"GRO":  {{"nahua", "náhuatl"}, {"mixteca (na savi)", "mixteco"}, {"me'phaa", "me'phaa"}, {"amuzga", "amuzgo"}, {"afromexicana", "español"}},
	"CHH":  {{"rarámuri", "rarámuri"}, {"ódami", "tepehuano del norte"}},
	"PUE":  {{"nahua", "náhuatl"}, {"totonaca", "totonaco"}},
	"VER":  {{"nahua", "náhuatl"}, {"totonaca", "totonaco"}, {"popoluca", "popoluca"}},
	"HGO":  {{"hñähñu (otomí)", "hñähñu"}, {"nahua", "náhuatl"}},
	"MEX":  {{"mazahua", "mazahua"}, {"hñähñu (otomí)", "hñähñu"}},
	"QRO":  {{"hñähñu (otomí)", "hñähñu"}},
	"MIC":  {{"purépecha", "purépecha"}, {"nahua", "náhuatl"}},
	"YUC":  {{"maya", "maya"}},
	"QR":   {{"maya", "maya"}},
	"CAM":  {{"maya", "maya"}},
	"JAL":  {{"wixárika", "wixárika"}},
	"NAY":  {{"wixárika", "wixárika"}, {"náayeri (cora)", "cora"}},
	"SON":  {{"yoeme (yaqui)", "yoeme"}, {"comcaac (seri)", "cmiique iitom"}},
	"DUR":  {{"o'dam (tepehuana)", "tepehuano del sur"}},
	"SLP":  {{"teenek", "teenek"}, {"nahua", "náhuatl"}},
	"TAB":  {{"chontal (yokot'an)", "yokot'an"}},
	"CDMX": {{"nahua", "náhuatl"}, {"mixteca", "mixteco"}},
}

var defenderOccupations = []string{
	"defensa del territorio y el agua", "acompañamiento a familias de personas desaparecidas",
	"búsqueda de personas desaparecidas", "abogacía en derechos humanos", "atención a personas migrantes",
	"defensa de derechos de las mujeres", "defensa de derechos LGBTI+", "promotoría comunitaria de salud",
	"defensa ambiental", "asesoría agraria a comunidades", "documentación de tortura", "defensa de derechos laborales",
}

var journalistOccupations = []string{
	"periodismo de investigación", "reportería de seguridad", "locución en radio comunitaria",
	"fotoperiodismo", "periodismo digital independiente", "corresponsalía regional", "columna de opinión",
	"periodismo ambiental", "edición de medio local",
}

// Fictional organisations and media outlets; "%s" takes a place name.
var organizationPatterns = []string{
	"Centro de Derechos Humanos Tierra y Dignidad de %s", "Colectivo Madres Buscadoras de %s",
	"Red de Defensoras Comunitarias de %s", "Comité Ciudadano por el Agua de %s",
	"Casa de Acogida La Esperanza de %s", "Asamblea de Pueblos en Defensa del Territorio de %s",
	"Observatorio Ciudadano de %s", "Colectivo Feminista Semilla de %s",
	"Clínica Jurídica Popular de %s", "Unión de Comuneros de %s",
}

// Names of fictional collectives, kept apart from the organisations above so a
// collective's (sealed) name never equals an individual's (plain) organisation.
var collectivePatterns = []string{
	"Colectivo Hijas de la Tierra de %s", "Brigada Humanitaria Caminantes de %s",
	"Comunidad en Resistencia de %s", "Colectivo de Familias Unidas por la Verdad de %s",
	"Colectivo de Periodistas Libres de %s", "Consejo Comunitario Guardianes del Monte de %s",
	"Colectivo Juventudes Defensoras de %s", "Asociación de Reporteras de %s",
}

var mediaPatterns = []string{
	"Diario Voz de %s", "Radio Comunitaria La Palabra de %s", "Semanario El Faro de %s",
	"Noticias Al Momento %s", "Portal Independiente Raíz de %s", "Revista Contracorriente %s",
	"Canal Digital Mirada de %s", "Periódico El Vigía de %s",
}

var referrers = []string{
	"Comisión Estatal de Derechos Humanos", "Comisión Nacional de los Derechos Humanos",
	"Comisión Interamericana de Derechos Humanos (medidas cautelares)", "Fiscalía Especial para la Atención de Delitos cometidos contra la Libertad de Expresión",
	"Oficina en México del Alto Comisionado de las Naciones Unidas para los Derechos Humanos",
	"Red nacional de organizaciones civiles de derechos humanos", "Mecanismo estatal de protección",
}

var relationships = []string{"hija", "hijo", "madre", "padre", "pareja", "esposa", "esposo", "hermana", "hermano", "nieta"}

var memberRoles = []string{"coordinadora", "coordinador", "vocera", "vocero", "tesorera", "secretario", "integrante", "integrante", "acompañante jurídica"}

var aggressorsList = []string{
	"policía municipal", "elementos de la policía estatal", "grupo armado no identificado",
	"personas vinculadas a la delincuencia organizada", "personal de seguridad privada de una empresa minera",
	"autoridades municipales", "integrantes de un grupo de choque local", "desconocidos en motocicleta",
	"funcionarios de la presidencia municipal", "un grupo caciquil de la región", "personas sin identificar en redes sociales",
}

var threats = []string{
	"recibió amenazas de muerte por mensajes de texto y llamadas",
	"fue seguida por una camioneta sin placas durante varios días",
	"encontró su domicilio allanado y sus equipos de trabajo robados",
	"fue agredida físicamente al salir de una reunión comunitaria",
	"recibió una corona fúnebre con su nombre en la puerta de su casa",
	"fue objeto de una campaña de desprestigio y amenazas en redes sociales",
	"sufrió vigilancia y fotografías de su familia enviadas a su teléfono",
	"recibió disparos contra la fachada de su oficina durante la noche",
	"fue detenida arbitrariamente y golpeada durante el traslado",
	"fue advertida de que dejara su labor o \"atendiera las consecuencias\"",
}

var work = map[string][]string{
	"defender": {
		"acompaña a comunidades que se oponen a un proyecto minero",
		"documenta desapariciones en la región y acompaña a las familias en la búsqueda",
		"brinda asesoría jurídica a personas migrantes en tránsito",
		"defiende el derecho al agua frente a la sobreexplotación de pozos",
		"acompaña a mujeres víctimas de violencia ante la fiscalía",
		"denuncia la tala ilegal en tierras comunales",
	},
	"journalist": {
		"publicó una investigación sobre desvío de recursos municipales",
		"cubre la nota de seguridad y documentó una fosa clandestina",
		"transmite en radio comunitaria denuncias sobre despojo de tierras",
		"publicó fotografías de un operativo policial con uso excesivo de la fuerza",
		"investiga la relación entre autoridades locales y grupos criminales",
		"dio seguimiento a un conflicto agrario en su columna semanal",
	},
}

var notAdmittedReasons = []string{
	"La persona peticionaria no ejerce labores de defensa de derechos humanos ni de periodismo; los hechos se relacionan con un conflicto familiar. Se orienta hacia la fiscalía estatal.",
	"Los hechos narrados no guardan relación con la labor de defensa o periodística. Se canaliza a la comisión estatal de derechos humanos.",
	"La persona peticionaria ya es beneficiaria del mecanismo estatal y solicita no duplicar medidas; se coordina con ese mecanismo.",
	"La persona peticionaria retiró su consentimiento para continuar con el procedimiento.",
}

var infoRequests = []string{
	"Se solicita ampliar la narración de los hechos y la relación con la labor de defensa.",
	"Se requiere el consentimiento firmado de la persona beneficiaria y datos de contacto seguros.",
	"Se solicita información sobre las denuncias presentadas ante la fiscalía.",
}

// infoAnswers answer infoRequests, one for one, as petitioners write them.
var infoAnswers = []string{
	"Desde que publiqué el reportaje sobre la mina me siguen a la salida de la radio; el martes dejaron una nota en la puerta de mi casa. Mi labor es informar sobre los despojos de tierras en la región.",
	"Ya firmé el consentimiento y lo dejé en la oficina estatal. Para llamarme, mejor al número de mi hermana entre las 9 y las 14 horas, nunca por mensaje de texto.",
	"Presenté la denuncia ante la fiscalía estatal el 3 de marzo; me dieron número de carpeta, pero nadie me ha vuelto a llamar.",
}

const noAnswerReason = "No se recibió la información solicitada en el plazo indicado; la persona peticionaria puede presentar una nueva solicitud en cualquier momento."

var caseNotes = []string{
	"Llamada de seguimiento: la persona beneficiaria reporta vehículos sin placas frente a su domicilio.",
	"Se confirmó con la policía estatal la realización de rondines; la persona beneficiaria pide que sean discretos para no llamar la atención de vecinos.",
	"La organización solicita que la evaluación de riesgo considere el contexto comunitario, étnico y de género.",
	"Se entregó teléfono satelital; la persona beneficiaria reporta que no tiene cobertura en su comunidad.",
	"La persona beneficiaria informa que la fiscalía no ha dado avances en la investigación de las amenazas.",
	"Reunión con la persona beneficiaria: pide ser escuchada antes de la sesión de la Junta de Gobierno.",
	"Se solicita a la secretaría de seguridad estatal informe sobre la implementación de las medidas.",
	"La persona beneficiaria reporta un nuevo incidente: mensajes intimidatorios a familiares.",
	"Intento de contacto sin respuesta; se respeta el horario seguro indicado.",
	"El botón de asistencia no se activó en la prueba mensual; se reporta a la empresa proveedora.",
}

var handoverNotes = []string{
	"Traspaso por rotación de personal. Pendiente: confirmar con la persona beneficiaria la fecha de la entrevista de evaluación.",
	"Traspaso a seguimiento: medidas implementadas; revisar en 30 días que los rondines se realicen según lo acordado.",
	"Traspaso del turno de guardia: medidas urgentes emitidas; falta confirmar su implementación con la policía estatal.",
	"Reasignación por carga de trabajo. La persona beneficiaria prefiere contacto por Signal y nunca por SMS.",
	"Traspaso a evaluación de riesgo: expediente completo, entrevista realizada, faltan constancias de denuncias.",
}

var milestoneNotes = map[string][]string{
	"urgent_measures_issued":      {"Medidas urgentes: rondines de policía estatal y número de emergencia directo.", "Medidas urgentes: reubicación temporal y escolta."},
	"urgent_measures_implemented": {"La policía estatal confirma el primer rondín.", "Reubicación temporal realizada; la persona beneficiaria confirma."},
	"evaluated":                   {"Evaluación de riesgo concluida: riesgo ordinario.", "Evaluación de riesgo concluida: riesgo extraordinario."},
	"resolved":                    {"La Junta de Gobierno aprueba medidas de protección.", "La Junta de Gobierno aprueba plan de protección con medidas psicosociales."},
	"measures_implemented":        {"Cámaras y cerradura instaladas; la persona beneficiaria confirma.", "Botón de asistencia entregado y probado con la persona beneficiaria."},
	"appeal_filed":                {"La persona beneficiaria presenta inconformidad: el nivel de riesgo no considera el contexto."},
	"appeal_ruled":                {"Se resuelve la inconformidad: se ordena una nueva evaluación."},
	"closed":                      {"Cierre del caso por decisión de la persona beneficiaria; riesgo reducido según la reevaluación."},
}

// reportNames are people named in the source report; generated names must
// never equal them.
var reportNames = []string{
	"Silvia Pérez Yescas", "Alberto Xicoténcatl", "Moisés Sánchez Cerezo", "Víctor Manuel Serrato",
}

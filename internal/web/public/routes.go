// Package public serves the pages anyone may open without an account: what
// the Mechanism is and how to ask for protection (the home page and the
// information pages under /informacion), the request form, the
// follow-up of a request by reference and code, the style sheet and the
// language switch. The beneficiary portal will join it.
package public

import "escudo/internal/web"

// open is the access record of every public route.
var open = web.Access{Public: true}

// server is the public pages' handler set over the shared core.
type server struct{ *web.Core }

// Register mounts the public pages.
func Register(c *web.Core) {
	s := &server{c}
	s.Handle("GET /static/{file}", open, s.HandleStatic)
	s.Handle("GET /lang", open, s.HandleLang)
	s.Handle("/", open, s.handleNotFound)
	s.Handle("GET /{$}", open, s.handleHome)
	s.Handle("GET /solicitar", open, s.handleRequestForm)
	s.Handle("POST /solicitar", open, s.handleRequest)
	s.Handle("GET /seguimiento", open, s.handleStatusForm)
	s.Handle("POST /seguimiento", open, s.handleStatus)
	s.Handle("POST /seguimiento/respuesta", open, s.handleStatusAnswer)
	s.Handle("GET /estadisticas", open, s.handleStatistics)
	s.Handle("GET /estadisticas/datos", open, s.handleStatisticsData)
	s.Handle("GET /estadisticas/informe", open, s.handleReport)
	s.Handle("GET /verificar", open, s.handleVerify)
	s.Handle("POST /verificar", open, s.handleVerifyUpload)
	for _, pg := range infoPages {
		s.Handle("GET "+pg.Path, open, s.handleInfo(pg))
	}
}

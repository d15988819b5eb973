// Package public serves the pages anyone may open without an account: what
// the Mechanism is and how to ask for protection, the request form, the
// follow-up of a request by reference and code, the style sheet and the
// language switch. The beneficiary portal will join it.
package public

import "escudo/internal/web"

// server is the public pages' handler set over the shared core.
type server struct{ *web.Core }

// Register mounts the public pages.
func Register(c *web.Core) {
	s := &server{c}
	m := s.Mux
	m.HandleFunc("GET /static/{file}", s.HandleStatic)
	m.HandleFunc("GET /lang", s.HandleLang)
	m.HandleFunc("/", s.handleNotFound)
	m.HandleFunc("GET /{$}", s.handleHome)
	m.HandleFunc("GET /solicitar", s.handleRequestForm)
	m.HandleFunc("POST /solicitar", s.handleRequest)
	m.HandleFunc("GET /seguimiento", s.handleStatusForm)
	m.HandleFunc("POST /seguimiento", s.handleStatus)
}

package http

import "net/http"

// routeMux is the server's ServeMux, remembering every pattern registered
// through it: the OpenAPI test walks the served /api/v1 routes from this
// list, whichever area's file registered them.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func newRouteMux() *routeMux { return &routeMux{ServeMux: http.NewServeMux()} }

// Handle registers h for pattern and records the pattern.
func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.ServeMux.Handle(pattern, h)
	m.patterns = append(m.patterns, pattern)
}

// HandleFunc registers h for pattern and records the pattern.
func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.ServeMux.HandleFunc(pattern, h)
	m.patterns = append(m.patterns, pattern)
}

// Patterns lists the registered patterns in registration order.
func (m *routeMux) Patterns() []string { return append([]string(nil), m.patterns...) }

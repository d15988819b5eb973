package web

import "net/http"

// RouteMux is the server's ServeMux, remembering every pattern registered
// through it: the OpenAPI test walks the served /api/v1 routes from this
// list, whichever area's file registered them.
type RouteMux struct {
	*http.ServeMux
	patterns []string
}

func NewRouteMux() *RouteMux { return &RouteMux{ServeMux: http.NewServeMux()} }

// Handle registers h for pattern and records the pattern.
func (m *RouteMux) Handle(pattern string, h http.Handler) {
	m.ServeMux.Handle(pattern, h)
	m.patterns = append(m.patterns, pattern)
}

// HandleFunc registers h for pattern and records the pattern.
func (m *RouteMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.ServeMux.HandleFunc(pattern, h)
	m.patterns = append(m.patterns, pattern)
}

// Patterns lists the registered patterns in registration order.
func (m *RouteMux) Patterns() []string { return append([]string(nil), m.patterns...) }

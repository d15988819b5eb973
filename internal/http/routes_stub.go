package http

// Route registration per area. Each area's owner moves its function out of
// this file into the area's own file when it implements it.

func (s *Server) registerWeb() error   { return nil }
func (s *Server) registerAPI()         {}
func (s *Server) registerDevices()     {}
func (s *Server) registerSupervision() {}
func (s *Server) registerSecurity()    {}

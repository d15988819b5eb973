package board

// DefaultJSON exposes the embedded default to the tests.
var DefaultJSON = defaultJSON

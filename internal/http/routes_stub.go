package http

// Route registration per area. Each area's owner moves its function out of
// this file into the area's own file when it implements it.

// Package gateway serves the endpoints that devices and the SMS gateway
// call: panic alerts, heartbeats and inbound text messages. Each request is
// authenticated by the device's own secret (bearer token or HMAC signature
// over the body), never by a session, and the heartbeat path is kept
// allocation-light because every device posts one every interval.
package gateway

import "escudo/internal/web"

// server is the gateway's handler set over the shared core.
type server struct {
	*web.Core
	devices *Credentials
}

// Register mounts the device and SMS endpoints and returns the device
// credential cache, which the staff device registry tells of changes made
// on this node.
func Register(c *web.Core) *Credentials {
	s := &server{Core: c, devices: NewCredentials(c.DB)}
	s.Handle("POST /api/v1/devices/{id}/alerts", web.Access{Device: true}, s.handleDeviceAlert)
	s.Handle("POST /api/v1/devices/{id}/heartbeat", web.Access{Device: true}, s.handleDeviceHeartbeat)
	s.Handle("POST /api/v1/sms/inbound", web.Access{Device: true}, s.handleSMSInbound)
	return s.devices
}

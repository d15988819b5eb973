package web

import "escudo"

// AlertAccepted is the answer to a device or an operator that raised an
// alert: sent only after the alert is durably committed.
type AlertAccepted struct {
	AlertID   int64              `json:"alert_id"`
	Status    escudo.AlertStatus `json:"status"`
	Duplicate bool               `json:"duplicate,omitempty"`
	Flags     []string           `json:"flags,omitempty"`
}

// ErrSupervisionOff answers when the server runs without a supervisor.
var ErrSupervisionOff = &escudo.Error{Code: "unavailable", Key: "error.supervision_unavailable"}

// ReceiptData is the receipt page of a filed request, shown to the
// petitioner on the public form and to staff after intake.
type ReceiptData struct {
	Receipt *escudo.Receipt
	Staff   bool
	// NoContact: the petitioner left neither phone nor e-mail, so the
	// Mechanism cannot reach them; the receipt says so plainly.
	NoContact bool
}

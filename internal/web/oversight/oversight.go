// Package oversight serves the pages that look across cases to hold the
// procedure itself to account, rather than to work one case: today the
// risk calibration report (/risk/calibration), by which analysts, the
// coordination, the Board, the Consultative Council and auditors see
// whether levels differ by analyst or by who the person is. Who may use
// each page is the permission table's answer.
package oversight

import (
	"escudo/internal/access"
	"escudo/internal/web"
)

// server is the oversight pages' handler set over the shared core.
type server struct{ *web.Core }

// Register mounts the oversight pages.
func Register(c *web.Core) {
	s := &server{c}
	s.Handle("GET /risk/calibration", web.Access{Action: access.RiskCalibration}, s.handleCalibration)
}

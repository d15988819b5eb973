package demo

import (
	"context"
	"fmt"
	"time"

	"escudo"
	"escudo/internal/store"
)

// seedTasks gives the demo contractor an open task: installing equipment
// for the person who carries the first console device, so the technician's
// first page lists it and the tasks page has something to close. It is
// given by the coordination, as the permission table says.
func seedTasks(ctx context.Context, db *store.DB, users map[string]*escudo.User, res *Result, people []*escudo.Person) (int64, error) {
	tech, coord := users["tecnico"], users["coordinacion"]
	if tech == nil || coord == nil || res.Console == nil || len(res.Console.Devices) == 0 {
		return 0, nil
	}
	personID := res.Console.Devices[0].PersonID
	var caseID int64
	for i, p := range people {
		if p != nil && p.ID == personID {
			caseID = res.Receipts[i].CaseID
			break
		}
	}
	if caseID == 0 {
		return 0, nil
	}
	expires := db.Now().Add(30 * 24 * time.Hour)
	t := &escudo.ContractorTask{CaseID: caseID, UserID: tech.ID, Scope: []string{"location", "logistics"},
		Description: "Instalar cámaras en el domicilio y revisar el botón de pánico", Expires: &expires}
	if err := db.AssignTask(escudo.NewContextWithUser(ctx, coord), t); err != nil {
		return 0, fmt.Errorf("demo: assign task: %w", err)
	}
	return t.ID, nil
}

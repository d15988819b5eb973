package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

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

// WitnessUsername is the demo account enrolled with an authenticator app,
// so a second-factor reset can be witnessed in the demo: its key is shown
// in the banner, to be typed into an app or used by the browser tests.
const WitnessUsername = "seguimiento"

// LostPhoneUsernames are demo accounts enrolled with an authenticator app
// whose key nobody keeps: people who lost their phone, whose second factor
// an administrator can reset with the witness.
var LostPhoneUsernames = []string{"recepcion2", "analista3"}

// seedWitness enrols the witness's authenticator app, and those of the
// accounts with a lost phone, and returns the witness's key.
func seedWitness(ctx context.Context, db *store.DB, users map[string]*escudo.User) (string, error) {
	var key string
	for _, name := range append([]string{WitnessUsername}, LostPhoneUsernames...) {
		u := users[name]
		if u == nil {
			continue
		}
		secret, _, err := db.BeginTOTP(ctx, u)
		if err != nil {
			return "", fmt.Errorf("demo: app of %s: %w", name, err)
		}
		code, err := totp.GenerateCodeCustom(secret, db.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return "", err
		}
		if err := db.ConfirmTOTP(ctx, u, code); err != nil {
			return "", fmt.Errorf("demo: app of %s: %w", name, err)
		}
		if name == WitnessUsername {
			key = secret
		}
	}
	return key, nil
}

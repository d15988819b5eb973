package demo

import (
	"context"
	"fmt"
	"time"

	"escudo"
	"escudo/internal/store"
)

// SafeHouseUsername is the demo account named on the safe-house registry's
// list: the only demo account that sees where the houses are. The
// coordination is not named, as in a real installation.
const SafeHouseUsername = "casas"

// demoHouses are fictional houses; no address here exists.
var demoHouses = []escudo.SafeHouse{
	{Name: "Casa Ahuehuete (ficticia)", Address: "Calle Ficticia de los Ahuehuetes 101, Colonia Inventada, Oaxaca", Coordinates: "17.0500,-96.7200",
		Phone: "+52 951 555 0110", Capacity: 8, Operator: "Mecanismo de Protección"},
	{Name: "Casa Mezquite (ficticia)", Address: "Andador Imaginario 22, Barrio Supuesto, Saltillo, Coahuila", Coordinates: "25.4200,-101.0000",
		Phone: "+52 844 555 0122", Capacity: 5, Operator: "Red de Refugios Solidarios A.C. (ficticia)"},
	{Name: "Casa Ceiba (ficticia)", Address: "Privada de la Ceiba 7, Fraccionamiento Ejemplo, Mérida, Yucatán",
		Capacity: 4, Operator: "Mecanismo de Protección"},
}

// seedSafeHouses names the registry's account, registers the houses and
// leaves two requests from open extraordinary cases: one housed in the
// first house, one waiting (asked by the duty desk today).
func seedSafeHouses(ctx context.Context, db *store.DB, clock *Clock, users map[string]*escudo.User, now time.Time) error {
	admin, named, duty, recep := users["admin"], users[SafeHouseUsername], users["guardia"], users["recepcion"]
	if admin == nil || named == nil || duty == nil || recep == nil {
		return nil
	}
	actx := escudo.NewContextWithUser(ctx, admin)
	clock.Set(now.Add(-20 * day))
	if err := db.SetSafeHouseNamed(actx, named.ID, true); err != nil {
		return fmt.Errorf("demo: name the registry's account: %w", err)
	}
	nctx := escudo.NewContextWithUser(ctx, named)
	houses := make([]escudo.SafeHouse, len(demoHouses))
	for i, h := range demoHouses {
		houses[i] = h
		if err := db.CreateSafeHouse(nctx, &houses[i]); err != nil {
			return fmt.Errorf("demo: safe house: %w", err)
		}
	}
	cases, _, err := db.FindCases(escudo.NewContextWithUser(ctx, users["coordinacion"]), escudo.CaseFilter{Procedure: escudo.ProcedureExtraordinary, Limit: 200})
	if err != nil {
		return err
	}
	var open []*escudo.Case
	for _, c := range cases {
		if c.Open() && c.Stage != escudo.StageReception {
			open = append(open, c)
		}
	}
	if len(open) < 2 {
		return nil
	}
	clock.Set(now.Add(-9 * day))
	housed := &escudo.SafeHouseRequest{CaseID: open[1].ID, People: 3, Urgency: escudo.UrgencyDays,
		Needs: []escudo.SafeHouseNeed{escudo.NeedChildren}, Note: "La defensora, su madre y su hija de 8 años. Salen de su comunidad tras las amenazas."}
	if err := db.RequestSafeHouse(escudo.NewContextWithUser(ctx, recep), housed); err != nil {
		return fmt.Errorf("demo: safe-house request: %w", err)
	}
	clock.Set(now.Add(-8 * day))
	out := now.Add(22 * day)
	if err := db.AssignSafeHouse(nctx, &escudo.SafeHouseAssignment{RequestID: housed.ID, HouseID: houses[0].ID, DateIn: now.Add(-8 * day), DateOut: &out}); err != nil {
		return fmt.Errorf("demo: assign safe house: %w", err)
	}
	clock.Set(now.Add(-3 * time.Hour))
	waiting := &escudo.SafeHouseRequest{CaseID: open[0].ID, People: 2, Urgency: escudo.UrgencyToday,
		Needs: []escudo.SafeHouseNeed{escudo.NeedAccessibility}, Note: "El periodista usa silla de ruedas; viaja con su pareja. No puede volver a su casa esta noche."}
	if err := db.RequestSafeHouse(escudo.NewContextWithUser(ctx, duty), waiting); err != nil {
		return fmt.Errorf("demo: safe-house request: %w", err)
	}
	clock.Set(now)
	return nil
}

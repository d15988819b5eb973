package demo

import (
	"context"
	"fmt"
	"time"

	"escudo"
	"escudo/internal/funds"
	"escudo/internal/store"
)

// demoContract is a fictional contract and the measures it pays for.
type demoContract struct {
	c     store.FundContract
	kinds []string // catalogue ids whose measures its payments name
	fee   funds.Cents
}

func fundDay(year int, month time.Month, d int) time.Time {
	return time.Date(year, month, d, 0, 0, 0, 0, time.UTC)
}

func demoContracts(year int) []demoContract {
	item := func(d string) store.FundItem { return store.FundItem{Description: d, Quantity: 1} }
	return []demoContract{
		{c: store.FundContract{Title: fmt.Sprintf("Monitoreo 24/7, cámaras y botones de pánico %d", year), Supplier: "Seguridad Integral del Centro S.A. de C.V. (ficticia)",
			SupplierTax: "SIC150301AB1", Method: "open", Value: 9_600_000_000, Signed: fundDay(year, 1, 20),
			Items: []store.FundItem{item("Botones de pánico con monitoreo 24/7"), item("Cámaras de circuito cerrado y su instalación"),
				{Description: "Domicilios de instalación", Quantity: 1, Withheld: "place", Detail: "Anexo de domicilios de instalación (ficticio)"}}},
			kinds: []string{"panic_button", "cameras", "alarm", "home_security", "locks", "lighting"}, fee: 40_000_000},
		{c: store.FundContract{Title: fmt.Sprintf("Arrendamiento de vehículos blindados %d", year), Supplier: "Blindajes y Arrendamientos del Bajío S.A. de C.V. (ficticia)",
			SupplierTax: "BAB120715CD2", Method: "limited", Value: 4_800_000_000, Signed: fundDay(year, 2, 3),
			Items: []store.FundItem{item("Vehículos blindados nivel III, con mantenimiento"),
				{Description: "Placas y números de serie", Quantity: 1, Withheld: "vehicle", Detail: "Placas ABC-123-X, DEF-456-Y (ficticias)"}}},
			kinds: []string{"armoured_vehicle"}},
		{c: store.FundContract{Title: fmt.Sprintf("Acompañamiento psicosocial %d", year), Supplier: "Acompañamiento Psicosocial Colectivo A.C. (ficticia)",
			SupplierTax: "APC100210EF3", Method: "direct", Value: 650_000_000, Signed: fundDay(year, 2, 10),
			Items: []store.FundItem{item("Sesiones de acompañamiento psicosocial para personas y colectivos")}},
			kinds: []string{"psychosocial_support"}},
		{c: store.FundContract{Title: fmt.Sprintf("Operación de casas de refugio %d", year), Supplier: "Red de Refugios Solidarios A.C. (ficticia)",
			SupplierTax: "RRS090505GH4", Method: "direct", Value: 1_400_000_000, Signed: fundDay(year, 3, 2),
			Items: []store.FundItem{item("Operación, alimentación y acompañamiento en casas de refugio"),
				{Description: "Inmuebles", Quantity: 1, Withheld: "safe_house", Detail: "Casa Mezquite (ficticia)"}}},
			kinds: []string{"safe_house", "temporary_relocation"}, fee: 30_000_000},
		{c: store.FundContract{Title: fmt.Sprintf("Escoltas y protección de inmuebles %d", year), Supplier: "Protección Ciudadana del Sur S.A. de C.V. (ficticia)",
			SupplierTax: "PCS110404JK5", Method: "open", Value: 2_400_000_000, Signed: fundDay(year, 1, 15),
			Items: []store.FundItem{item("Escoltas y rondines de protección de inmuebles"), {Description: "Personal asignado", Quantity: 1, Withheld: "officer", Detail: "Relación de escoltas (ficticia)"}}},
			kinds: []string{"escort", "building_protection", "evacuation"}},
	}
}

// seedFunds records the trust fund's 2025 and 2026 budgets, each year's
// contracts with their commitments, and monthly payments tied to the
// demo's granted measures, up to now.
func seedFunds(ctx context.Context, db *store.DB, clock *Clock, users map[string]*escudo.User, now time.Time) error {
	u := users["coordinacion"]
	if u == nil {
		return nil
	}
	ctx = escudo.NewContextWithUser(ctx, u)
	ms, err := db.FundableMeasures(ctx)
	if err != nil {
		return err
	}
	rec := func(e funds.Entry) (int64, error) {
		e.Year = e.Date.Year()
		id, err := db.RecordFundEntry(ctx, e)
		if err != nil {
			return 0, fmt.Errorf("demo: fund %s %s: %w", e.Kind, e.Date.Format(funds.DateLayout), err)
		}
		return id, nil
	}
	for _, year := range []int{now.Year() - 1, now.Year()} {
		clock.Set(fundDay(year, 1, 8))
		if _, err := rec(funds.Entry{Kind: funds.Budget, Amount: 31_000_000_000, Date: fundDay(year, 1, 8), Note: "Presupuesto aprobado del fideicomiso"}); err != nil {
			return err
		}
		if _, err := rec(funds.Entry{Kind: funds.Increase, Amount: 1_250_000_000, Date: fundDay(year, 6, 15), Note: "Ampliación por nuevas incorporaciones"}); err != nil {
			return err
		}
		for ci, dc := range demoContracts(year) {
			c := dc.c
			c.Year, c.Starts, c.Ends = year, c.Signed, fundDay(year, 12, 31)
			cid, err := db.RecordContract(ctx, &c)
			if err != nil {
				return fmt.Errorf("demo: contract: %w", err)
			}
			commit, err := rec(funds.Entry{Kind: funds.Commitment, ContractID: cid, Amount: c.Value * 8 / 10, Date: c.Signed})
			if err != nil {
				return err
			}
			for month := c.Signed.Month() + 1; month <= 12; month++ {
				d := fundDay(year, month, 5+ci)
				if d.After(now) {
					break
				}
				if dc.fee > 0 {
					if _, err := rec(funds.Entry{Kind: funds.Payment, CommitmentID: commit, Amount: dc.fee, Date: d, Note: "Cuota mensual de operación"}); err != nil {
						return err
					}
				}
				for i, m := range ms {
					if !contains(dc.kinds, m.Measure) || m.Granted.After(d) || (i+int(month))%5 == 0 {
						continue
					}
					if _, err := rec(funds.Entry{Kind: funds.Payment, CommitmentID: commit, MeasureID: m.ID, Amount: 850_000 + funds.Cents(i%7)*125_000, Date: d}); err != nil {
						return err
					}
				}
			}
		}
	}
	// A payment recorded twice by mistake, corrected by a reversal.
	l, err := db.FundLedger(ctx, now.Year())
	if err != nil || len(l.Entries) == 0 {
		return err
	}
	last := l.Entries[len(l.Entries)-1]
	if last.Kind == funds.Payment {
		_, err = rec(funds.Entry{Kind: funds.Reversal, Reverses: last.ID, Amount: last.Amount, Date: last.Date, Note: "Pago duplicado"})
	}
	return err
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

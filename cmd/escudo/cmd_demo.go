package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"

	"escudo"
	"escudo/internal/demo"
	"escudo/internal/store"
	"escudo/internal/vault"
)

func init() {
	register("demo", "create a demo installation with fictional cases and serve it", runDemo)
}

// demoState (DATA/demo.json) marks a demo folder (--reset deletes no real
// installation) and keeps the password, so a second run prints the same.
type demoState struct {
	Seed     uint64    `json:"seed"`
	Cases    int       `json:"cases"`
	Password string    `json:"password"`
	Started  time.Time `json:"started"`
	Complete bool      `json:"complete"`
	// WitnessKey is the authenticator app key of the demo witness.
	WitnessKey string `json:"witness_key,omitempty"`
}

const demoStateFile = "demo.json"

func readDemoState(dir string) (*demoState, error) {
	b, err := os.ReadFile(filepath.Join(dir, demoStateFile)) // #nosec G304 -- the operator's data folder
	if err != nil {
		return nil, err
	}
	var s demoState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", demoStateFile, err)
	}
	return &s, nil
}

func (s *demoState) write(dir string) error {
	b, err := json.MarshalIndent(s, "", "  ") // #nosec G117 -- the demo password is meant to be kept in the demo folder (0600)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, demoStateFile), append(b, '\n'), 0o600)
}

// demoPassword is easy to type and long enough for the password policy.
func demoPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	out := make([]byte, 0, 14)
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(out)
}

// roleLabels names each role in Spanish and English for the banner.
var roleLabels = map[escudo.Role][2]string{
	escudo.RoleReception:   {"Recepción de casos", "reception officer"},
	escudo.RoleDuty:        {"Guardia de reacción rápida", "duty operator"},
	escudo.RoleAnalyst:     {"Análisis de riesgo", "risk analyst"},
	escudo.RoleFollowUp:    {"Prevención y seguimiento", "follow-up officer"},
	escudo.RoleCoordinator: {"Coordinación ejecutiva", "coordinator"},
	escudo.RoleAdmin:       {"Administración", "administrator"},
	escudo.RoleBoard:       {"Junta de Gobierno", "Governing Board member"},
	escudo.RoleCouncil:     {"Consejo Consultivo", "Consultative Council member"},
	escudo.RoleLiaison:     {"Enlace de autoridad", "agency liaison"},
	escudo.RoleContractor:  {"Técnico contratista", "contractor technician"},
	escudo.RoleReviewer:    {"Revisión externa", "external reviewer"},
	escudo.RoleBeneficiary: {"Persona beneficiaria", "beneficiary"},
	escudo.RoleAuditor:     {"Auditoría", "auditor"},
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	data := fs.String("data", "escudo-demo", "demo data folder (SQLite database, master key, demo.json)")
	dbURL := fs.String("db", "", "seed this PostgreSQL database (postgres://...) instead of SQLite in --data")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address HOST:PORT")
	cases := fs.Int("cases", demo.DefaultCases, "number of fictional cases to seed")
	seed := fs.Uint64("seed", 1, "seed of the fictional data (same seed, same data)")
	reset := fs.Bool("reset", false, "delete the demo folder and seed it again")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cases < 1 || *cases > 1_000_000 {
		return exitCode{code: 2, err: errors.New("--cases must be between 1 and 1000000")}
	}
	// Seeding takes a while: find out first that the address is free.
	if err := checkAddrFree(*addr); err != nil {
		return exitCode{code: 2, err: err}
	}
	if *reset {
		if *dbURL != "" {
			return exitCode{code: 2, err: errors.New("--reset deletes a --data folder; drop a PostgreSQL database yourself")}
		}
		if err := resetDemo(*data); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return err
	}
	log := newLogger()
	// Fictional data: the key beside the data, which serve refuses by default.
	keyFile := filepath.Join(*data, "master.key")
	keys, err := vault.LoadMasterKey(keyFile, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "AVISO: la demostración guarda su llave maestra dentro de su carpeta (%s); sólo sirve para datos ficticios.\n"+
		"WARNING: the demo keeps its master key inside its folder (%s); fit for fictional data only. A real installation keeps the key apart.\n", keyFile, keyFile)
	clock := &demo.Clock{}
	o := store.Options{Keys: keys, Now: clock.Now, Logger: log}
	if *dbURL != "" {
		o.URL = *dbURL
	} else {
		o.DataDir = *data
	}
	db, err := store.Open(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	state, err := readDemoState(*data)
	switch {
	case err == nil && state.Complete:
		fmt.Fprintf(stderr, "Reutilizando la demostración existente en %s / reusing the existing demo (use --reset to start over)\n", *data)
	case err == nil:
		return fmt.Errorf("an earlier demo seeding in %s did not finish; run escudo demo --reset", *data)
	case !errors.Is(err, os.ErrNotExist):
		return err
	default:
		users, err := db.FindUsers(ctx)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return fmt.Errorf("the database already has accounts and is not a demo; choose an empty --data folder")
		}
		state = &demoState{Seed: *seed, Cases: *cases, Password: demoPassword(), Started: time.Now().UTC()}
		if err := state.write(*data); err != nil {
			return err
		}
		if err := seedDemo(ctx, db, clock, state, stderr); err != nil {
			return err
		}
		state.Complete = true
		if err := state.write(*data); err != nil {
			return err
		}
	}
	clock.Live()
	if err := db.Init(ctx); err != nil {
		return err
	}
	where := *data + " (SQLite)"
	if *dbURL != "" {
		where = "PostgreSQL"
	}
	passwordOnly = true // fictional data: demo accounts sign in with the password alone
	// The demo serves its metrics on a free loopback port (logged at start).
	webSettings.metricsAddr = "127.0.0.1:0"
	if webSettings.contact.Hotline == "" {
		// Fictional contact details; an installation configures its own ("contact").
		webSettings.contact = escudo.PublicContact{Hotline: "800 000 0000", Email: "atencion@mecanismo.example",
			Offices: []escudo.Office{
				{Name: "Oficina central (demostración)", Address: "Calle Ficticia 100, Ciudad de México", Hours: "lunes a viernes, 9 a 18 h"},
				{Name: "Enlace regional sur (demostración)", Address: "Avenida Ficticia 20, Oaxaca de Juárez", Hours: "lunes a viernes, 10 a 17 h"},
			}}
	}
	return serve(ctx, db, log, *addr, stdout, func(url string) { printDemoBanner(stdout, url, state, where) })
}

// checkAddrFree tells, before seeding, that something (an earlier demo) listens on addr.
func checkAddrFree(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("no se puede escuchar en %s: la dirección ya está en uso o no es válida; detén el otro programa o elige otra con --addr 127.0.0.1:8081 / "+
			"cannot listen on %s: the address is in use or not valid; stop the other program or choose another with --addr 127.0.0.1:8081 (%w)", addr, addr, err)
	}
	return ln.Close()
}

// resetDemo deletes a demo folder, and only a demo folder.
func resetDemo(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, demoStateFile)); err != nil {
		return fmt.Errorf("refusing to delete %s: it has no %s, so it may not be a demo folder", dir, demoStateFile)
	}
	return os.RemoveAll(dir)
}

func seedDemo(ctx context.Context, db *store.DB, clock *demo.Clock, state *demoState, stderr io.Writer) error {
	start := time.Now()
	var bar *progressbar.ProgressBar
	res, err := demo.Seed(ctx, db, clock, demo.Options{
		Seed: state.Seed, Cases: state.Cases, Now: state.Started, Password: state.Password,
		Progress: func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr),
					progressbar.OptionSetDescription(fmt.Sprintf("Sembrando %d casos ficticios / seeding %d fictional cases", state.Cases, state.Cases)),
					progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
			}
			_ = bar.Set(done)
		},
	})
	if err != nil {
		return err
	}
	if bar != nil {
		_ = bar.Finish()
	}
	state.WitnessKey = res.WitnessKey
	fmt.Fprintf(stderr, "Datos sembrados en / data seeded in %s\n", time.Since(start).Round(10*time.Millisecond))
	return nil
}

func printDemoBanner(w io.Writer, url string, state *demoState, where string) {
	fmt.Fprintf(w, `
  escudo · demostración / demo
  ────────────────────────────────────────────────────────────────
  Abre en tu navegador / Open in your browser:  %s

  Contraseña de todas las cuentas / Password for every account:
      %s

  Usuario / User    Rol / Role
`, url, state.Password)
	seen := map[escudo.Role]bool{}
	for _, u := range demo.Users {
		if seen[u.Role] {
			continue
		}
		seen[u.Role] = true
		l := roleLabels[u.Role]
		fmt.Fprintf(w, "  %-16s  %s / %s\n", u.Username, l[0], l[1])
	}
	if state.WitnessKey != "" {
		fmt.Fprintf(w, `
  Testigo para restablecer un segundo factor / witness for a second-factor reset: %s
  Clave de su app de códigos / its authenticator app key: %s
`, demo.WitnessUsername, state.WitnessKey)
	}
	fmt.Fprintf(w, `
  Registro de casas de protección / safe-house registry: %s (la única cuenta nombrada / the only named account)
  Otras cuentas de personal / more staff accounts: recepcion2, analista2, analista3, seguimiento2
  Representante de un colectivo en su espacio / a collective's representative in the portal: colectivo
  %d casos ficticios en / fictional cases in %s. Todos los nombres son inventados / all names are invented.
  Ctrl+C para detener / to stop.

`, demo.SafeHouseUsername, state.Cases, where)
}

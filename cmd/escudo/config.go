package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"escudo"
	"escudo/internal/board"
	"escudo/internal/funds"
	"escudo/internal/measures"
	"escudo/internal/prevention"
	"escudo/internal/regions"
	"escudo/internal/risk"
	"escudo/internal/store"
	"escudo/internal/vault"
)

// dbFlags are the storage flags shared by every command that touches data.
type dbFlags struct {
	data           string
	url            string
	masterKey      string
	config         string
	allowKeyInData bool
	allowReadable  bool
}

func addDBFlags(fs *flag.FlagSet) *dbFlags {
	f := &dbFlags{}
	fs.StringVar(&f.data, "data", envOr("ESCUDO_DATA", "escudo-data"), "data folder for the embedded SQLite database")
	fs.StringVar(&f.url, "db", os.Getenv("ESCUDO_DB"), "PostgreSQL URL (postgres://...); overrides --data for the database")
	fs.StringVar(&f.masterKey, "master-key", os.Getenv("ESCUDO_MASTER_KEY_FILE"), "master key file, kept apart from the data (default "+defaultKeyHint()+"; ESCUDO_MASTER_KEY holds a hex key instead)")
	fs.StringVar(&f.config, "config", os.Getenv("ESCUDO_CONFIG"), "JSON configuration file (clock rules and more)")
	fs.BoolVar(&f.allowKeyInData, "allow-key-in-data", os.Getenv("ESCUDO_ALLOW_KEY_IN_DATA") == "1", "accept a master key inside the data folder (whoever copies the folder can then decrypt everything)")
	fs.BoolVar(&f.allowReadable, "allow-readable-key", false, "only warn when other users can read the master key file")
	return f
}

// defaultKeyPath is the master key's default place: the user's configuration
// folder (os.UserConfigDir), never the data folder, so that copying the data
// folder or its backup does not copy the key.
func defaultKeyPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no configuration folder for the master key (%w): pass --master-key FILE or set ESCUDO_MASTER_KEY", err)
	}
	return filepath.Join(dir, "escudo", "master.key"), nil
}

func defaultKeyHint() string {
	if p, err := defaultKeyPath(); err == nil {
		return p
	}
	return "the user's configuration folder"
}

// keyPath decides the master key file and refuses one inside the SQLite
// data folder unless the operator allowed it.
func (f *dbFlags) keyPath() (string, error) {
	path := f.masterKey
	if path == "" {
		var err error
		if path, err = defaultKeyPath(); err != nil {
			return "", err
		}
		old := filepath.Join(f.data, "master.key")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && f.url == "" {
			if _, err := os.Stat(old); err == nil {
				if f.allowKeyInData {
					return old, nil
				}
				return "", fmt.Errorf("the master key %s is inside the data folder %s, so whoever copies the folder or a backup of it can decrypt everything: "+
					"move it out (mkdir -p %s && mv %s %s) or pass --master-key FILE; --allow-key-in-data keeps it there",
					old, f.data, filepath.Dir(path), old, path)
			}
		}
	}
	if f.url == "" && !f.allowKeyInData && vault.Inside(f.data, path) {
		return "", fmt.Errorf("the master key %s is inside the data folder %s, so whoever copies the folder or a backup of it can decrypt everything: "+
			"keep it elsewhere (--master-key FILE or ESCUDO_MASTER_KEY), or pass --allow-key-in-data", path, f.data)
	}
	return path, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Config is the installation's configuration file. Every legal clock is
// configuration, not code.
type Config struct {
	Clocks []escudo.ClockRule `json:"clocks,omitempty"`
	// Milestones: in which stages and by which roles each step may be
	// recorded; every step recorded by hand needs its rule. Absent: the
	// defaults of escudo.DefaultMilestoneRules.
	Milestones []escudo.MilestoneRule `json:"milestones,omitempty"`
	// InfoAnswerRestarts: the clocks that start again when the petitioner
	// answers a request for more information. Absent: ["evaluation"].
	InfoAnswerRestarts []string `json:"info_answer_restarts,omitempty"`
	// Alerts: escalation policy and notification channels (serve_rapid.go).
	Alerts *RapidConfig `json:"alerts,omitempty"`
	// Contact: the hotline, e-mail and offices the public pages show.
	Contact *escudo.PublicContact `json:"contact,omitempty"`
	// ClockSweep: how often the legal clocks are swept for breaches, so a
	// breach is found at most this long after it happens. Absent: 30s.
	ClockSweep escudo.Duration `json:"clock_sweep,omitempty"`
	// RiskInstrument: a file holding the risk evaluation instrument new
	// evaluations use (docs/risk.md; a changed instrument needs a new
	// version). Absent: the default shipped with escudo.
	RiskInstrument string `json:"risk_instrument,omitempty"`
	// Measures: a file holding the catalogue of protective measures.
	// Absent: the 2012 law's measures (internal/measures/default.json).
	Measures string `json:"measures,omitempty"`
	// AppealWindow: how long after an evaluation the beneficiary may
	// disagree with it. Absent: 30 days.
	AppealWindow escudo.Duration `json:"appeal_window,omitempty"`
	// AppealStudy: how long the Consultative Council's independent study
	// of a disagreement may take. Absent: 15 days.
	AppealStudy escudo.Duration `json:"appeal_study,omitempty"`
	// MeasureRules, MeasuresSweep: granted measures' deadlines and
	// escalation tiers (docs/measures.md), and how often measures.sweep runs.
	MeasureRules  *measures.Rules `json:"measure_rules,omitempty"`
	MeasuresSweep escudo.Duration `json:"measures_sweep,omitempty"`
	// Prevention: the impunity clock and the early warning (docs/prevention.md).
	Prevention prevention.Config `json:"prevention,omitempty"`
	// Board: a file holding the Governing Board's seats and quorum rule
	// (docs/board.md). Absent: the law's nine seats, four of them the
	// Consultative Council's.
	Board string `json:"board,omitempty"`
	// OCDSPrefix: the contracts' registered OCID prefix. Absent: ocds-escudo.
	OCDSPrefix string `json:"ocds_prefix,omitempty"`
	// Regions: the statistics' regions, a file or the list (docs/statistics.md).
	Regions json.RawMessage `json:"regions,omitempty"`
	regions regions.Map

	instrument *risk.Instrument
	catalogue  *measures.Catalogue
	board      *board.Config
}

// loadRules reads the rules file a configuration key names (relative to
// the configuration file) and parses it; nil when the key is absent.
func loadRules[T any](config, key, file string, parse func([]byte) (*T, error)) (*T, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(configPath(config, file))
	if err != nil {
		return nil, fmt.Errorf("config %s: %s: %w", config, key, err)
	}
	v, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("config %s: %s %s: %s", config, key, file, fieldErrors(err))
	}
	return v, nil
}

// Bounds of clock_sweep: often enough that a 3-hour deadline's breach is
// seen within minutes, not so often that the sweep is most of the work.
const (
	minClockSweep = time.Second
	maxClockSweep = 10 * time.Minute
)

func (f *dbFlags) loadConfig() (*Config, error) {
	c := &Config{}
	if f.config == "" {
		return c, nil
	}
	b, err := os.ReadFile(f.config)
	if err != nil {
		return nil, err
	}
	// Strict: a key escudo does not know (a typo such as "clock" for
	// "clocks") is refused, naming it and the file, rather than silently
	// leaving the installation on defaults.
	if err := escudo.DecodeStrict(b, c); err != nil {
		if key, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return nil, fmt.Errorf("config %s: unknown key %s", f.config, key)
		}
		return nil, fmt.Errorf("config %s: %w", f.config, err)
	}
	if c.Clocks != nil {
		if err := escudo.ValidateClockRules(c.Clocks); err != nil {
			return nil, fmt.Errorf("config %s: %w", f.config, err)
		}
	}
	if d := time.Duration(c.MeasuresSweep); d != 0 && (d < minClockSweep || d > maxClockSweep) {
		return nil, fmt.Errorf("config %s: measures_sweep %s: must be between %s and %s", f.config, escudo.FormatDuration(d), minClockSweep, maxClockSweep)
	} else if err := c.MeasureRules.Check(); err != nil {
		return nil, fmt.Errorf("config %s: measure_rules: %w", f.config, err)
	} else if err := c.Prevention.Check(); err != nil {
		return nil, fmt.Errorf("config %s: %w", f.config, err)
	} else if err := funds.CheckOCIDPrefix(c.OCDSPrefix); err != nil {
		return nil, fmt.Errorf("config %s: ocds_prefix: %w", f.config, err)
	} else if c.regions, err = regions.Parse(c.Regions, func(n string) ([]byte, error) { return os.ReadFile(configPath(f.config, n)) }); err != nil {
		return nil, fmt.Errorf("config %s: %w", f.config, err)
	}
	if d := time.Duration(c.ClockSweep); d != 0 && (d < minClockSweep || d > maxClockSweep) {
		return nil, fmt.Errorf("config %s: clock_sweep %s: must be between %s and %s", f.config, escudo.FormatDuration(d), minClockSweep, maxClockSweep)
	}
	if c.Contact != nil {
		if err := c.Contact.Validate(); err != nil {
			return nil, fmt.Errorf("config %s: contact: %w", f.config, err)
		}
	}
	if c.Milestones != nil {
		if err := escudo.ValidateMilestoneRules(c.Milestones); err != nil {
			return nil, fmt.Errorf("config %s: %w", f.config, err)
		}
	}
	for name, d := range map[string]escudo.Duration{"appeal_window": c.AppealWindow, "appeal_study": c.AppealStudy} {
		if v := time.Duration(d); v != 0 && (v < 24*time.Hour || v > 365*24*time.Hour) {
			return nil, fmt.Errorf("config %s: %s %s: must be between 1 day and 365 days", f.config, name, escudo.FormatDuration(v))
		}
	}
	if c.instrument, err = loadRules(f.config, "risk_instrument", c.RiskInstrument, risk.Parse); err != nil {
		return nil, err
	}
	if c.catalogue, err = loadRules(f.config, "measures", c.Measures, measures.Parse); err != nil {
		return nil, err
	}
	if c.board, err = loadRules(f.config, "board", c.Board, board.Parse); err != nil {
		return nil, err
	}
	if c.InfoAnswerRestarts != nil {
		rules := c.Clocks
		if rules == nil {
			rules = escudo.DefaultClockRules()
		}
		if err := store.ValidateInfoAnswerRestarts(rules, c.InfoAnswerRestarts); err != nil {
			return nil, fmt.Errorf("config %s: %w", f.config, err)
		}
	}
	return c, nil
}

// open opens the store; with create, a missing master key file is created.
func (f *dbFlags) open(ctx context.Context, log *slog.Logger, create bool) (*store.DB, *Config, error) {
	cfg, err := f.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	var keyPath string
	if os.Getenv("ESCUDO_MASTER_KEY") == "" {
		if keyPath, err = f.keyPath(); err != nil {
			return nil, nil, err
		}
		if _, err := os.Stat(keyPath); errors.Is(err, os.ErrNotExist) && create {
			if f.url != "" {
				log.Warn("creating a master key file for PostgreSQL; every node needs this same key", "path", keyPath)
			} else {
				log.Warn("creating the master key; keep it apart from the data folder and its backups, and keep a copy in a safe place", "path", keyPath)
			}
		}
	}
	keys, err := vault.LoadMasterKeyFile(keyPath, vault.KeyFileOptions{Create: create, AllowReadable: f.allowReadable,
		Warn: func(msg string) { log.Warn(msg) }})
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("no master key at %s: run escudo migrate first, or point --master-key at the installation's key", keyPath)
	} else if err != nil {
		return nil, nil, err
	}
	o := store.Options{Keys: keys, Rules: cfg.Clocks, Milestones: cfg.Milestones, InfoAnswerRestarts: cfg.InfoAnswerRestarts, Logger: log, Now: time.Now,
		Instrument: cfg.instrument, Measures: cfg.catalogue, AppealWindow: time.Duration(cfg.AppealWindow), AppealStudy: time.Duration(cfg.AppealStudy),
		MeasureRules: cfg.MeasureRules, Board: cfg.board, Prevention: cfg.Prevention, Regions: &cfg.regions}
	if f.url != "" {
		o.URL = f.url
	} else {
		o.DataDir = f.data
	}
	db, err := store.Open(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	return db, cfg, nil
}

// openStore opens and initialises an existing store for a command.
func openStore(ctx context.Context, dbf *dbFlags) (*store.DB, error) {
	db, _, err := dbf.open(ctx, newLogger(), false)
	if err != nil {
		return nil, err
	}
	if err := db.Init(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// storeCommand is a command that takes only the database flags: it opens
// the store, runs, and closes it.
func storeCommand(name string, run func(ctx context.Context, db *store.DB, stdout io.Writer) error) func(context.Context, []string, io.Writer, io.Writer) error {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet(name, stderr)
		dbf := addDBFlags(fs)
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		db, err := openStore(ctx, dbf)
		if err != nil {
			return err
		}
		defer db.Close()
		return run(ctx, db, stdout)
	}
}

func newLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// configPath resolves a file the configuration names relative to the
// configuration file's folder.
func configPath(config, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(filepath.Dir(config), name)
}

// fieldErrors writes an instrument's or catalogue's field errors for the
// operator: each JSON path with its message key.
func fieldErrors(err error) string {
	v, ok := escudo.AsValidation(err)
	if !ok {
		return err.Error()
	}
	var parts []string
	for _, e := range v {
		parts = append(parts, e.Field+": "+e.Key)
	}
	return strings.Join(parts, "; ")
}

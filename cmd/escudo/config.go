package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/vault"
)

// dbFlags are the storage flags shared by every command that touches data.
type dbFlags struct {
	data      string
	url       string
	masterKey string
	config    string
}

func addDBFlags(fs *flag.FlagSet) *dbFlags {
	f := &dbFlags{}
	fs.StringVar(&f.data, "data", envOr("ESCUDO_DATA", "escudo-data"), "data folder for the embedded SQLite database and its master key")
	fs.StringVar(&f.url, "db", os.Getenv("ESCUDO_DB"), "PostgreSQL URL (postgres://...); overrides --data for the database")
	fs.StringVar(&f.masterKey, "master-key", os.Getenv("ESCUDO_MASTER_KEY_FILE"), "master key file (default DATA/master.key; ESCUDO_MASTER_KEY holds a hex key instead)")
	fs.StringVar(&f.config, "config", os.Getenv("ESCUDO_CONFIG"), "JSON configuration file (clock rules and more)")
	return f
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
	// Alerts: escalation policy and notification channels (serve_rapid.go).
	Alerts *RapidConfig `json:"alerts,omitempty"`
}

func (f *dbFlags) loadConfig() (*Config, error) {
	c := &Config{}
	if f.config == "" {
		return c, nil
	}
	b, err := os.ReadFile(f.config)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("config %s: %w", f.config, err)
	}
	if c.Clocks != nil {
		if err := escudo.ValidateClockRules(c.Clocks); err != nil {
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
	keyPath := f.masterKey
	if keyPath == "" {
		keyPath = filepath.Join(f.data, "master.key")
	}
	if f.url != "" && create && os.Getenv("ESCUDO_MASTER_KEY") == "" {
		if _, err := os.Stat(keyPath); errors.Is(err, os.ErrNotExist) {
			log.Warn("creating a master key file for PostgreSQL; every node needs this same key", "path", keyPath)
		}
	}
	keys, err := vault.LoadMasterKey(keyPath, create)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("no master key at %s: run escudo migrate first, or point --master-key at the installation's key", keyPath)
	} else if err != nil {
		return nil, nil, err
	}
	o := store.Options{Keys: keys, Rules: cfg.Clocks, Logger: log, Now: time.Now}
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

func newLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

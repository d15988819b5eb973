package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"escudo/internal/loadgen"
)

func init() {
	register("loadgen", "drive a running escudo with simulated devices, alerts and a duty desk, and report latencies", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("loadgen", stderr)
		c := loadgen.Config{Progress: stderr}
		fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "escudo's base URL")
		nodes := fs.String("nodes", "", "base URLs of several nodes on one database, comma-separated (replaces --url): devices are spread across them and each node's figures reported")
		fs.StringVar(&c.Token, "token", os.Getenv("ESCUDO_TOKEN"), "staff API token (escudo token create) of a role that may register devices and respond to alerts, such as coordinator")
		fs.IntVar(&c.Devices, "devices", 1000, "simulated devices")
		fs.DurationVar(&c.HeartbeatInterval, "heartbeat-interval", 30*time.Second, "each device's heartbeat interval (0: no heartbeats)")
		fs.DurationVar(&c.RegisterInterval, "register-interval", 0, "interval the devices are registered with (default: --heartbeat-interval)")
		fs.Float64Var(&c.AlertsPerSecond, "alerts-per-second", 10, "alerts per second, sent open-loop")
		fs.DurationVar(&c.Duration, "duration", time.Minute, "how long to run")
		fs.StringVar(&c.StateFile, "state", "loadgen-devices.json", "file keeping the registered devices for later runs")
		fs.StringVar(&c.Receiver, "receiver", "127.0.0.1:9099", "listen address of the webhook receiver (start escudo serve with --alert-webhook http://ADDR/)")
		fs.BoolVar(&c.Resolve, "resolve", true, "resolve each alert once notified, as the duty desk would")
		fs.IntVar(&c.HeartbeatConns, "heartbeat-conns", 64, "connections carrying heartbeats")
		fs.DurationVar(&c.Grace, "grace", 5*time.Second, "how long to wait for the last notifications")
		fs.BoolVar(&c.Warmup, "warmup", false, "send one heartbeat per device before the timed run")
		entities := fs.String("entities", "OAX,GRO,CHH,CDMX", "federal entities of the simulated beneficiaries")
		quiet := fs.Bool("quiet", false, "no progress bar")
		fs.BoolVar(&c.Alertmanager, "alertmanager", false, "drive a Prometheus Alertmanager at --url instead (comparison runs: alerts only, labelled lg_id; route it with group_by [lg_id], group_wait 0s)")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		c.Entities = strings.Split(*entities, ",")
		if *nodes != "" {
			c.Nodes = strings.Split(*nodes, ",")
		}
		if *quiet {
			c.Progress = nil
		}
		if c.Devices <= 0 {
			return exitCode{2, fmt.Errorf("--devices must be positive")}
		}
		if c.HeartbeatInterval != 0 && c.HeartbeatInterval < 5*time.Second {
			return exitCode{2, fmt.Errorf("--heartbeat-interval must be at least 5s (escudo's minimum)")}
		}
		rep, err := loadgen.Run(ctx, c)
		if err != nil {
			return err
		}
		rep.Print(stdout)
		if rep.Lost > 0 {
			return exitCode{3, fmt.Errorf("%d alerts lost", rep.Lost)}
		}
		return nil
	})
}

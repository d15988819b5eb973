package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"escudo/internal/store"
)

func init() {
	register("drill", "send test alerts for devices through the whole chain of a running escudo and time each step", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("drill", stderr)
		base := fs.String("url", envOr("ESCUDO_URL", "http://127.0.0.1:8080"), "escudo's base URL")
		token := fs.String("token", os.Getenv("ESCUDO_TOKEN"), "API token of a duty operator, coordinator or administrator")
		devices := fs.String("devices", "", "comma-separated device ids")
		wait := fs.Duration("wait", 15*time.Minute, "how long to wait for an operator's acknowledgement")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		var ids []int64
		for _, s := range strings.Split(*devices, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil || id <= 0 {
				return exitCode{2, fmt.Errorf("--devices: %q is not a device id", s)}
			}
			ids = append(ids, id)
		}
		c := &drillClient{base: strings.TrimSuffix(*base, "/"), token: *token, http: &http.Client{Timeout: 30 * time.Second}}
		var started struct {
			Drills []store.Drill `json:"drills"`
		}
		if err := c.call(ctx, "POST", "/api/v1/drills", map[string]any{"devices": ids}, &started); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%d drills started; waiting for notification and acknowledgement\n", len(started.Drills))
		results := make([]store.Drill, len(started.Drills))
		deadline := time.Now().Add(*wait + 5*time.Second)
		for i, d := range started.Drills {
			results[i] = d
			for d.Status == store.DrillRunning && time.Now().Before(deadline) {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(time.Second):
				}
				if err := c.call(ctx, "GET", "/api/v1/drills/"+strconv.FormatInt(d.ID, 10), nil, &d); err != nil {
					return err
				}
				results[i] = d
			}
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DRILL\tDEVICE\tALERT\tSTATUS\tSTORED\tNOTIFIED\tACKNOWLEDGED")
		failed := 0
		for _, d := range results {
			if d.Status != store.DrillAcknowledged {
				failed++
			}
			fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\t%s\t%s\n", d.ID, d.DeviceID, d.AlertID, d.Status, span(d.ToStore()), span(d.ToNotify()), span(d.ToAcknowledge()))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if failed > 0 {
			return exitCode{3, fmt.Errorf("%d of %d drills not acknowledged", failed, len(results))}
		}
		return nil
	})
}

func span(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return d.Round(time.Millisecond).String()
}

type drillClient struct {
	base, token string
	http        *http.Client
}

func (c *drillClient) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, out)
}

// Package auditsink streams the audit log's signed checkpoints out of the
// database as they are made: to an append-only file in a folder other than
// the data folder, or to a webhook receiver. Whoever later holds the
// database cannot take back what was streamed, so `escudo audit verify
// --checkpoints FILE` catches a truncated, rewritten or deleted log.
package auditsink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"escudo/internal/store"
)

// Options configure Open. Target is a file path, an https:// URL, or an
// http:// URL on a loopback address.
type Options struct {
	Target  string
	DataDir string // the folder the sink must stay out of
	Logger  *slog.Logger
	Client  *http.Client  // webhook; default: 10 s timeout
	Retry   time.Duration // first delay between webhook attempts; default 1 s, doubling to 1 min
	Queue   int           // checkpoints waiting to be written; default 4096
}

// Sink takes checkpoints without blocking and writes them in order from its
// own goroutine.
type Sink struct {
	ch      chan store.Checkpoint
	done    chan struct{}
	write   func(ctx context.Context, c store.Checkpoint) error
	closeFn func() error
	log     *slog.Logger
	retry   time.Duration
	stop    chan struct{}
	dropped atomic.Int64
	target  string
}

// Open checks the target and starts the sink.
func Open(o Options) (*Sink, error) {
	s := &Sink{log: o.Logger, retry: o.Retry, stop: make(chan struct{}), done: make(chan struct{})}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.retry <= 0 {
		s.retry = time.Second
	}
	q := o.Queue
	if q <= 0 {
		q = 4096
	}
	s.ch = make(chan store.Checkpoint, q)
	var err error
	if strings.Contains(o.Target, "://") {
		err = s.openWebhook(o)
	} else {
		err = s.openFile(o)
	}
	if err != nil {
		return nil, err
	}
	go s.run()
	return s, nil
}

// Target names where checkpoints go, for logs.
func (s *Sink) Target() string { return s.target }

// Send queues a checkpoint. It never blocks: with the queue full (a receiver
// down for long) the checkpoint is dropped and counted; later checkpoints
// still cover every entry before them.
func (s *Sink) Send(c store.Checkpoint) {
	select {
	case s.ch <- c:
	default:
		if s.dropped.Add(1) == 1 {
			s.log.Error("audit sink queue full: checkpoints dropped", "sink", s.target)
		}
	}
}

// Dropped is how many checkpoints were dropped because the queue was full.
func (s *Sink) Dropped() int64 { return s.dropped.Load() }

// Close writes what is queued, waiting at most until ctx ends, and closes
// the sink.
func (s *Sink) Close(ctx context.Context) error {
	close(s.ch)
	select {
	case <-s.done:
	case <-ctx.Done():
		close(s.stop)
		<-s.done
	}
	if s.closeFn != nil {
		return s.closeFn()
	}
	return nil
}

func (s *Sink) run() {
	defer close(s.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	last := int64(0)
	for c := range s.ch {
		// Checkpoints of concurrent transactions can arrive out of order;
		// a later one covers every entry before it, and the file stays in
		// increasing order as `audit verify --checkpoints` reads it.
		if c.Seq <= last {
			continue
		}
		delay := s.retry
		for {
			err := s.write(ctx, c)
			if err == nil {
				last = c.Seq
				break
			}
			s.log.Error("audit sink", "sink", s.target, "seq", c.Seq, "err", err)
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return
			}
			delay = min(2*delay, time.Minute)
		}
	}
}

// openFile opens an append-only file outside the data folder.
func (s *Sink) openFile(o Options) error {
	path, err := filepath.Abs(o.Target)
	if err != nil {
		return err
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("audit sink %s: its folder must exist: %w", o.Target, err)
	}
	if o.DataDir != "" {
		data, err := filepath.Abs(o.DataDir)
		if err != nil {
			return err
		}
		if real, err := filepath.EvalSymlinks(data); err == nil {
			data = real
		}
		if rel, err := filepath.Rel(data, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("audit sink %s is inside the data folder %s: whoever copies or rewrites the data folder would take the checkpoints with it; choose another folder, ideally on another machine or medium", o.Target, o.DataDir)
		}
	}
	path = filepath.Join(dir, filepath.Base(path))
	if fi, err := os.Lstat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("audit sink %s is not a regular file", o.Target)
		}
		if fi.Mode().Perm()&0o022 != 0 {
			return fmt.Errorf("audit sink %s can be written by other users (mode %o): run chmod 600 on it", o.Target, fi.Mode().Perm())
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600) // #nosec G304 -- the operator's configured sink
	if err != nil {
		return fmt.Errorf("audit sink: %w", err)
	}
	s.target, s.closeFn = path, f.Close
	s.write = func(_ context.Context, c store.Checkpoint) error {
		b, err := json.Marshal(&c)
		if err != nil {
			return err
		}
		if _, err := f.Write(append(b, '\n')); err != nil {
			return err
		}
		return f.Sync()
	}
	return nil
}

// openWebhook posts each checkpoint to an https:// receiver, or an http://
// one on this machine.
func (s *Sink) openWebhook(o Options) error {
	u, err := url.Parse(o.Target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("audit sink %q is not a URL", o.Target)
	}
	switch u.Scheme {
	case "https":
	case "http":
		ip := net.ParseIP(u.Hostname())
		if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("audit sink %s: plain http only to a receiver on this machine (127.0.0.1, ::1); use https", o.Target)
		}
	default:
		return fmt.Errorf("audit sink %s: the scheme must be https (or http to a loopback address)", o.Target)
	}
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	u.User = nil
	s.target = u.Redacted()
	target := o.Target
	s.write = func(ctx context.Context, c store.Checkpoint) error {
		b, err := json.Marshal(&c)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(b))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req) // #nosec G704 -- the operator's configured receiver
		if err != nil {
			return err
		}
		_ = res.Body.Close()
		if res.StatusCode/100 != 2 {
			return fmt.Errorf("receiver answered %s", res.Status)
		}
		return nil
	}
	return nil
}

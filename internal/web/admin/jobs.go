package admin

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"escudo/internal/store"
	"escudo/internal/web"
)

// The page of scheduled work: which nodes are serving, and for each
// periodic job of the job runner (internal/jobs) how often it runs, when
// it last ran, on which node, how long it took and whether it failed; and
// the deferred jobs waiting, running, done and failed. An administrator
// sees here that escalations and deadline sweeps are running, and that a
// node that stopped has handed its work over.

// nodeAlive is how recently a node must have written its beat (every
// second) to count as serving.
const nodeAlive = 5 * time.Second

type jobsData struct {
	Nodes     []nodeRow
	Schedules []scheduleRow
	Deferred  []deferredRow
}

type nodeRow struct {
	Name, Since, Seen string
	Alive             bool
}

type scheduleRow struct {
	ID, Label, Every, Last, Node, Took, Next string
	Failed, Running                          bool
	Runs, Failures                           int64
}

type deferredRow struct {
	Label                                string
	Waiting, Running, Done, Failed, Rank int
}

// handleJobs shows the nodes and the scheduled work.
func (s *server) handleJobs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := s.NewPage(r, "jobs.title", nil)
	now := s.DB.Now()
	nodes, err := s.DB.Nodes(ctx, now.Add(-24*time.Hour))
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	schedules, err := s.DB.Schedules(ctx)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	counts, err := s.DB.JobCounts(ctx)
	if err != nil {
		s.ServerError(w, r, err)
		return
	}
	d := &jobsData{}
	for _, n := range nodes {
		d.Nodes = append(d.Nodes, nodeRow{Name: n.ID, Since: ago(p, now, n.Started), Seen: ago(p, now, n.Seen), Alive: now.Sub(n.Seen) <= nodeAlive})
	}
	for _, sc := range schedules {
		label := p.T("job." + sc.Name)
		if label == "job."+sc.Name {
			// A job another version of escudo registered: no name in words.
			label = p.T("jobs.unknown")
		}
		row := scheduleRow{ID: "job-" + strconv.Itoa(len(d.Schedules)), Label: label, Every: every(p, sc.Interval),
			Runs: sc.Runs, Failures: sc.Failures, Running: !sc.LeaseUntil.IsZero() && sc.LeaseUntil.After(now)}
		if sc.LastStarted != nil {
			row.Last, row.Node = ago(p, now, *sc.LastStarted), sc.LastNode
			row.Took = took(p, sc.LastDuration)
			row.Failed = sc.LastError != ""
		} else {
			row.Last = p.T("jobs.never")
		}
		if sc.NextRun.After(now) {
			row.Next = p.T("jobs.in", "When", short(p, sc.NextRun.Sub(now)))
		} else {
			row.Next = p.T("jobs.now")
		}
		d.Schedules = append(d.Schedules, row)
	}
	byKind := map[string]*deferredRow{}
	for k, n := range counts {
		row := byKind[k[0]]
		if row == nil {
			row = &deferredRow{Label: p.T("job." + k[0])}
			byKind[k[0]] = row
		}
		switch k[1] {
		case store.JobAvailable:
			row.Waiting += n
		case store.JobRunning:
			row.Running += n
		case store.JobDone:
			row.Done += n
		case store.JobFailed:
			row.Failed += n
		}
	}
	for _, row := range byKind {
		d.Deferred = append(d.Deferred, *row)
	}
	sort.Slice(d.Deferred, func(i, j int) bool { return d.Deferred[i].Label < d.Deferred[j].Label })
	p.Data = d
	s.Render(w, r, http.StatusOK, "jobs", p)
}

// ago says how long before now t was, to the second.
func ago(p *web.Page, now, t time.Time) string {
	return p.T("jobs.ago", "When", short(p, now.Sub(t)))
}

// every says an interval in words.
func every(p *web.Page, d time.Duration) string { return p.T("jobs.every", "When", short(p, d)) }

// short writes a duration in seconds, minutes, hours or days.
func short(p *web.Page, d time.Duration) string {
	d = max(d, 0)
	switch {
	case d < time.Minute:
		return p.T("jobs.seconds", "Count", int(d/time.Second))
	case d < time.Hour:
		return p.T("jobs.minutes", "Count", int(d/time.Minute))
	case d < 48*time.Hour:
		return p.T("jobs.hours", "Count", int(d/time.Hour))
	default:
		return p.T("jobs.days", "Count", int(d/(24*time.Hour)))
	}
}

// took writes a run's duration in milliseconds, or seconds above ten.
func took(p *web.Page, d time.Duration) string {
	if d < 10*time.Second {
		return p.T("jobs.ms", "Value", strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64))
	}
	return p.T("jobs.seconds", "Count", int(d/time.Second))
}

package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// sweepArgs is the periodic job that announces newly available courses,
// marks overdue ones, sends scheduled reminders and digests, and queues
// welcome, reminder and breach notification emails a dead process left.
// River runs periodic jobs on its elected leader only.
type sweepArgs struct{}

func (sweepArgs) Kind() string { return "training_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	app *App // its services exist by the time a job runs
}

// Work announces and marks courses, then forgets stale rate-limit windows
// and sessions that ended more than a day ago.
func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[sweepArgs]) error {
	if _, _, err := w.app.Training.Sweep(ctx); err != nil {
		return err
	}
	if _, err := w.app.Welcome.Sweep(ctx); err != nil {
		return err
	}
	if _, err := w.app.Team.Sweep(ctx); err != nil {
		return err
	}
	if res, err := w.app.Reminders.Sweep(ctx); err != nil {
		// One client's failure does not hold back the rest of the sweep.
		w.app.Log.Error("scheduled reminders", "err", err, "reminded", res.Reminded, "digests", res.Digests)
	}
	if _, err := w.app.Breaches.Sweep(ctx); err != nil {
		return err
	}
	dayAgo := w.app.Clock.Now().Add(-24 * time.Hour)
	if err := w.app.Auth.Limiter.Prune(ctx, dayAgo); err != nil {
		return err
	}
	return w.app.Auth.Sessions.Prune(ctx, dayAgo)
}

package app

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/awareportal/portal/internal/training"
)

// sweepArgs is the periodic job that announces newly available courses and
// marks overdue ones. River runs periodic jobs on its elected leader only.
type sweepArgs struct{}

func (sweepArgs) Kind() string { return "training_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	training *training.Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[sweepArgs]) error {
	_, _, err := w.training.Sweep(ctx)
	return err
}

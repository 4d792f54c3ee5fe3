package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/awareportal/portal/internal/eventstore"
)

// readAhead is how many streams are read at once: each ReadStream is a
// round trip to the store, so overlapping a few hides most of the latency.
const readAhead = 8

// eachStream reads the streams through the store in the order given and
// hands each one's events to use, in that order and one at a time; a
// stream that does not exist is handed over as no events. Up to readAhead
// streams are being read, or wait to be used, at any moment: memory holds
// at most that many streams beyond what use keeps.
func eachStream(ctx context.Context, store eventstore.Store, streams []string, use func(stream string, evs []eventstore.RecordedEvent) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		evs []eventstore.RecordedEvent
		err error
	}
	pending := make(chan chan result, readAhead)
	go func() {
		defer close(pending)
		for _, stream := range streams {
			done := make(chan result, 1)
			select {
			case pending <- done:
			case <-ctx.Done():
				return
			}
			go func() {
				evs, err := store.ReadStream(ctx, stream, 1)
				if errors.Is(err, eventstore.ErrStreamNotFound) {
					evs, err = nil, nil
				}
				done <- result{evs, err}
			}()
		}
	}()
	i := 0
	for done := range pending {
		r := <-done
		if r.err != nil {
			return fmt.Errorf("read %s: %w", streams[i], r.err)
		}
		if err := use(streams[i], r.evs); err != nil {
			return err
		}
		i++
	}
	return ctx.Err()
}

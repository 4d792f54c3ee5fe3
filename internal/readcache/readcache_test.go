package readcache

import (
	"context"
	"errors"
	"testing"
)

// counter is a read model whose rows change: each load reads the current
// value and counts itself.
type counter struct {
	value string
	loads int
}

func (r *counter) load(context.Context) (string, error) {
	r.loads++
	return r.value, nil
}

func TestCacheFollowsTheEpoch(t *testing.T) {
	c := New[string, string]("rm", 10)
	rm := &counter{value: "v1"}
	at := func(epoch int64) context.Context {
		return WithEpochs(context.Background(), map[string]int64{"rm": epoch, "other": epoch * 7})
	}
	get := func(ctx context.Context) string {
		t.Helper()
		v, err := c.Get(ctx, "k", rm.load)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	if v := get(at(1)); v != "v1" || rm.loads != 1 {
		t.Fatalf("first read: %q after %d loads", v, rm.loads)
	}
	if v := get(at(1)); v != "v1" || rm.loads != 1 {
		t.Fatalf("same epoch: %q after %d loads, want the cached row", v, rm.loads)
	}

	// The read model changed, and its epoch with it: the next request reads again.
	rm.value = "v2"
	if v := get(at(2)); v != "v2" || rm.loads != 2 {
		t.Fatalf("new epoch: %q after %d loads, want v2 read again", v, rm.loads)
	}
	// A request still at the old epoch reads the read model and keeps nothing.
	if v := get(at(1)); v != "v2" || rm.loads != 3 {
		t.Fatalf("older epoch: %q after %d loads", v, rm.loads)
	}
	if v := get(at(2)); v != "v2" || rm.loads != 3 {
		t.Fatalf("back at the newest epoch: %q after %d loads, want the cached row", v, rm.loads)
	}

	// Without an epoch (no session): always the read model.
	rm.value = "v3"
	if v := get(context.Background()); v != "v3" || rm.loads != 4 {
		t.Fatalf("no epoch: %q after %d loads", v, rm.loads)
	}
	// Another read model's epoch moving changes nothing here.
	if v := get(WithEpochs(context.Background(), map[string]int64{"rm": 2, "other": 99})); v != "v2" || rm.loads != 4 {
		t.Fatalf("another read model changed: %q after %d loads, want the cached row", v, rm.loads)
	}
	// A read model that never changed has epoch 0, and is cached at it.
	c0 := New[string, string]("never", 10)
	for range 2 {
		if _, err := c0.Get(at(5), "k", rm.load); err != nil {
			t.Fatal(err)
		}
	}
	if rm.loads != 5 {
		t.Fatalf("epoch 0: %d loads, want one more", rm.loads)
	}
	if hits, misses := c.Stats(); hits != 3 || misses != 3 {
		t.Errorf("stats: %d hits, %d misses; want 3, 3", hits, misses)
	}
}

func TestCacheKeepsNoErrors(t *testing.T) {
	c := New[string, int]("rm", 10)
	ctx := WithEpochs(context.Background(), map[string]int64{"rm": 7})
	boom := errors.New("boom")
	if _, err := c.Get(ctx, "k", func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	v, err := c.Get(ctx, "k", func(context.Context) (int, error) { return 42, nil })
	if err != nil || v != 42 {
		t.Fatalf("after an error: %d, %v; want it read again", v, err)
	}
}

func TestCacheIsBounded(t *testing.T) {
	c := New[int, int]("rm", 3)
	ctx := WithEpochs(context.Background(), map[string]int64{"rm": 1})
	for i := range 10 {
		if _, err := c.Get(ctx, i, func(context.Context) (int, error) { return i, nil }); err != nil {
			t.Fatal(err)
		}
		if n := len(c.rows); n > 3 {
			t.Fatalf("%d rows kept, bound 3", n)
		}
	}
}

func TestLearnerCacheFollowsBothEpochs(t *testing.T) {
	c := NewLearner[string]("rm", 10)
	rm := &counter{value: "v1"}
	at := func(learner string, epoch, own int64) context.Context {
		ctx := WithEpochs(context.Background(), map[string]int64{"rm": epoch})
		return WithLearnerEpochs(ctx, learner, map[string]int64{"rm": own, "other": 99})
	}
	get := func(ctx context.Context, learner string) string {
		t.Helper()
		v, err := c.Get(ctx, learner, rm.load)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	steps := []struct {
		ctx     context.Context
		learner string
		value   string // the read model now
		loads   int    // loads so far, after this read
	}{
		{at("sam", 1, 1), "sam", "v1", 1},
		{at("sam", 1, 1), "sam", "v1", 1},                                                           // cached
		{at("sam", 1, 2), "sam", "v2", 2},                                                           // Sam's rows changed
		{at("sam", 2, 2), "sam", "v3", 3},                                                           // the read model's epoch moved
		{at("sam", 2, 1), "sam", "v3", 4},                                                           // an older request: read, not kept
		{at("sam", 2, 2), "sam", "v3", 4},                                                           // the newest is still cached
		{at("sam", 2, 2), "riley", "v3", 5},                                                         // another learner's rows: never cached
		{at("sam", 2, 2), "riley", "v3", 6},                                                         //
		{WithEpochs(context.Background(), map[string]int64{"rm": 2}), "sam", "v4", 7},               // no learner epochs
		{WithLearnerEpochs(context.Background(), "sam", map[string]int64{"rm": 2}), "sam", "v4", 8}, // no read model epochs
	}
	for i, s := range steps {
		rm.value = s.value
		if v := get(s.ctx, s.learner); v != s.value || rm.loads != s.loads {
			t.Fatalf("step %d: %q after %d loads, want %q after %d", i, v, rm.loads, s.value, s.loads)
		}
	}
	if v := get(at("sam", 2, 2), "sam"); v != "v3" {
		t.Fatalf("the kept row: %q, want v3 (what was read at epochs 2/2)", v)
	}
}

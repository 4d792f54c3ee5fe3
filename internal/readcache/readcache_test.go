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

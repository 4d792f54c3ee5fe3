package testenv

import (
	"sync"
	"testing"
)

// durable is a second PostgreSQL with the server's own commit settings,
// started the first time a test asks for it.
var durable struct {
	once sync.Once
	h    harness
}

// DurableDB is DB on a PostgreSQL that flushes commits to disk (fsync and
// synchronous_commit on, the production settings), for benchmarks that
// measure commits: an embedded cluster started once per test binary,
// beside the fast one. With PORTAL_TEST_DATABASE_URL or DATABASE_URL, a
// database on that server whose connections set synchronous_commit=on.
func DurableDB(t testing.TB) *Database {
	t.Helper()
	available(t)
	durable.once.Do(func() { durable.h.err = durable.h.setup(true) })
	if durable.h.err != nil {
		Unavailable(t, "a durable PostgreSQL", durable.h.err)
	}
	return durable.h.create(t, durable.h.template)
}

package crashtest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/internal/config"
	"github.com/awareportal/portal/internal/eventstore"
)

// TestSwitchingEventStoreRebuildsReadModels runs the portal on PostgreSQL,
// copies its log into KurrentDB (`portal eventstore copy`), then lets the
// two logs part: a learner added through the portal on PostgreSQL after the
// copy (so in the read models), another appended to KurrentDB only. Started
// on KurrentDB, the portal must show the read models of KurrentDB's log:
// the copied learner and the KurrentDB-only one, not the PostgreSQL-only
// one (event_store_source makes it rebuild them at start).
func TestSwitchingEventStoreRebuildsReadModels(t *testing.T) {
	t.Parallel()
	begin := time.Now()
	s := newStack(t, config.EventStoreKurrentDB)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	pg := s.node("portal-pg", config.EventStorePostgres)
	pg.start()
	pg.waitReady()
	api := newClient(pg.base)
	api.header["Authorization"] = "Bearer " + apiToken(t, pg)
	addUser := func(id string) {
		t.Helper()
		status, body, err := api.postJSON(ctx, "/api/v1/clients/acme/users",
			fmt.Sprintf(`{"email":"%s@acme.example","first_name":"Switch","last_name":%q,"id":%q}`, id, id, id))
		if err != nil || status != 201 {
			t.Fatalf("add %s: %d %s %v", id, status, body, err)
		}
	}
	users := func() string {
		t.Helper()
		status, body, err := api.get(ctx, "/api/v1/clients/acme/users")
		if err != nil || status != 200 {
			t.Fatalf("list users at %s: %d %s %v", api.base, status, body, err)
		}
		return body
	}
	addUser("copied")
	pg.proc.stop()
	out := pg.run("eventstore", "copy", "--to", s.kurrent.URL())
	t.Logf("portal eventstore copy: %s", strings.TrimSpace(out))

	pg.start()
	pg.waitReady()
	addUser("pg-only")
	if !strings.Contains(users(), "pg-only@acme.example") {
		t.Fatal("the PostgreSQL-only learner is not in the read models on PostgreSQL")
	}
	pg.proc.stop()

	kurrent := s.storeOf(config.EventStoreKurrentDB)
	repo := eventstore.Repository{Store: kurrent, Codec: registry.Codec()}
	if _, err := repo.Append(ctx, directory.LearnerStream(stored("kurrent-only")), eventstore.NoStream, eventstore.Metadata{ActorID: "test:switch", TenantID: "northwind"},
		directory.LearnerProvisioned{LearnerID: stored("kurrent-only"), ClientID: "acme", Email: "kurrent-only@acme.example",
			FirstName: "Switch", LastName: "kurrent-only", Source: directory.SourceManual, At: time.Now()}); err != nil {
		t.Fatal(err)
	}

	k := s.node("portal-kurrent", config.EventStoreKurrentDB)
	k.start()
	ready := k.waitReady()
	api.base = k.base
	list := users()
	for _, want := range []string{"copied@acme.example", "kurrent-only@acme.example"} {
		if !strings.Contains(list, want) {
			t.Errorf("on KurrentDB, the read models lack %s (KurrentDB's log has it)", want)
		}
	}
	if strings.Contains(list, "pg-only@acme.example") {
		t.Error("on KurrentDB, the read models still show pg-only@acme.example, which only PostgreSQL's log has: not rebuilt")
	}
	if src := queryString(t, s.db.Pool, `SELECT store FROM event_store_source`); src != config.EventStoreKurrentDB {
		t.Errorf("read models recorded as built from %q", src)
	}
	k.proc.stop()
	checkReadModelsEqualRebuild(t, ctx, s.db.Pool, kurrent, readLog(t, ctx, kurrent))
	t.Logf("ready on KurrentDB (rebuilt) after %s; whole test %s", ready.Round(10*time.Millisecond), time.Since(begin).Round(100*time.Millisecond))
}

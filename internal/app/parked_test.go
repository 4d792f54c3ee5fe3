package app_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/internal/admin"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/seed"
)

// TestHugeEmailRefusedAndUnapplicableEventParked: the 3,000-character
// email is a 422 at the API; and an event that slips past validation (here
// appended straight to the store) is parked by the read models, which go on
// with every other tenant's writes; /readyz names it, a rebuild completes.
func TestHugeEmailRefusedAndUnapplicableEventParked(t *testing.T) {
	// Not parallel: a read-model rebuild holds one long transaction, and the
	// event log's visibility horizon is the whole PostgreSQL server's, so it
	// would hold back the read models of every test running beside it.
	p := start(t)
	ctx := context.Background()
	raw := make([]byte, 1500)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	huge := hex.EncodeToString(raw) + "@globex.example" // random: Postgres can't compress it into an index row
	bluepeak := p.token(t, "bluepeak")
	before := p.eventCount(t)
	body, _ := json.Marshal(map[string]string{"email": huge, "first_name": "Huge"})
	if code, out := p.api(t, bluepeak, "POST", "/api/v1/clients/globex/users", string(body)); code != 422 || fields(out)["email"] == nil {
		t.Fatalf("3,000-character email: %d %v", code, out)
	}
	body, _ = json.Marshal(map[string]string{"email": "ok@globex.example", "first_name": strings.Repeat("N", 201)})
	if code, out := p.api(t, bluepeak, "POST", "/api/v1/clients/globex/users", string(body)); code != 422 || fields(out)["first_name"] == nil {
		t.Fatalf("201-character name: %d %v", code, out)
	}
	if after := p.eventCount(t); after != before {
		t.Fatalf("refused requests wrote %d events", after-before)
	}

	// Past validation, straight into the store.
	res, err := p.app.Repo.Append(ctx, directory.LearnerStream("globex-huge"), eventstore.NoStream, eventstore.Metadata{TenantID: "bluepeak"},
		directory.LearnerProvisioned{LearnerID: "globex-huge", ClientID: "globex", Email: huge, FirstName: "Huge", Source: directory.SourceManual, At: p.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := p.app.Runner.WaitFor(wctx, res.Position); err != nil {
		t.Fatalf("read models stopped at the bad event: %v", err)
	}
	// Every tenant's writes still work (the settle after each write waits
	// for the read models).
	northwind := p.token(t, "northwind")
	if code, out := p.api(t, northwind, "POST", "/api/v1/clients/acme/users", `{"email":"alice@acme.example","first_name":"Alice"}`); code != 201 {
		t.Fatalf("another partner's write after the bad event: %d %v", code, out)
	}
	if code, out := p.api(t, bluepeak, "POST", "/api/v1/clients/globex/users", `{"email":"bob@globex.example","first_name":"Bob"}`); code != 201 {
		t.Fatalf("the same partner's next write: %d %v", code, out)
	}

	parkedOK := func(when string) {
		t.Helper()
		list, total, err := p.app.Runner.Parked(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 {
			t.Fatalf("%s: %d parked, want 2 (directory and timeline): %+v", when, total, list)
		}
		for _, pk := range list {
			if pk.Stream != "learner-globex-huge" || pk.Position != res.Position || pk.TenantID != "bluepeak" {
				t.Errorf("%s: parked %+v", when, pk)
			}
		}
		r := p.browser(t).get("/readyz")
		if r.status != 200 || !strings.Contains(r.body, "degraded: 2 event(s) parked") {
			t.Errorf("%s: readyz %d %q", when, r.status, r.body)
		}
	}
	parkedOK("live")

	// The partner's support staff see them; another partner's do not.
	if _, err := p.app.Admin.GrantStaff(ctx, "bluepeak", admin.StaffInput{Email: "desk@bluepeak.example", Name: "BluePeak Desk", Role: "support"}, eventstore.Metadata{ActorID: "test"}); err != nil {
		t.Fatal(err)
	}
	bluepeakDesk, northwindDesk := p.browser(t), p.browser(t)
	signIn(t, p, bluepeakDesk, "desk@bluepeak.example")
	signIn(t, p, northwindDesk, seed.SupportEmail)
	if r := bluepeakDesk.get("/staff"); r.status != 200 || !strings.Contains(r.body, "2 of your events could not be shown") || !strings.Contains(r.body, "learner-globex-huge") {
		t.Errorf("BluePeak's support does not see its parked events: %d", r.status)
	}
	if r := northwindDesk.get("/staff"); r.status != 200 || strings.Contains(r.body, "could not be shown") {
		t.Errorf("Northwind's support sees another partner's parked events: %d", r.status)
	}

	for _, proj := range p.app.Runner.Projections() {
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := p.app.Runner.Rebuild(rctx, proj)
		cancel()
		if err != nil {
			t.Fatalf("rebuild %s: %v", proj.Name(), err)
		}
	}
	parkedOK("rebuilt")
	if _, err := p.app.Admin.Dir.Learner(ctx, "globex-huge"); err == nil {
		t.Fatal("the bad learner is in the directory")
	}
	code, out := p.api(t, northwind, "GET", "/api/v1/clients/acme/users", "")
	if code != 200 || !strings.Contains(mustJSON(out), "alice@acme.example") {
		t.Fatalf("users after rebuild: %d", code)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

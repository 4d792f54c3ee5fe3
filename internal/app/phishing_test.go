package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	dir "github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/seed"
)

const phishingPath = "/api/v1/clients/acme/phishing-results"

// phishingJSON is one learner's result; extra are more JSON members
// (`"clicked_at":"..."`).
func phishingJSON(learner string, extra ...string) string {
	m := append([]string{fmt.Sprintf(`"learner_id":%q`, learner)}, extra...)
	return "{" + strings.Join(m, ",") + "}"
}

// campaign is an import of one campaign sent a day before the test clock.
func campaign(id string, results ...string) string {
	return fmt.Sprintf(`{"campaign_id":%q,"campaign_name":"Campaign %s","template":"tpl-%s","sent_at":%q,"results":[%s]}`,
		id, id, id, testEpoch.Add(-24*time.Hour).Format(time.RFC3339), strings.Join(results, ","))
}

// after is a time the given duration after the campaign's sent_at.
func after(d time.Duration) string {
	return testEpoch.Add(-24 * time.Hour).Add(d).Format(time.RFC3339)
}

// TestPhishingStats: Sam's My Stats shows the phishing panel from the
// seed's four campaigns (received, compromise rate, reports, his and
// Acme's 12-month rates, the history); Morgan, who has none, sees the
// calm empty state, and My Team shows nothing of anyone's phishing. Staff
// timelines say each outcome in plain words.
func TestPhishingStats(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	signIn(t, p, b, sam)
	r := b.get("/stats")
	if r.status != 200 {
		t.Fatalf("/stats: %d", r.status)
	}
	for _, want := range []string{
		`id="phishing"`, `<span class="tile-num">4</span><span class="tile-label">simulations received</span>`,
		`<span class="tile-num">50%</span><span class="tile-label">compromise rate`,
		`<span class="tile-num">2</span><span class="tile-label">reports made</span>`,
		// Sam: 2 of 4; Acme: the mean of Sam's 50%, Riley's 50% and Avery's 0%.
		`data-rate="own">50%</span>`, "2 of the 4 simulations you received since 22 Nov 2025",
		`data-rate="org">33%</span>`, "the average of the 3 people at Acme Corporation who received one since 22 Nov 2025",
		"Document shared with you", "Did not click the link and reported it",
		"Your password expires today", "Opened the email, clicked the link and entered details on the practice page",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("Sam's My Stats lacks %q", want)
		}
	}
	if strings.Index(r.body, "Document shared with you") > strings.Index(r.body, "Parcel delivery failed") {
		t.Error("the history is not newest first")
	}
	if strings.Contains(r.body, "No phishing simulations yet") {
		t.Error("Sam sees the empty state")
	}

	morgan := p.browser(t)
	signIn(t, p, morgan, seed.ManagerEmail)
	if r := morgan.get("/stats"); !strings.Contains(r.body, "No phishing simulations yet") || strings.Contains(r.body, "simulations received") {
		t.Fatal("Morgan: no empty state")
	}
	if r := morgan.get("/team"); r.status != 200 || strings.Contains(strings.ToLower(r.body), "phish") || strings.Contains(r.body, "compromise") {
		t.Fatalf("My Team: %d, mentions phishing", r.status)
	}

	support := p.browser(t)
	signIn(t, p, support, seed.SupportEmail)
	tl := support.get("/staff/users/acme-sam")
	for _, want := range []string{"Phishing simulation “Invoice overdue”: opened the email, did not click the link and reported it",
		"Phishing simulation “Parcel delivery failed”: opened the email and clicked the link"} {
		if !strings.Contains(tl.body, want) {
			t.Errorf("Sam's staff timeline lacks %q", want)
		}
	}
}

// TestPhishingIngestBadInput: every bad result is a 422 naming the field
// (results[i].field, or the import's own field), and nothing is stored,
// not even the good results. Learner ids that are not the client's (made
// up, another client's, another partner's) are refused like any bad field.
func TestPhishingIngestBadInput(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	other := p.token(t, "bluepeak")
	good := phishingJSON("acme-riley", `"opened_at":"`+after(time.Hour)+`"`)
	before := p.eventCount(t)
	many := make([]string, 30)
	for i := range many {
		many[i] = phishingJSON("nobody-" + itoa(i))
	}
	cases := []struct {
		name, body string
		status     int
		field      string
	}{
		{"no results", campaign("C1"), 422, "results"},
		{"no body", ``, 400, ""},
		{"not JSON", `{"results":`, 400, ""},
		{"unknown field", `{"results":[],"colour":"red"}`, 400, ""},
		{"a result's unknown field", campaign("C1", good, `{"learner_id":"acme-sam","liked_at":"x"}`), 400, ""},
		{"learner_id missing", campaign("C1", good, `{}`), 422, "results[1].learner_id"},
		{"learner_id with a space", campaign("C1", good, phishingJSON("acme sam")), 422, "results[1].learner_id"},
		{"learner_id too long", campaign("C1", good, phishingJSON(strings.Repeat("a", 101))), 422, "results[1].learner_id"},
		{"unknown learner", campaign("C1", good, phishingJSON("acme-nobody")), 422, "results[1].learner_id"},
		{"another client's learner", campaign("C1", good, phishingJSON("initech-pat")), 422, "results[1].learner_id"},
		{"another partner's learner", campaign("C1", good, phishingJSON("globex-jordan")), 422, "results[1].learner_id"},
		{"the same learner twice", campaign("C1", good, good), 422, "results[1].learner_id"},
		{"campaign_id missing", strings.Replace(campaign("C1", good), `"campaign_id":"C1",`, "", 1), 422, "results[0].campaign_id"},
		{"campaign_id with a space", campaign("C 1", good), 422, "campaign_id"},
		{"a result's own campaign_id", campaign("C1", good, phishingJSON("acme-sam", `"campaign_id":"../x y"`)), 422, "results[1].campaign_id"},
		{"campaign_name missing", strings.Replace(campaign("C1", good), `"campaign_name":"Campaign C1",`, "", 1), 422, "results[0].campaign_name"},
		{"campaign_name too long", strings.Replace(campaign("C1", good), `"Campaign C1"`, `"`+strings.Repeat("n", 201)+`"`, 1), 422, "campaign_name"},
		{"campaign_name with a control character", strings.Replace(campaign("C1", good), `"Campaign C1"`, `"Pay\u0007now"`, 1), 422, "campaign_name"},
		{"template with a bidi override", strings.Replace(campaign("C1", good), `"tpl-C1"`, `"tpl\u202Eexe"`, 1), 422, "template"},
		{"sent_at format", strings.Replace(campaign("C1", good), after(0), "21/11/2026", 1), 422, "sent_at"},
		{"sent_at in the future", strings.Replace(campaign("C1", good), after(0), testEpoch.Add(time.Hour).Format(time.RFC3339), 1), 422, "sent_at"},
		{"sent_at the zero time", strings.Replace(campaign("C1", good), after(0), "0001-01-01T00:00:00Z", 1), 422, "sent_at"},
		{"sent_at missing", strings.Replace(campaign("C1", good), `"sent_at":"`+after(0)+`",`, "", 1), 422, "results[0].sent_at"},
		{"a result's own sent_at", campaign("C1", good, phishingJSON("acme-sam", `"sent_at":"yesterday"`)), 422, "results[1].sent_at"},
		{"opened_at before sent_at", campaign("C1", good, phishingJSON("acme-sam", `"opened_at":"`+after(-time.Minute)+`"`)), 422, "results[1].opened_at"},
		{"clicked_at format", campaign("C1", good, phishingJSON("acme-sam"), phishingJSON("acme-avery"), phishingJSON("acme-jamie", `"clicked_at":"soon"`)), 422, "results[3].clicked_at"},
		{"clicked_at in the future", campaign("C1", good, phishingJSON("acme-sam", `"clicked_at":"`+testEpoch.Add(time.Hour).Format(time.RFC3339)+`"`)), 422, "results[1].clicked_at"},
		{"submitted_at before sent_at", campaign("C1", good, phishingJSON("acme-sam", `"submitted_at":"2020-01-01T00:00:00Z"`)), 422, "results[1].submitted_at"},
		{"reported_at format", campaign("C1", good, phishingJSON("acme-sam", `"reported_at":"2026-11-21"`)), 422, "results[1].reported_at"},
		{"not delivered but clicked", campaign("C1", good, phishingJSON("acme-sam", `"delivered":false`, `"clicked_at":"`+after(time.Hour)+`"`)), 422, "results[1].delivered"},
		{"delivered not a boolean", campaign("C1", good, phishingJSON("acme-sam", `"delivered":"yes"`)), 400, ""},
		{"unknown client", campaign("C1", good), 404, ""},
		{"another partner's client", campaign("C1", good), 404, ""},
	}
	for _, c := range cases {
		path, token := phishingPath, tok
		switch c.name {
		case "unknown client":
			path = "/api/v1/clients/nope/phishing-results"
		case "another partner's client":
			token = other
		}
		code, out := p.api(t, token, "POST", path, c.body)
		if code != c.status {
			t.Errorf("%s: %d %v, want %d", c.name, code, out, c.status)
			continue
		}
		if c.field != "" {
			if _, ok := fields(out)[c.field]; !ok {
				t.Errorf("%s: no error for %s: %v", c.name, c.field, out)
			}
		}
	}
	// Many bad results: the first 20 named, and a note that there are more.
	if code, out := p.api(t, tok, "POST", phishingPath, campaign("C1", many...)); code != 422 || len(fields(out)) != 21 || fields(out)["results"] == nil {
		t.Errorf("30 bad results: %d, %d fields", code, len(fields(out)))
	}
	// More than 16 MB: 413.
	big := campaign("C1", strings.Repeat(good+",", 17<<20/len(good))+good)
	if code, _ := p.api(t, tok, "POST", phishingPath, big); code != 413 {
		t.Errorf("17 MB: %d, want 413", code)
	}
	if after := p.eventCount(t); after != before {
		t.Fatalf("refused ingestions wrote %d events", after-before)
	}
}

// TestPhishingIngestOnce: results are stored once per (campaign, learner):
// the same import again stores nothing; a later import with more (Sam
// reported it) stores the merged outcome as one new event, and leaves out
// nothing (what it omits is kept). Several campaigns fit in one import.
// My Stats and the risk score follow.
func TestPhishingIngestOnce(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	b := p.browser(t)
	signIn(t, p, b, sam)
	riskBefore := riskOf(t, b)
	points := func() int {
		var n int
		if err := p.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM rm_progress.risk_history WHERE learner_id = 'acme-sam'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	pointsBefore := points()
	first := campaign("Q4", phishingJSON("acme-sam", `"opened_at":"`+after(time.Hour)+`"`, `"clicked_at":"`+after(2*time.Hour)+`"`), phishingJSON("acme-riley"))
	before := p.eventCount(t)
	code, out := p.api(t, tok, "POST", phishingPath, first)
	if code != 200 || out["new"] != 2.0 || out["updated"] != 0.0 || out["unchanged"] != 0.0 || out["learners"] != 2.0 {
		t.Fatalf("first: %d %v", code, out)
	}
	if n := p.eventCount(t) - before; n != 2 {
		logLastEvents(t, p, n)
		t.Fatalf("first: %d events, want 2", n)
	}
	if after := riskOf(t, b); after != riskBefore-5 {
		t.Errorf("risk %d → %d, want -5 for the compromise", riskBefore, after)
	}
	again := p.eventCount(t)
	code, out = p.api(t, tok, "POST", phishingPath, first)
	if code != 200 || out["new"] != 0.0 || out["updated"] != 0.0 || out["unchanged"] != 2.0 || p.eventCount(t) != again {
		t.Fatalf("again: %d %v, %d events", code, out, p.eventCount(t)-again)
	}
	// Later: Sam reported it too (the import leaves out the open and the click).
	later := campaign("Q4", phishingJSON("acme-sam", `"reported_at":"`+after(3*time.Hour)+`"`))
	code, out = p.api(t, tok, "POST", phishingPath, later)
	if code != 200 || out["updated"] != 1.0 || out["new"] != 0.0 || p.eventCount(t) != again+1 {
		t.Fatalf("later: %d %v, %d events", code, out, p.eventCount(t)-again)
	}
	var clicked, reported bool
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT clicked_at IS NOT NULL, reported_at IS NOT NULL FROM rm_phishing.results WHERE learner_id = 'acme-sam' AND campaign_id = 'Q4'`).Scan(&clicked, &reported); err != nil || !clicked || !reported {
		t.Fatalf("read model: clicked %v reported %v (%v)", clicked, reported, err)
	}
	if after := riskOf(t, b); after != riskBefore-5+2 {
		t.Errorf("risk %d → %d, want -5+2 after the report", riskBefore, after)
	}
	if r := b.get("/stats"); !strings.Contains(r.body, `<span class="tile-num">5</span><span class="tile-label">simulations received</span>`) ||
		!strings.Contains(r.body, `<span class="tile-num">3</span><span class="tile-label">reports made</span>`) || !strings.Contains(r.body, "Campaign Q4") {
		t.Error("My Stats does not show the new result")
	}
	if n := points() - pointsBefore; n != 2 {
		t.Errorf("score history: %d new points, want 2 (the compromise, the report)", n)
	}
	// Five identical imports at once: stored once (each learner's stream
	// decides; a conflicting append decides again and finds it recorded).
	parallel := campaign("P5", phishingJSON("acme-sam", `"reported_at":"`+after(time.Hour)+`"`), phishingJSON("acme-jamie"))
	atOnce := p.eventCount(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored := 0.0
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, out := p.api(t, tok, "POST", phishingPath, parallel)
			if code != 200 {
				t.Errorf("parallel: %d %v", code, out)
				return
			}
			mu.Lock()
			stored += out["new"].(float64)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if n := p.eventCount(t) - atOnce; n != 2 || stored != 2 {
		t.Fatalf("five at once: %d events, %v new in the answers, want 2", n, stored)
	}
	// Two campaigns in one import, each result naming its own.
	two := fmt.Sprintf(`{"results":[%s,%s]}`,
		phishingJSON("acme-avery", `"campaign_id":"A1"`, `"campaign_name":"One"`, `"sent_at":"`+after(0)+`"`),
		phishingJSON("acme-avery", `"campaign_id":"A2"`, `"campaign_name":"Two"`, `"sent_at":"`+after(0)+`"`, `"reported_at":"`+after(time.Minute)+`"`))
	if code, out := p.api(t, tok, "POST", phishingPath, two); code != 200 || out["new"] != 2.0 || out["learners"] != 1.0 {
		t.Fatalf("two campaigns: %d %v", code, out)
	}
}

// TestPhishingIngest10000: 10,000 results (100 learners × 100 campaigns)
// in one request are stored, one append per learner, in a few seconds.
func TestPhishingIngest10000(t *testing.T) {
	// Not parallel, like TestBreachIngest10000: long projection
	// transactions would hold back the read models of tests beside it.
	p := start(t)
	ctx := t.Context()
	tok := p.token(t, "northwind")
	const learners, each = 100, 100
	meta := eventstore.Metadata{ActorID: "test", TenantID: "northwind"}
	for i := range learners {
		id := fmt.Sprintf("northwind.bulk%03d", i)
		in := dir.LearnerProvisioned{LearnerID: id, ClientID: "acme", Email: fmt.Sprintf("bulk%03d@acme.example", i), FirstName: "Bulk", Source: dir.SourceManual}
		evs, err := dir.Provision(&dir.Learner{}, &tenancy.Client{ID: "acme"}, in, testEpoch)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.app.Repo.Append(ctx, dir.LearnerStream(id), eventstore.NoStream, meta, evs...); err != nil {
			t.Fatal(err)
		}
	}
	p.waitProjections(t)
	var rs []string
	for i := range learners {
		for j := range each {
			rs = append(rs, phishingJSON(fmt.Sprintf("bulk%03d", i), fmt.Sprintf(`"campaign_id":"bulk-%03d"`, j), fmt.Sprintf(`"campaign_name":"Bulk campaign %d"`, j),
				`"sent_at":"`+after(0)+`"`, `"opened_at":"`+after(time.Hour)+`"`, `"reported_at":"`+after(2*time.Hour)+`"`))
		}
	}
	body := `{"template":"bulk","results":[` + strings.Join(rs, ",") + `]}`
	before := p.eventCount(t)
	start := time.Now()
	code, out := p.api(t, tok, "POST", phishingPath, body)
	took := time.Since(start)
	t.Logf("10,000 results (%d KB) for %d learners: %s", len(body)>>10, learners, took.Round(time.Millisecond))
	if code != 200 || out["new"] != float64(learners*each) || out["learners"] != float64(learners) {
		t.Fatalf("%d %v", code, out)
	}
	if took > 20*time.Second {
		t.Errorf("10,000 results took %s", took)
	}
	if n := p.eventCount(t) - before; n != learners*each {
		t.Errorf("%d events, want %d", n, learners*each)
	}
	p.waitProjections(t)
	var rows int
	if err := p.db.Pool.QueryRow(ctx, `SELECT count(*) FROM rm_phishing.results WHERE campaign_id LIKE 'bulk-%'`).Scan(&rows); err != nil || rows != learners*each {
		t.Fatalf("read model has %d results (%v)", rows, err)
	}
	start = time.Now()
	code, out = p.api(t, tok, "POST", phishingPath, body)
	t.Logf("the same 10,000 again: %s", time.Since(start).Round(time.Millisecond))
	if code != 200 || out["new"] != 0.0 || out["unchanged"] != float64(learners*each) {
		t.Fatalf("again: %d %v", code, out)
	}
}

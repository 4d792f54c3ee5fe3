package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awareportal/portal/domain/mailing"
	"github.com/awareportal/portal/internal/admin"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/seed"
)

// breachJSON is one record of an ingestion.
func breachJSON(email, id, classes string) string {
	return fmt.Sprintf(`{"email":%q,"source_id":%q,"name":"Breach %s","domain":"%s.example","breach_date":"2025-03-01","disclosed_date":"2025-04-01","data_classes":[%s]}`,
		email, id, id, strings.ToLower(id), classes)
}

func records(rs ...string) string { return `{"records":[` + strings.Join(rs, ",") + `]}` }

// TestBreachesPage: Sam (Acme, monitoring on) has a Breaches link and
// page: active breaches by tier with what to do, the resolved one below;
// My Stats shows the active count and the password callout. Marking the
// password breach resolved (htmx) swaps the row and the count; the
// callout goes. With Acme's switch (or Northwind's master switch) off, the
// link is gone, every Breaches URL is a 404, the callout too, and the data
// is kept for when it comes back on.
func TestBreachesPage(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	b := p.browser(t)
	signIn(t, p, b, sam)
	courses := b.get("/courses")
	if !strings.Contains(courses.body, `href="/breaches"`) {
		t.Fatal("no Breaches link in Sam's nav")
	}
	r := b.get("/breaches")
	if r.status != 200 || r.header.Get("Vary") == "" {
		t.Fatalf("/breaches: %d", r.status)
	}
	pw, pi, de, res := strings.Index(r.body, "Password Exposed"), strings.Index(r.body, "Personal Info Exposed"), strings.Index(r.body, "Data Exposed"), strings.Index(r.body, `id="tier-resolved"`)
	if pw < 0 || pi < 0 || de < 0 || res < 0 || !(pw < pi && pi < res) {
		t.Fatalf("tiers missing or out of order: %d %d %d %d", pw, pi, de, res)
	}
	for _, want := range []string{"ShopRight", "TravelNest", "GameHub Forums", "Change that password now", "Partial credit card data", "Resolved", "Nothing to do", `<strong class="breachcount-active">2</strong>`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	stats := b.get("/stats")
	if !strings.Contains(stats.body, "breachcallout") || !strings.Contains(stats.body, `<span class="breachstat-n">2</span>`) {
		t.Fatal("My Stats: no callout or count of 2")
	}
	riskBefore := riskOf(t, b)

	// Resolve the password breach with htmx: the row and the count swap.
	token := b.csrf("/breaches")
	sw := b.do("POST", "/breaches/ShopRight2024/resolve", url.Values{"note": {"password"}}, map[string]string{"HX-Request": "true", "X-CSRF-Token": token})
	if sw.status != 200 || !strings.Contains(sw.body, `data-breach="ShopRight2024"`) || !strings.Contains(sw.body, "I changed the password") ||
		!strings.Contains(sw.body, `id="breachcount"`) || !strings.Contains(sw.body, `hx-swap-oob="true"`) || !strings.Contains(sw.body, `<strong class="breachcount-active">1</strong>`) {
		t.Fatalf("resolve swap: %d\n%s", sw.status, sw.body)
	}
	stats = b.get("/stats")
	if strings.Contains(stats.body, "breachcallout") || !strings.Contains(stats.body, `<span class="breachstat-n">1</span>`) {
		t.Fatal("My Stats after resolving: callout still there or count not 1")
	}
	if after := riskOf(t, b); after != riskBefore+10 {
		t.Errorf("risk %d → %d, want +10 for the resolved password breach", riskBefore, after)
	}
	// Reopen it, and resolve it again without htmx (303 back to the page).
	if r := b.do("POST", "/breaches/ShopRight2024/reopen", url.Values{}, map[string]string{"HX-Request": "true", "X-CSRF-Token": token}); r.status != 200 || !strings.Contains(r.body, "Mark resolved") {
		t.Fatalf("reopen: %d", r.status)
	}
	if r := b.post("/breaches/ShopRight2024/resolve", url.Values{"other": {"Rotated it in the password manager"}}, token); r.status != 303 {
		t.Fatalf("resolve without htmx: %d", r.status)
	}
	if r := b.get("/breaches"); !strings.Contains(r.body, "Rotated it in the password manager") {
		t.Fatal("the free-text note is not shown")
	}
	// A note over 500 characters: 422, the row comes back with the text.
	long := strings.Repeat("x", 501)
	if r := b.do("POST", "/breaches/TravelNest/resolve", url.Values{"other": {long}}, map[string]string{"HX-Request": "true", "X-CSRF-Token": token}); r.status != 422 ||
		!strings.Contains(r.body, "at most 500 characters") || !strings.Contains(r.header.Get("HX-Trigger"), "500 characters") {
		t.Fatalf("long note: %d %s", r.status, r.header.Get("HX-Trigger"))
	}
	if r := b.do("POST", "/breaches/TravelNest/resolve", url.Values{"note": {"bribe"}}, map[string]string{"HX-Request": "true", "X-CSRF-Token": token}); r.status != 422 {
		t.Fatalf("unknown choice: %d", r.status)
	}
	// Forged and other people's ids: 404. Riley (same client) has none of Sam's.
	for _, path := range []string{"/breaches/NoSuchBreach/resolve", "/breaches/..%2f..%2fetc/resolve", "/breaches/" + strings.Repeat("a", 300) + "/reopen"} {
		if r := b.post(path, url.Values{}, token); r.status != 404 {
			t.Errorf("%s: %d, want 404", path, r.status)
		}
	}
	riley := p.browser(t)
	signIn(t, p, riley, seed.MicrosoftEmail)
	if r := riley.get("/breaches"); r.status != 200 || !strings.Contains(r.body, "does not appear in any breach") {
		t.Fatalf("Riley's empty page: %d", r.status)
	}
	if r := riley.post("/breaches/TravelNest/resolve", url.Values{}, riley.csrf("/breaches")); r.status != 404 {
		t.Fatalf("Riley resolves Sam's breach: %d", r.status)
	}

	off := func(path, body string) {
		t.Helper()
		if code, out := p.api(t, tok, "PUT", path, body); code != 200 {
			t.Fatalf("PUT %s: %d %v", path, code, out)
		}
	}
	gone := func(when string) {
		t.Helper()
		if r := b.get("/courses"); strings.Contains(r.body, `href="/breaches"`) {
			t.Errorf("%s: the Breaches link is still there", when)
		}
		for _, r := range []response{b.get("/breaches"), b.post("/breaches/TravelNest/resolve", url.Values{}, token), b.post("/breaches/ShopRight2024/reopen", url.Values{}, token)} {
			if r.status != 404 {
				t.Errorf("%s: %d, want 404", when, r.status)
			}
		}
		if r := b.get("/stats"); strings.Contains(r.body, "breachstat") || strings.Contains(r.body, "/breaches") {
			t.Errorf("%s: My Stats still mentions breaches", when)
		}
	}
	off("/api/v1/clients/acme/breach-monitoring", `{"enabled":false}`)
	gone("client switch off")
	off("/api/v1/clients/acme/breach-monitoring", `{"enabled":true}`)
	off("/api/v1/breach-monitoring", `{"enabled":false}`)
	gone("master switch off")
	off("/api/v1/breach-monitoring", `{"enabled":true}`)
	if r := b.get("/breaches"); r.status != 200 || !strings.Contains(r.body, "Rotated it in the password manager") || !strings.Contains(r.body, "TravelNest") {
		t.Fatalf("back on: %d, data not kept", r.status)
	}
	// The switches as the API shows them; another partner's client is 404.
	code, out := p.api(t, tok, "GET", "/api/v1/breach-monitoring", "")
	if code != 200 || out["enabled"] != true {
		t.Fatalf("monitoring: %d %v", code, out)
	}
	for _, c := range out["clients"].([]any) {
		c := c.(map[string]any)
		if want := c["client_id"] == "acme"; c["effective"] != want {
			t.Errorf("client %v effective %v", c["client_id"], c["effective"])
		}
	}
	if code, _ := p.api(t, p.token(t, "bluepeak"), "PUT", "/api/v1/clients/acme/breach-monitoring", `{"enabled":false}`); code != 404 {
		t.Errorf("BluePeak switches Acme: %d", code)
	}
	if code, _ := p.api(t, p.token(t, "bluepeak"), "POST", "/api/v1/clients/acme/breaches", records(breachJSON(sam, "X", `"Passwords"`))); code != 404 {
		t.Errorf("BluePeak feeds Acme: %d", code)
	}
}

// TestBreachIngestBadInput: every bad record is a 422 naming
// records[i].field, and nothing is stored, not even the good records.
func TestBreachIngestBadInput(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	good := breachJSON(sam, "Good1", `"Email addresses","Passwords"`)
	edit := func(field, value string) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(breachJSON(sam, "Bad1", `"Passwords"`)), &m)
		if value == "<drop>" {
			delete(m, field)
		} else {
			_ = json.Unmarshal([]byte(value), &m)
			var v any
			_ = json.Unmarshal([]byte(value), &v)
			m[field] = v
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	before := p.eventCount(t)
	cases := []struct {
		name, body string
		status     int
		field      string
	}{
		{"no records", `{"records":[]}`, 422, "records"},
		{"no body", ``, 400, ""},
		{"not JSON", `{"records":`, 400, ""},
		{"unknown field", `{"records":[],"colour":"red"}`, 400, ""},
		{"email", records(good, edit("email", `"not-an-email"`)), 422, "records[1].email"},
		{"email missing", records(good, edit("email", "<drop>")), 422, "records[1].email"},
		{"source_id missing", records(good, edit("source_id", "<drop>")), 422, "records[1].source_id"},
		{"source_id with a slash", records(good, edit("source_id", `"../etc"`)), 422, "records[1].source_id"},
		{"source_id too long", records(good, edit("source_id", `"`+strings.Repeat("a", 101)+`"`)), 422, "records[1].source_id"},
		{"name missing", records(good, edit("name", `""`)), 422, "records[1].name"},
		{"name too long", records(good, edit("name", `"`+strings.Repeat("n", 201)+`"`)), 422, "records[1].name"},
		{"name with a control character", records(good, edit("name", `"Ad\u0007obe"`)), 422, "records[1].name"},
		{"domain", records(good, edit("domain", `"not a domain"`)), 422, "records[1].domain"},
		{"breach_date format", records(good, edit("breach_date", `"01/03/2025"`)), 422, "records[1].breach_date"},
		{"breach_date missing", records(good, edit("breach_date", "<drop>")), 422, "records[1].breach_date"},
		{"breach_date in the future", records(good, edit("breach_date", `"2099-01-01"`)), 422, "records[1].breach_date"},
		{"disclosed before breached", records(good, edit("disclosed_date", `"2020-01-01"`)), 422, "records[1].disclosed_date"},
		{"disclosed_date missing", records(good, edit("disclosed_date", "<drop>")), 422, "records[1].disclosed_date"},
		{"no data classes", records(good, edit("data_classes", `[]`)), 422, "records[1].data_classes"},
		{"an empty data class", records(good, edit("data_classes", `["Passwords",""]`)), 422, "records[1].data_classes"},
		{"data_classes not a list", records(good, edit("data_classes", `"Passwords"`)), 400, ""},
		{"a data class too long", records(good, edit("data_classes", `["`+strings.Repeat("x", 101)+`"]`)), 422, "records[1].data_classes"},
		{"unknown client", records(good), 404, ""},
	}
	for _, c := range cases {
		path := "/api/v1/clients/acme/breaches"
		if c.name == "unknown client" {
			path = "/api/v1/clients/nope/breaches"
		}
		code, out := p.api(t, tok, "POST", path, c.body)
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
	// Many bad records: the first 20 named, and a note that there are more.
	var many []string
	for i := range 30 {
		many = append(many, breachJSON("bad-email-"+itoa(i), "B"+itoa(i), `"Passwords"`))
	}
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/breaches", records(many...)); code != 422 || len(fields(out)) != 21 || fields(out)["records"] == nil {
		t.Errorf("30 bad records: %d, %d fields", code, len(fields(out)))
	}
	// More than 16 MB: 413.
	big := `{"records":[` + strings.Repeat(good+",", 17<<20/len(good)) + good + `]}`
	if code, _ := p.api(t, tok, "POST", "/api/v1/clients/acme/breaches", big); code != 413 {
		t.Errorf("17 MB: %d, want 413", code)
	}
	if after := p.eventCount(t); after != before {
		rows, _ := p.db.Pool.Query(context.Background(), `SELECT stream, type FROM events ORDER BY seq DESC LIMIT $1`, after-before)
		for rows.Next() {
			var s, ty string
			_ = rows.Scan(&s, &ty)
			t.Log(s, ty)
		}
		rows.Close()
		t.Fatalf("refused ingestions wrote %d events", after-before)
	}
	if n := p.inbox.count(sam); n != 0 {
		t.Fatalf("refused ingestions sent %d emails", n)
	}
}

// TestBreachIngestOnceAndNotify: an ingestion stores new (source id,
// email) pairs once, counts unknown emails without storing them, and
// sends each learner with something new exactly one branded email (not
// one per record), whose link signs them into the Breaches page; the same
// ingestion again, or five identical ones at once, stores and sends
// nothing more. Learners at a client without monitoring get their
// breaches stored and no email.
func TestBreachIngestOnceAndNotify(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	body := records(
		breachJSON(sam, "Fresh1", `"Email addresses","Passwords"`),
		breachJSON(strings.ToUpper(sam), "Fresh2", `"Email addresses","Credit cards"`),
		breachJSON(sam, "Fresh2", `"Email addresses","Credit cards"`),     // a repeat in the same request
		breachJSON(sam, "ShopRight2024", `"Email addresses","Passwords"`), // known from the seed
		breachJSON("nobody@acme.example", "Fresh1", `"Passwords"`),
		breachJSON("pat.person@initech.example", "Fresh1", `"Passwords"`), // another client's learner: unknown here
	)
	before := p.eventCount(t)
	code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/breaches", body)
	if code != 200 || out["new"] != 2.0 || out["known"] != 2.0 || out["unknown_emails"] != 2.0 || out["learners"] != 1.0 || out["notified"] != 1.0 || out["records"] != 6.0 {
		t.Fatalf("first ingestion: %d %v", code, out)
	}
	m := p.inbox.waitFor(t, sam, 1)
	if m.Subject != "Your work email appeared in 2 data breaches" || !strings.Contains(m.HTML, "Northwind IT") || !strings.Contains(m.HTML, "#0b7285") ||
		!strings.Contains(m.Text, "Breach Fresh1: Password Exposed") || !strings.Contains(m.Text, "Breach Fresh2: Personal Info Exposed") || strings.Contains(m.Text, "ShopRight") {
		t.Fatalf("notification: %q\n%s", m.Subject, m.Text)
	}
	// The link signs Sam in for 7 days and lands on Breaches.
	link := linkIn(t, m)
	b := p.browser(t)
	landing := b.get(link)
	u, _ := url.Parse(link)
	if r := b.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, csrfRe.FindStringSubmatch(landing.body)[1]); r.status != 303 || r.header.Get("Location") != "/breaches" {
		t.Fatalf("the link leads to %d %s, want /breaches", r.status, r.header.Get("Location"))
	}
	if r := b.get("/breaches"); !strings.Contains(r.body, "Breach Fresh1") || !strings.Contains(r.body, `<strong class="breachcount-active">4</strong>`) {
		t.Fatal("the new breaches are not on the page")
	}
	if n := p.eventCount(t) - before; n < 1 {
		t.Fatal("nothing stored")
	}

	// Again, once and five times at once: nothing new, no email.
	again := p.eventCount(t)
	code, out = p.api(t, tok, "POST", "/api/v1/clients/acme/breaches", body)
	if code != 200 || out["new"] != 0.0 || out["known"] != 4.0 || out["notified"] != 0.0 {
		t.Fatalf("second ingestion: %d %v", code, out)
	}
	parallel := records(breachJSON(sam, "Fresh3", `"Email addresses"`), breachJSON(seed.GoogleEmail, "Fresh3", `"Email addresses"`))
	var wg sync.WaitGroup
	news := make([]float64, 5)
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, out := p.api(t, tok, "POST", "/api/v1/clients/acme/breaches", parallel)
			news[i], _ = out["new"].(float64)
		}()
	}
	wg.Wait()
	total := 0.0
	for _, n := range news {
		total += n
	}
	if total != 2 {
		t.Errorf("5 parallel ingestions stored %v new breaches, want 2 in all", news)
	}
	p.inbox.waitFor(t, sam, 2)
	p.inbox.waitFor(t, seed.GoogleEmail, 1)
	p.waitProjections(t)
	p.clock.Advance(2 * time.Minute)
	if n, err := p.app.Breaches.Sweep(context.Background()); err != nil || n != 0 {
		t.Errorf("sweep after all emails were queued: %d %v", n, err)
	}
	time.Sleep(2 * time.Second)
	if n := p.inbox.count(sam); n != 2 {
		t.Errorf("Sam got %d emails, want 2 (one per ingestion that found something new)", n)
	}
	if n := p.inbox.count(seed.GoogleEmail); n != 1 {
		t.Errorf("Avery got %d emails, want 1", n)
	}
	// Avery's client signs Google learners in with Google: since Acme did
	// not turn email links off, the link still signs in.
	if m := p.inbox.waitFor(t, seed.GoogleEmail, 1); !strings.Contains(m.Text, "/signin/link/") {
		t.Errorf("Avery's link: %s", m.Text)
	}
	_ = again

	// Monitoring off for Acme: stored, no email.
	if code, _ := p.api(t, tok, "PUT", "/api/v1/clients/acme/breach-monitoring", `{"enabled":false}`); code != 200 {
		t.Fatal("switch off")
	}
	code, out = p.api(t, tok, "POST", "/api/v1/clients/acme/breaches", records(breachJSON(sam, "Quiet1", `"Passwords"`)))
	if code != 200 || out["new"] != 1.0 || out["notified"] != 0.0 {
		t.Fatalf("ingestion with monitoring off: %d %v", code, out)
	}
	p.clock.Advance(2 * time.Minute)
	p.waitProjections(t)
	if n, err := p.app.Breaches.Sweep(context.Background()); err != nil || n != 0 {
		t.Errorf("sweep with monitoring off: %d %v", n, err)
	}
	time.Sleep(time.Second)
	if n := p.inbox.count(sam); n != 2 {
		t.Errorf("monitoring off: Sam got %d emails, want still 2", n)
	}
}

// TestBreachNotificationSweep: an ingestion stored by a process that died
// before queuing its email is emailed by the sweep, once.
func TestBreachNotificationSweep(t *testing.T) {
	t.Parallel()
	p := start(t)
	ctx := t.Context()
	// The event as Ingest stores it, without the email.
	items, err := admin.CheckBreachRecords(admin.BreachImport{Records: []admin.BreachRecord{{Email: sam, SourceID: "Crash1", Name: "Crash", BreachDate: "2025-01-01", DisclosedDate: "2025-01-02", DataClasses: []string{"Passwords"}}}}, p.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	client, err := p.app.Admin.Client(ctx, "northwind", "acme")
	if err != nil {
		t.Fatal(err)
	}
	client.ID, client.PartnerID = "acme", "northwind"
	mailer := p.app.Breaches.Mail
	p.app.Breaches.Mail = failingMailer{}
	res, err := p.app.Breaches.Ingest(ctx, client, items, eventstore.Metadata{ActorID: "test"})
	p.app.Breaches.Mail = mailer
	if err != nil || res.New != 1 || res.Notified != 0 {
		t.Fatalf("ingest with a dead queue: %+v %v", res, err)
	}
	p.waitProjections(t)
	if n, err := p.app.Breaches.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep within the first minute: %d %v", n, err)
	}
	p.clock.Advance(2 * time.Minute)
	for range 2 {
		if _, err := p.app.Breaches.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	p.inbox.waitFor(t, sam, 1)
	p.waitProjections(t)
	if n, err := p.app.Breaches.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("sweep after the email was queued: %d %v", n, err)
	}
	time.Sleep(2 * time.Second)
	if n := p.inbox.count(sam); n != 1 {
		t.Errorf("%d emails, want 1", n)
	}
}

type failingMailer struct{}

func (failingMailer) Enqueue(context.Context, string, mailing.Kind, string, string, mail.Message, eventstore.Metadata) error {
	return errors.New("the process died before queuing")
}

// TestBreachIngest10000: 10,000 records (100 learners × 100 breaches) in
// one request are stored, one event per learner, in a few seconds.
func TestBreachIngest10000(t *testing.T) {
	// Not parallel: projecting 10,000 breaches holds transactions open for
	// a while, and the event log's visibility horizon is the whole
	// PostgreSQL server's, so it would hold back the read models of the
	// tests running beside it (as a rebuild does).
	p := start(t)
	ctx := t.Context()
	tok := p.token(t, "northwind")
	const learners, each = 100, 100
	for i := range learners {
		if _, err := p.app.Admin.ProvisionUser(ctx, "northwind", "acme", admin.UserInput{Email: fmt.Sprintf("bulk%03d@acme.example", i), FirstName: "Bulk"}, eventstore.Metadata{ActorID: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	var rs []string
	for i := range learners {
		for j := range each {
			rs = append(rs, breachJSON(fmt.Sprintf("bulk%03d@acme.example", i), fmt.Sprintf("Bulk%03d", j), `"Email addresses","Passwords","Physical addresses"`))
		}
	}
	body := records(rs...)
	before := p.eventCount(t)
	start := time.Now()
	code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/breaches", body)
	took := time.Since(start)
	t.Logf("10,000 records (%d KB) for %d learners: %s", len(body)>>10, learners, took.Round(time.Millisecond))
	if code != 200 || out["new"] != float64(learners*each) || out["learners"] != float64(learners) || out["notified"] != float64(learners) {
		t.Fatalf("%d %v", code, out)
	}
	if took > 20*time.Second {
		t.Errorf("10,000 records took %s", took)
	}
	var breachEvents int
	if err := p.db.Pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE type = 'breach.exposures_recorded.v1'`).Scan(&breachEvents); err != nil {
		t.Fatal(err)
	}
	if n := p.eventCount(t) - before; n < learners || breachEvents != learners+1 { // + Sam's from the seed
		t.Errorf("%d events (%d breach events), want one breach event per learner", n, breachEvents)
	}
	p.waitProjections(t)
	var rows int
	if err := p.db.Pool.QueryRow(ctx, `SELECT count(*) FROM rm_breaches.exposures WHERE learner_id <> 'acme-sam'`).Scan(&rows); err != nil || rows != learners*each {
		t.Fatalf("read model has %d exposures (%v)", rows, err)
	}
	// Again: nothing new, and as quick.
	start = time.Now()
	code, out = p.api(t, tok, "POST", "/api/v1/clients/acme/breaches", body)
	t.Logf("the same 10,000 again: %s", time.Since(start).Round(time.Millisecond))
	if code != 200 || out["new"] != 0.0 || out["known"] != float64(learners*each) {
		t.Fatalf("again: %d %v", code, out)
	}
}

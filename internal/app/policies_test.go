package app_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/awareportal/portal/internal/seed"
)

func (p *portal) countOf(t *testing.T, eventType string) int {
	t.Helper()
	var n int
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE type = $1`, eventType).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mediaRows(t *testing.T, p *portal) int {
	return countRows(t, p, "media_blobs") + countRows(t, p, "media_uploads")
}

const policyMarkdown = "# House rules\n\nBe kind.\n\n<script>alert(1)</script>\n"

// TestPolicyAPIRefusesBadInputAndWritesNothing: every refusal is a 422
// naming its field (or a 404 for someone else's client or policy), and
// leaves the event log and the media store as they were.
func TestPolicyAPIRefusesBadInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok, other := p.token(t, "northwind"), p.token(t, "bluepeak")
	status, up := p.apiRaw(t, tok, "POST", "/api/v1/policies/documents?filename=rules.md", []byte(policyMarkdown))
	if status != 201 || up["content_type"] != "text/markdown; charset=utf-8" {
		t.Fatalf("upload Markdown: %d %v", status, up)
	}
	sha := up["sha256"].(string)
	blobs := mediaRows(t, p)
	for name, c := range map[string]struct {
		body  []byte
		field string
	}{
		"binary with a NUL":         {[]byte("hello\x00world"), "file"},
		"invalid UTF-8":             {[]byte("# Title\n\xff\xfe broken"), "file"},
		"control characters":        {[]byte("# Title\n\x1b[31mred"), "file"},
		"a video":                   {asset(t, "stop-look-report.webm"), "file"},
		"a PDF without its end":     {[]byte("%PDF-1.4\n1 0 obj\n"), "file"},
		"Markdown larger than 1 MB": {[]byte(strings.Repeat("a", 1<<20+1)), "file"},
		"an empty body":             {nil, "file"},
	} {
		status, out := p.apiRaw(t, tok, "POST", "/api/v1/policies/documents?filename=x.md", c.body)
		if status != 422 || fields(out)[c.field] == nil {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
	if mediaRows(t, p) != blobs {
		t.Fatal("a refused upload stored something")
	}
	bluepeakUp := func() string {
		_, o := p.apiRaw(t, other, "POST", "/api/v1/policies/documents?filename=theirs.md", []byte("# Theirs\n"))
		return o["sha256"].(string)
	}()
	events, blobs := p.eventCount(t), mediaRows(t, p)
	for name, c := range map[string]struct{ body, field string }{
		"no id":                      {`{"title":"House rules","version":1,"document":"` + sha + `"}`, "id"},
		"a bad id":                   {`{"id":"House Rules!","title":"House rules","version":1,"document":"` + sha + `"}`, "id"},
		"no title":                   {`{"id":"rules","version":1,"document":"` + sha + `"}`, "title"},
		"a title too long":           {`{"id":"rules","title":"` + strings.Repeat("x", 201) + `","version":1,"document":"` + sha + `"}`, "title"},
		"a title with a control":     {`{"id":"rules","title":"a\u0007b","version":1,"document":"` + sha + `"}`, "title"},
		"no version":                 {`{"id":"rules","title":"House rules","document":"` + sha + `"}`, "version"},
		"a version as text":          {`{"id":"rules","title":"House rules","version":"3","document":"` + sha + `"}`, "version"},
		"a fractional version":       {`{"id":"rules","title":"House rules","version":1.5,"document":"` + sha + `"}`, "version"},
		"version zero":               {`{"id":"rules","title":"House rules","version":0,"document":"` + sha + `"}`, "version"},
		"no document":                {`{"id":"rules","title":"House rules","version":1}`, "document"},
		"a document that is no hash": {`{"id":"rules","title":"House rules","version":1,"document":"abc"}`, "document"},
		"another partner's document": {`{"id":"rules","title":"House rules","version":1,"document":"` + bluepeakUp + `"}`, "document"},
		"a video upload":             {`{"id":"rules","title":"House rules","version":1,"document":"` + strings.Repeat("0", 64) + `"}`, "document"},
	} {
		status, out := p.api(t, tok, "POST", "/api/v1/policies", c.body)
		if status != 422 || fields(out)[c.field] == nil {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
	if p.eventCount(t) != events || mediaRows(t, p) != blobs {
		t.Fatal("a refused publish wrote something")
	}

	// Published; the same again changes nothing.
	body := `{"id":"rules","title":"House rules","version":1,"document":"` + sha + `"}`
	status, pol := p.api(t, tok, "POST", "/api/v1/policies", body)
	if status != 201 || pol["id"] != "rules" || pol["version"] != 1.0 {
		t.Fatalf("publish: %d %v", status, pol)
	}
	events = p.eventCount(t)
	if status, _ := p.api(t, tok, "POST", "/api/v1/policies", body); status != 201 || p.eventCount(t) != events {
		t.Fatalf("publishing the same again: %d, %d events more", status, p.eventCount(t)-events)
	}
	// Version rules.
	_, up2 := p.apiRaw(t, tok, "POST", "/api/v1/policies/documents?filename=rules2.md", []byte("# House rules v2\n"))
	for name, b := range map[string]string{
		"the same version with another document": `{"id":"rules","title":"House rules","version":1,"document":"` + up2["sha256"].(string) + `"}`,
	} {
		if status, out := p.api(t, tok, "POST", "/api/v1/policies", b); status != 422 || fields(out)["version"] == nil {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
	// Tenancy: another partner sees none of it.
	if status, _ := p.api(t, other, "GET", "/api/v1/policies/rules", ""); status != 404 {
		t.Fatalf("another partner's policy: %d", status)
	}
	if status, out := p.api(t, other, "POST", "/api/v1/policies", `{"id":"rules","title":"Theirs","version":2,"document":"`+bluepeakUp+`"}`); status != 201 || out["title"] != "Theirs" {
		t.Fatalf("the same id at another partner is theirs: %d %v", status, out)
	}
	if status, out := p.api(t, tok, "GET", "/api/v1/policies/rules", ""); status != 200 || out["title"] != "House rules" {
		t.Fatalf("own policy after another partner used the id: %d %v", status, out)
	}

	// Assignments.
	events = p.eventCount(t)
	for name, c := range map[string]struct {
		path, body string
		status     int
		field      string
	}{
		"another partner's client":    {"/api/v1/clients/globex/policies/rules/assignments", `{"due_at":"2026-12-31"}`, 404, ""},
		"an unknown client":           {"/api/v1/clients/nope/policies/rules/assignments", `{"due_at":"2026-12-31"}`, 404, ""},
		"an unknown policy":           {"/api/v1/clients/acme/policies/nope/assignments", `{"due_at":"2026-12-31"}`, 404, ""},
		"another partner's policy":    {"/api/v1/clients/acme/policies/" + strings.TrimPrefix(seed.OutstandingPolicyID, "northwind.") + "x/assignments", `{"due_at":"2026-12-31"}`, 404, ""},
		"no due date":                 {"/api/v1/clients/acme/policies/rules/assignments", `{}`, 422, "due_at"},
		"a bad due date":              {"/api/v1/clients/acme/policies/rules/assignments", `{"due_at":"soon"}`, 422, "due_at"},
		"a due date in the past":      {"/api/v1/clients/acme/policies/rules/assignments", `{"due_at":"2020-01-01"}`, 422, "due_at"},
		"a learner of another client": {"/api/v1/clients/acme/policies/rules/assignments", `{"due_at":"2026-12-31","learner_ids":["acme-sam","globex-jordan"]}`, 422, "learner_ids"},
		"a learner id that is no id":  {"/api/v1/clients/acme/policies/rules/assignments", `{"due_at":"2026-12-31","learner_ids":["a b"]}`, 422, "learner_ids"},
		"a bad request id":            {"/api/v1/clients/acme/policies/rules/assignments", `{"due_at":"2026-12-31","request_id":"a b"}`, 422, "request_id"},
	} {
		status, out := p.api(t, tok, "POST", c.path, c.body)
		if status != c.status || (c.field != "" && fields(out)[c.field] == nil) {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
	// Bluepeak's policy "rules" is not Northwind's, and Northwind's client not Bluepeak's.
	if status, _ := p.api(t, other, "POST", "/api/v1/clients/acme/policies/rules/assignments", `{"due_at":"2026-12-31"}`); status != 404 {
		t.Errorf("Bluepeak assigning at Northwind's client: %d", status)
	}
	if p.eventCount(t) != events {
		t.Fatal("a refused assignment wrote events")
	}
	// Idempotent: the same request answers the same, and writes once.
	assign := `{"due_at":"2026-12-31","learner_ids":["acme-sam","acme-riley"],"request_id":"r-1"}`
	status, out := p.api(t, tok, "POST", "/api/v1/clients/acme/policies/rules/assignments", assign)
	if status != 201 || len(out["assigned"].([]any)) != 2 {
		t.Fatalf("assign: %d %v", status, out)
	}
	events = p.eventCount(t)
	if status, again := p.api(t, tok, "POST", "/api/v1/clients/acme/policies/rules/assignments", assign); status != 201 || len(again["assigned"].([]any)) != 2 || p.eventCount(t) != events {
		t.Fatalf("the same request again: %d %v (%d events more)", status, again, p.eventCount(t)-events)
	}
	if status, all := p.api(t, tok, "POST", "/api/v1/clients/acme/policies/rules/assignments", `{"due_at":"2026-12-31"}`); status != 201 || len(all["skipped"].([]any)) != 2 || len(all["assigned"].([]any)) == 0 {
		t.Fatalf("the whole client: %d %v", status, all)
	}
	if status, list := p.api(t, tok, "GET", "/api/v1/policies", ""); status != 200 || len(list["policies"].([]any)) != 3 {
		t.Fatalf("list: %d %v", status, list)
	}
}

// TestSignPolicy: Sam signs the seeded outstanding policy over HTTP: bad
// forms are refused (422, the reason on the form) and record nothing;
// parallel Signs record one signature; someone else's policy is a 404; a
// new version with resign_on_new_version makes it outstanding again.
func TestSignPolicy(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	signIn(t, p, b, sam)
	path := "/policies/" + seed.OutstandingPolicyID
	page := b.get(path)
	if page.status != 200 || !strings.Contains(page.body, "Remote Working Policy") || !strings.Contains(page.body, `<iframe class="ob-pdf"`) {
		t.Fatalf("reader: %d", page.status)
	}
	doc := b.get(path + "/document")
	if doc.status != 200 || doc.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(doc.body, "%PDF-") {
		t.Fatalf("document: %d %s", doc.status, doc.header.Get("Content-Type"))
	}
	token := csrfRe.FindStringSubmatch(page.body)[1]
	signed := p.countOf(t, "policy.signed.v1")
	hx := map[string]string{"HX-Request": "true", "X-CSRF-Token": token}
	for name, c := range map[string]struct {
		form url.Values
		says string
	}{
		"no tick":                {url.Values{"version": {"1"}, "name": {"Sam Learner"}}, "I have read and accept"},
		"no name":                {url.Values{"version": {"1"}, "accept": {"yes"}}, "Type your full name"},
		"another name":           {url.Values{"version": {"1"}, "accept": {"yes"}, "name": {"Riley Chen"}}, "Sam Learner"},
		"a name too long":        {url.Values{"version": {"1"}, "accept": {"yes"}, "name": {strings.Repeat("S", 201)}}, "at most"},
		"a tick that is not one": {url.Values{"version": {"1"}, "accept": {"on"}, "name": {"Sam Learner"}}, "I have read and accept"},
	} {
		r := b.do("POST", path+"/sign", c.form, hx)
		if r.status != 422 || !strings.Contains(r.body, c.says) || !strings.Contains(r.header.Get("HX-Trigger"), "toast") || !strings.Contains(r.body, `id="sign-form"`) {
			t.Errorf("%s: %d %q %s", name, r.status, r.header.Get("HX-Trigger"), r.body)
		}
		// Without JavaScript: the whole page, with the reason.
		nojs := b.post(path+"/sign", c.form, token)
		if nojs.status != 422 || !strings.Contains(nojs.body, c.says) || !strings.Contains(nojs.body, "Remote Working Policy") {
			t.Errorf("%s without htmx: %d", name, nojs.status)
		}
	}
	if p.countOf(t, "policy.signed.v1") != signed {
		t.Fatal("a refused Sign recorded a signature")
	}
	// Someone else's policy, and a forged id.
	riley := p.browser(t)
	signIn(t, p, riley, "riley.chen@acme.example")
	rtoken := riley.csrf("/policies")
	for _, pth := range []string{path, path + "/document", "/policies/bluepeak.rules", "/policies/%00"} {
		if r := riley.get(pth); r.status != 404 && r.status != 400 {
			t.Errorf("Riley GET %s: %d", pth, r.status)
		}
	}
	if r := riley.post(path+"/sign", url.Values{"version": {"1"}, "accept": {"yes"}, "name": {"Riley Chen"}}, rtoken); r.status != 404 {
		t.Errorf("Riley signing Sam's: %d", r.status)
	}
	// Parallel Signs: one signature.
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = b.do("POST", path+"/sign", url.Values{"version": {"1"}, "accept": {"yes"}, "name": {" sam  LEARNER "}}, hx).status
		}()
	}
	wg.Wait()
	for _, c := range codes {
		if c != 204 {
			t.Fatalf("parallel Signs answered %v", codes)
		}
	}
	if n := p.countOf(t, "policy.signed.v1"); n != signed+1 {
		t.Fatalf("%d signatures for 10 parallel Signs", n-signed)
	}
	list := b.get("/policies?signed=" + url.QueryEscape(seed.OutstandingPolicyID))
	if !strings.Contains(list.body, `id="policies-outstanding">0<`) || !strings.Contains(list.body, "Signed Remote Working Policy v1") {
		t.Fatalf("the list after signing:\n%s", list.body)
	}
	var typed, sha string
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT data->>'typed_name', data->>'sha256' FROM events WHERE type = 'policy.signed.v1' AND data->>'policy_id' = $1`, seed.OutstandingPolicyID).Scan(&typed, &sha); err != nil {
		t.Fatal(err)
	}
	if typed != "sam  LEARNER" || len(sha) != 64 {
		t.Fatalf("recorded %q %q", typed, sha)
	}

	// My activity says it, and the seed's signature too.
	if act := b.get("/activity"); !strings.Contains(act.body, "Signed Remote Working Policy v1") || !strings.Contains(act.body, "Signed Acceptable Use Policy v3") {
		t.Fatalf("My activity does not say the signatures:\n%s", act.body)
	}
	signed = p.countOf(t, "policy.signed.v1")
	tok := p.token(t, "northwind")
	_, up := p.apiRaw(t, tok, "POST", "/api/v1/policies/documents?filename=aup-v4.md", []byte("# Acceptable Use Policy\n\nVersion 4.\n"))
	if status, out := p.api(t, tok, "POST", "/api/v1/policies", `{"id":"acceptable-use","title":"Acceptable Use Policy","version":4,"document":"`+up["sha256"].(string)+`","resign_on_new_version":true}`); status != 201 || out["version"] != 4.0 {
		t.Fatalf("new version: %d %v", status, out)
	}
	again := b.get("/policies/" + seed.SignedPolicyID)
	if !strings.Contains(again.body, `id="sign-form"`) || !strings.Contains(again.body, "Version 4.") {
		t.Fatalf("a new version that asks to sign again: no Sign form\n%s", again.body)
	}
	if l := b.get("/policies"); !strings.Contains(l.body, `id="policies-outstanding">1<`) || !strings.Contains(l.body, "please sign again") {
		t.Fatalf("list after a new version:\n%s", l.body)
	}
	// A page that showed the old version cannot sign the new one.
	if r := b.do("POST", "/policies/"+seed.SignedPolicyID+"/sign", url.Values{"version": {"3"}, "accept": {"yes"}, "name": {"Sam Learner"}}, hx); r.status != 422 || !strings.Contains(r.body, "newer version") {
		t.Fatalf("signing the old version: %d", r.status)
	}
	if r := b.do("POST", "/policies/"+seed.SignedPolicyID+"/sign", url.Values{"version": {"4"}, "accept": {"yes"}, "name": {"Sam Learner"}}, hx); r.status != 204 {
		t.Fatalf("signing v4: %d", r.status)
	}
	if p.countOf(t, "policy.signed.v1") != signed+1 {
		t.Fatal("v4 not signed once")
	}
}

package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/domaintest"
	"github.com/awareportal/portal/domain/policy"
	"github.com/awareportal/portal/domain/tenancy"
)

var (
	now  = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	doc1 = policy.Document{SHA256: strings.Repeat("a", 64), ContentType: policy.ContentTypePDF, Size: 1000}
	doc2 = policy.Document{SHA256: strings.Repeat("b", 64), ContentType: policy.ContentTypeMarkdown, Size: 300}
	aup  = "northwind.aup"
)

func publish(in policy.PublishInput, at time.Time) func(*policy.Policy) ([]domain.Event, error) {
	return func(p *policy.Policy) ([]domain.Event, error) { return policy.Publish(p, "northwind", in, at) }
}

func defined(title string, resign bool) policy.Defined {
	return policy.Defined{PartnerID: "northwind", PolicyID: aup, Title: title, ResignOnNewVersion: resign, At: now}
}

func published(v int, d policy.Document, at time.Time) policy.VersionPublished {
	return policy.VersionPublished{PartnerID: "northwind", PolicyID: aup, Version: v, Document: d, At: at}
}

func TestPublish(t *testing.T) {
	in := policy.PublishInput{ID: aup, Title: "Acceptable Use Policy", Version: 1, Document: &doc1}
	t.Run("a new policy", func(t *testing.T) {
		domaintest.For(t, &policy.Policy{}).When(publish(in, now)).Then(defined("Acceptable Use Policy", false), published(1, doc1, now))
	})
	t.Run("the same again is a no-op", func(t *testing.T) {
		domaintest.For(t, &policy.Policy{}).Given(defined("Acceptable Use Policy", false), published(1, doc1, now)).When(publish(in, now)).Then()
	})
	t.Run("a new version without re-signing", func(t *testing.T) {
		v2 := in
		v2.Version, v2.Document = 2, &doc2
		later := now.Add(time.Hour)
		domaintest.For(t, &policy.Policy{}).Given(defined("Acceptable Use Policy", false), published(1, doc1, now)).When(publish(v2, later)).Then(published(2, doc2, later))
	})
	t.Run("a new version that asks everyone to sign again", func(t *testing.T) {
		v3 := in
		v3.Version, v3.Document, v3.ResignOnNewVersion = 3, &doc2, true
		later := now.Add(time.Hour)
		want := published(3, doc2, later)
		want.ResignRequired, want.ResignDueAt = true, later.Add(policy.ResignWithin)
		d := defined("Acceptable Use Policy", true)
		d.At = later
		p := domaintest.For(t, &policy.Policy{}).Given(defined("Acceptable Use Policy", false), published(1, doc1, now)).When(publish(v3, later)).Then(d, want)
		if p.MinVersion != 3 || !p.ResignDueAt.Equal(later.Add(policy.ResignWithin)) {
			t.Fatalf("min version %d due %s", p.MinVersion, p.ResignDueAt)
		}
	})
	t.Run("the first version never asks to sign again", func(t *testing.T) {
		first := in
		first.ResignOnNewVersion = true
		domaintest.For(t, &policy.Policy{}).When(publish(first, now)).Then(defined("Acceptable Use Policy", true), published(1, doc1, now))
	})
	t.Run("a title change alone", func(t *testing.T) {
		retitled := in
		retitled.Title = "AUP"
		domaintest.For(t, &policy.Policy{}).Given(defined("Acceptable Use Policy", false), published(1, doc1, now)).When(publish(retitled, now)).Then(defined("AUP", false))
	})
	refusals := map[string]struct {
		in    func(policy.PublishInput) policy.PublishInput
		field string
	}{
		"no title":            {func(i policy.PublishInput) policy.PublishInput { i.Title = " "; return i }, "title"},
		"a title too long":    {func(i policy.PublishInput) policy.PublishInput { i.Title = strings.Repeat("x", 201); return i }, "title"},
		"a control character": {func(i policy.PublishInput) policy.PublishInput { i.Title = "A\x00B"; return i }, "title"},
		"version zero":        {func(i policy.PublishInput) policy.PublishInput { i.Version = 0; return i }, "version"},
		"version huge":        {func(i policy.PublishInput) policy.PublishInput { i.Version = policy.MaxVersion + 1; return i }, "version"},
		"no document":         {func(i policy.PublishInput) policy.PublishInput { i.Document = nil; return i }, "document"},
		"a video": {func(i policy.PublishInput) policy.PublishInput {
			i.Document = &policy.Document{SHA256: doc1.SHA256, ContentType: "video/mp4", Size: 10}
			return i
		}, "document"},
		"a Markdown file too big": {func(i policy.PublishInput) policy.PublishInput {
			i.Document = &policy.Document{SHA256: doc1.SHA256, ContentType: policy.ContentTypeMarkdown, Size: policy.MaxMarkdownSize + 1}
			return i
		}, "document"},
	}
	for name, c := range refusals {
		t.Run(name, func(t *testing.T) {
			thenField(t, domaintest.For(t, &policy.Policy{}).When(publish(c.in(in), now)), c.field)
		})
	}
	t.Run("an older version", func(t *testing.T) {
		s := domaintest.For(t, &policy.Policy{}).Given(defined("Acceptable Use Policy", false), published(2, doc1, now)).When(publish(in, now))
		domaintest.ThenErrorAs(s, func(e tenancy.FieldError) {
			if e.Field != "version" {
				t.Errorf("field %s", e.Field)
			}
		})
	})
	t.Run("the same version with another document", func(t *testing.T) {
		other := in
		other.Document = &doc2
		s := domaintest.For(t, &policy.Policy{}).Given(defined("Acceptable Use Policy", false), published(1, doc1, now)).When(publish(other, now))
		domaintest.ThenErrorAs(s, func(e tenancy.FieldError) {
			if e.Field != "version" {
				t.Errorf("field %s", e.Field)
			}
		})
	})
}

func policyAt(events ...domain.Event) *policy.Policy {
	p := &policy.Policy{}
	for _, e := range events {
		p.Apply(e)
	}
	return p
}

var (
	assigned = policy.Assigned{PartnerID: "northwind", PolicyID: aup, LearnerID: "acme-sam", ClientID: "acme", Title: "Acceptable Use Policy", DueAt: now.Add(7 * 24 * time.Hour), AssignedBy: "api", RequestID: "r1", At: now}
	v1       = policyAt(defined("Acceptable Use Policy", false), published(1, doc1, now))
)

func TestAssign(t *testing.T) {
	assign := func(p *policy.Policy, in policy.Assigned) func(*policy.Request) ([]domain.Event, error) {
		return func(r *policy.Request) ([]domain.Event, error) { return policy.Assign(r, p, in, now) }
	}
	in := policy.Assigned{LearnerID: "acme-sam", ClientID: "acme", DueAt: assigned.DueAt, AssignedBy: "api", RequestID: "r1"}
	domaintest.For(t, policy.NewRequest()).When(assign(v1, in)).Then(assigned)
	domaintest.For(t, policy.NewRequest()).Given(assigned).When(assign(v1, in)).Then()
	again := in
	again.RequestID = "r2"
	domaintest.For(t, policy.NewRequest()).Given(assigned).When(assign(v1, again)).ThenError(policy.ErrAlreadyAssigned)
	domaintest.For(t, policy.NewRequest()).When(assign(&policy.Policy{}, in)).ThenError(policy.ErrUnknownPolicy)
	past := in
	past.DueAt = now
	thenField(t, domaintest.For(t, policy.NewRequest()).When(assign(v1, past)), "due_at")
}

func TestSign(t *testing.T) {
	sign := func(p *policy.Policy, in policy.SignInput) func(*policy.Request) ([]domain.Event, error) {
		return func(r *policy.Request) ([]domain.Event, error) { return policy.Sign(r, p, in, now) }
	}
	ok := policy.SignInput{FullName: "Sam Learner", TypedName: "  sam   LEARNER ", Accepted: true, Version: 1}
	signed := policy.Signed{PartnerID: "northwind", PolicyID: aup, LearnerID: "acme-sam", ClientID: "acme", Title: "Acceptable Use Policy",
		Version: 1, SHA256: doc1.SHA256, TypedName: "sam   LEARNER", Accepted: true, At: now}
	t.Run("signs the current version with its document's hash", func(t *testing.T) {
		r := domaintest.For(t, policy.NewRequest()).Given(assigned).When(sign(v1, ok)).Then(signed)
		if r.Outstanding(v1) {
			t.Fatal("still outstanding after signing")
		}
	})
	t.Run("signing the same version again is a no-op", func(t *testing.T) {
		domaintest.For(t, policy.NewRequest()).Given(assigned, signed).When(sign(v1, ok)).Then()
	})
	t.Run("refusals", func(t *testing.T) {
		for name, c := range map[string]struct {
			in    policy.SignInput
			field string
		}{
			"no tick":       {policy.SignInput{FullName: "Sam Learner", TypedName: "Sam Learner", Version: 1}, "accept"},
			"no name":       {policy.SignInput{FullName: "Sam Learner", Accepted: true, Version: 1}, "name"},
			"another name":  {policy.SignInput{FullName: "Sam Learner", TypedName: "Sam Lerner", Accepted: true, Version: 1}, "name"},
			"too long":      {policy.SignInput{FullName: "Sam Learner", TypedName: strings.Repeat("S", 201), Accepted: true, Version: 1}, "name"},
			"control chars": {policy.SignInput{FullName: "Sam Learner", TypedName: "Sam\u202eLearner", Accepted: true, Version: 1}, "name"},
		} {
			t.Run(name, func(t *testing.T) {
				thenField(t, domaintest.For(t, policy.NewRequest()).Given(assigned).When(sign(v1, c.in)), c.field)
			})
		}
		domaintest.For(t, policy.NewRequest()).When(sign(v1, ok)).ThenError(policy.ErrNotAssigned)
		old := ok
		old.Version = 0
		domaintest.For(t, policy.NewRequest()).Given(assigned).When(sign(v1, old)).ThenError(policy.ErrNewerVersion)
	})
	t.Run("a new version that asks to sign again makes it outstanding; signing it clears it", func(t *testing.T) {
		r := policy.NewRequest()
		r.Apply(assigned)
		r.Apply(signed)
		v2 := policyAt(defined("Acceptable Use Policy", false), published(1, doc1, now), published(2, doc2, now))
		if r.Outstanding(v2) {
			t.Fatal("a version without re-signing made it outstanding")
		}
		again := published(3, doc2, now)
		again.ResignRequired, again.ResignDueAt = true, now.Add(policy.ResignWithin)
		v3 := policyAt(defined("Acceptable Use Policy", true), published(1, doc1, now), published(2, doc2, now), again)
		if !r.Outstanding(v3) {
			t.Fatal("not outstanding after a version that asks to sign again")
		}
		in := ok
		in.Version = 3
		want := signed
		want.Version, want.SHA256 = 3, doc2.SHA256
		r = domaintest.For(t, policy.NewRequest()).Given(assigned, signed).When(sign(v3, in)).Then(want)
		if r.Outstanding(v3) {
			t.Fatal("still outstanding")
		}
	})
}

func TestSameName(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"Sam Learner", "sam learner", true}, {" Sam  Learner ", "Sam Learner", true}, {"SamLearner", "Sam Learner", false},
		{"", "", false}, {"Sam", "Sam Learner", false}, {"Zoë Ärger", "ZOË ÄRGER", true},
	} {
		if got := policy.SameName(c.a, c.b); got != c.same {
			t.Errorf("SameName(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func thenField[A domaintest.Aggregate](t *testing.T, s *domaintest.Scenario[A], field string) {
	t.Helper()
	domaintest.ThenErrorAs(s, func(e tenancy.FieldError) {
		if e.Field != field {
			t.Errorf("field %q, want %q (%s)", e.Field, field, e.Problem)
		}
	})
}

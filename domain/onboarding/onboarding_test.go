package onboarding_test

import (
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/domaintest"
	ob "github.com/awareportal/portal/domain/onboarding"
	"github.com/awareportal/portal/domain/tenancy"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

var (
	video    = &ob.Media{SHA256: "aa", ContentType: ob.ContentTypeWebM, Size: 10, Duration: 30 * time.Second}
	pdf      = &ob.Media{SHA256: "bb", ContentType: ob.ContentTypePDF, Size: 10}
	welcome  = ob.ModuleDefined{PartnerID: "nw", ModuleID: "welcome", Kind: ob.KindWelcome, Title: "Welcome", At: now}
	phish    = ob.ModuleDefined{PartnerID: "nw", ModuleID: "phish", Kind: ob.KindReportPhishing, Title: "Report", At: now}
	vid      = ob.ModuleDefined{PartnerID: "nw", ModuleID: "vid", Kind: ob.KindVideo, Title: "Video", Media: video, At: now}
	policy   = ob.ModuleDefined{PartnerID: "nw", ModuleID: "policy", Kind: ob.KindPolicyPDF, Title: "Policy", Media: pdf, At: now}
	defaults = ob.SequenceSet{PartnerID: "nw", ModuleIDs: []string{"welcome", "vid", "policy"}, At: now}
)

func field(t *testing.T, name string) func(tenancy.FieldError) {
	return func(e tenancy.FieldError) {
		t.Helper()
		if e.Field != name {
			t.Errorf("field %q (%s), want %q", e.Field, e.Problem, name)
		}
	}
}

func TestDefineModule(t *testing.T) {
	define := func(in ob.ModuleInput) func(*ob.Config) ([]domain.Event, error) {
		return func(c *ob.Config) ([]domain.Event, error) { return ob.DefineModule(c, "nw", in, now) }
	}
	t.Run("a welcome with the default title", func(t *testing.T) {
		domaintest.For(t, ob.NewConfig()).When(define(ob.ModuleInput{ID: "welcome", Kind: ob.KindWelcome})).Then(welcome)
	})
	t.Run("the same again is a no-op", func(t *testing.T) {
		domaintest.For(t, ob.NewConfig()).Given(welcome).When(define(ob.ModuleInput{ID: "welcome", Kind: ob.KindWelcome})).Then()
	})
	for name, tc := range map[string]struct {
		in    ob.ModuleInput
		field string
	}{
		"unknown kind":           {ob.ModuleInput{ID: "x", Kind: "quiz"}, "kind"},
		"bad id":                 {ob.ModuleInput{ID: "Not An Id", Kind: ob.KindWelcome}, "id"},
		"video without media":    {ob.ModuleInput{ID: "v", Kind: ob.KindVideo}, "media"},
		"video with a PDF":       {ob.ModuleInput{ID: "v", Kind: ob.KindVideo, Media: pdf}, "media"},
		"policy with a video":    {ob.ModuleInput{ID: "p", Kind: ob.KindPolicyPDF, Media: video}, "media"},
		"welcome with media":     {ob.ModuleInput{ID: "w", Kind: ob.KindWelcome, Media: pdf}, "media"},
		"video of no length":     {ob.ModuleInput{ID: "v", Kind: ob.KindVideo, Media: &ob.Media{ContentType: ob.ContentTypeMP4}}, "media"},
		"control chars in title": {ob.ModuleInput{ID: "w", Kind: ob.KindWelcome, Title: "a\x00b"}, "title"},
		"bidi override in text":  {ob.ModuleInput{ID: "w", Kind: ob.KindWelcome, Text: "hello \u202e"}, "text"},
	} {
		t.Run(name, func(t *testing.T) {
			domaintest.ThenErrorAs(domaintest.For(t, ob.NewConfig()).When(define(tc.in)), field(t, tc.field))
		})
	}
}

func TestSetSequence(t *testing.T) {
	set := func(client string, s ob.Sequence) func(*ob.Config) ([]domain.Event, error) {
		return func(c *ob.Config) ([]domain.Event, error) { return ob.SetSequence(c, "nw", client, s, now) }
	}
	given := func(t *testing.T) *domaintest.Scenario[*ob.Config] {
		return domaintest.For(t, ob.NewConfig()).Given(welcome, vid, policy)
	}
	t.Run("the partner default", func(t *testing.T) {
		given(t).When(set("", ob.Sequence{ModuleIDs: []string{"welcome", "vid", "policy"}})).Then(defaults)
	})
	t.Run("a client's own, then inherit again", func(t *testing.T) {
		c := given(t).When(set("acme", ob.Sequence{ModuleIDs: []string{"policy"}})).
			Then(ob.SequenceSet{PartnerID: "nw", ClientID: "acme", ModuleIDs: []string{"policy"}, At: now})
		domaintest.For(t, c).When(set("acme", ob.Sequence{Inherit: true})).
			Then(ob.SequenceSet{PartnerID: "nw", ClientID: "acme", Inherit: true, At: now})
	})
	t.Run("a client that never chose inherits already", func(t *testing.T) {
		given(t).When(set("acme", ob.Sequence{Inherit: true})).Then()
	})
	for name, tc := range map[string]struct {
		client string
		seq    ob.Sequence
		field  string
	}{
		"empty":                   {"", ob.Sequence{}, "modules"},
		"unknown module":          {"", ob.Sequence{ModuleIDs: []string{"welcome", "other-partners"}}, "modules"},
		"twice":                   {"", ob.Sequence{ModuleIDs: []string{"welcome", "welcome"}}, "modules"},
		"default that inherits":   {"", ob.Sequence{Inherit: true}, "inherit"},
		"inherit with a sequence": {"acme", ob.Sequence{Inherit: true, ModuleIDs: []string{"welcome"}}, "modules"},
	} {
		t.Run(name, func(t *testing.T) {
			domaintest.ThenErrorAs(given(t).When(set(tc.client, tc.seq)), field(t, tc.field))
		})
	}
	t.Run("a removed module cannot be listed", func(t *testing.T) {
		s := given(t).Given(ob.ModuleRemoved{PartnerID: "nw", ModuleID: "vid"}).When(set("", ob.Sequence{ModuleIDs: []string{"vid"}}))
		domaintest.ThenErrorAs(s, field(t, "modules"))
	})
}

func TestSequenceOf(t *testing.T) {
	c := ob.NewConfig()
	for _, e := range []domain.Event{welcome, phish, vid, policy, defaults, ob.SequenceSet{PartnerID: "nw", ClientID: "acme", ModuleIDs: []string{"phish", "welcome"}}, ob.ModuleRemoved{PartnerID: "nw", ModuleID: "vid"}} {
		c.Apply(e)
	}
	for client, want := range map[string][]string{"": {"welcome", "policy"}, "globex": {"welcome", "policy"}, "acme": {"phish", "welcome"}} {
		var got []string
		for _, m := range c.SequenceOf(client) {
			got = append(got, m.ID)
		}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("%q: %v, want %v", client, got, want)
		}
	}
}

func TestCompleteInOrder(t *testing.T) {
	c := ob.NewConfig()
	for _, e := range []domain.Event{welcome, vid, policy, defaults} {
		c.Apply(e)
	}
	seq := c.SequenceOf("acme")
	complete := func(id string, ack bool, at time.Time) func(*ob.Progress) ([]domain.Event, error) {
		return func(p *ob.Progress) ([]domain.Event, error) { return ob.Complete(p, "sam", seq, id, ack, at) }
	}
	done := func(id string, kind ob.Kind, title string, ack bool, at time.Time) ob.ModuleCompleted {
		return ob.ModuleCompleted{LearnerID: "sam", ModuleID: id, Kind: kind, Title: title, Acknowledged: ack, At: at}
	}
	t.Run("no skipping ahead", func(t *testing.T) {
		domaintest.For(t, ob.NewProgress()).When(complete("policy", true, now)).ThenError(ob.ErrNotNext)
	})
	t.Run("welcome, then the video only once its length has passed", func(t *testing.T) {
		p := domaintest.For(t, ob.NewProgress()).When(complete("welcome", false, now)).Then(done("welcome", ob.KindWelcome, "Welcome", false, now))
		domaintest.For(t, p).When(complete("vid", false, now)).ThenError(ob.ErrTooSoon) // never opened
		p.Apply(ob.ModuleOpened{LearnerID: "sam", ModuleID: "vid", At: now})
		domaintest.For(t, p).When(complete("vid", false, now.Add(20*time.Second))).ThenError(ob.ErrTooSoon)
		at := now.Add(30*time.Second - ob.VideoSlack)
		p = domaintest.For(t, p).When(complete("vid", false, at)).Then(done("vid", ob.KindVideo, "Video", false, at))
		domaintest.ThenErrorAs(domaintest.For(t, p).When(complete("policy", false, at)), field(t, "acknowledged"))
		p = domaintest.For(t, p).When(complete("policy", true, at)).Then(done("policy", ob.KindPolicyPDF, "Policy", true, at))
		domaintest.For(t, p).When(complete("welcome", false, at)).Then() // done already: a no-op
		if _, _, pending := p.Next(seq); pending {
			t.Fatal("still pending after the last module")
		}
	})
	t.Run("a module added later is the only one pushed", func(t *testing.T) {
		p := ob.NewProgress()
		for _, id := range []string{"welcome", "vid", "policy"} {
			p.Apply(ob.ModuleCompleted{LearnerID: "sam", ModuleID: id, At: now})
		}
		c.Apply(phish)
		c.Apply(ob.SequenceSet{PartnerID: "nw", ModuleIDs: []string{"welcome", "phish", "vid", "policy"}})
		next, step, pending := p.Next(c.SequenceOf("acme"))
		if !pending || next.ID != "phish" || step != 2 {
			t.Fatalf("next %q step %d pending %v, want phish at step 2", next.ID, step, pending)
		}
	})
}

func TestWelcomeOnce(t *testing.T) {
	queue := func(id string) func(*ob.Progress) ([]domain.Event, error) {
		return func(p *ob.Progress) ([]domain.Event, error) { return ob.QueueWelcome(p, "sam", id, now), nil }
	}
	p := domaintest.For(t, ob.NewProgress()).When(queue("m1")).Then(ob.WelcomeMailQueued{LearnerID: "sam", MailID: "m1", At: now})
	domaintest.For(t, p).When(queue("m1")).Then()
}

func TestHelpDesk(t *testing.T) {
	set := func(desk string) func(*ob.Config) ([]domain.Event, error) {
		return func(c *ob.Config) ([]domain.Event, error) {
			return ob.SetDetails(c, "nw", "acme", ob.Details{HelpDesk: desk}, now)
		}
	}
	for desk, want := range map[string]string{
		"help@acme.example":             "help@acme.example",
		"HTTPS://help.acme.example/new": "https://help.acme.example/new",
	} {
		domaintest.For(t, ob.NewConfig()).When(set(desk)).Then(ob.ClientDetailsSet{PartnerID: "nw", ClientID: "acme", HelpDesk: want, At: now})
	}
	for _, desk := range []string{"javascript:alert(1)", "a@b", "x@y.example?cc=evil@evil.example", "https://%0a", `https://evil.example\@help.acme.example`,
		"https://user@help.acme.example", "http://help.acme.example", "https://", "help desk"} {
		t.Run(desk, func(t *testing.T) {
			domaintest.ThenErrorAs(domaintest.For(t, ob.NewConfig()).When(set(desk)), field(t, "help_desk"))
		})
	}
}

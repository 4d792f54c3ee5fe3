package identity_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/identity"
	"github.com/awareportal/portal/domain/signin"
)

const (
	acmeTenant  = "11111111-1111-4111-8111-111111111111"
	otherTenant = "22222222-2222-4222-8222-222222222222"
)

var (
	riley   = identity.Candidate{LearnerID: "acme-riley", Source: directory.SourceMicrosoft, MicrosoftTenantID: acmeTenant, GoogleDomain: "acme.example"}
	avery   = identity.Candidate{LearnerID: "acme-avery", Source: directory.SourceGoogle, MicrosoftTenantID: acmeTenant, GoogleDomain: "acme.example"}
	sam     = identity.Candidate{LearnerID: "acme-sam", Source: directory.SourceManual, MicrosoftTenantID: acmeTenant}
	unbound = identity.Candidate{LearnerID: "x-riley", Source: directory.SourceMicrosoft}

	microsoft = identity.Claims{Provider: signin.MethodMicrosoft, Subject: acmeTenant + ":oid-1", TenantID: acmeTenant, Email: "riley@acme.example"}
	google    = identity.Claims{Provider: signin.MethodGoogle, Subject: "g-1", Email: "avery@acme.example", HostedDomain: "acme.example"}
)

func thenRejected(t *testing.T, d identity.Decision, reason signin.Reason, right signin.Method) {
	t.Helper()
	if d.Accepted() || d.Rejection.Reason != reason || d.Rejection.RightMethod != right {
		t.Fatalf("decision = %+v, want rejection %s (right method %q)", d, reason, right)
	}
}

func thenAccepted(t *testing.T, d identity.Decision, learners, link []string) {
	t.Helper()
	if !d.Accepted() || !reflect.DeepEqual(d.LearnerIDs, learners) || !reflect.DeepEqual(d.Link, link) {
		t.Fatalf("decision = %+v, want learners %v, link %v", d, learners, link)
	}
}

func TestDecideMicrosoft(t *testing.T) {
	t.Run("first sign-in from the bound tenant links by email", func(t *testing.T) {
		thenAccepted(t, identity.Decide(microsoft, nil, []identity.Candidate{riley}), []string{"acme-riley"}, []string{"acme-riley"})
	})
	t.Run("later sign-ins use the link, whatever the email says now", func(t *testing.T) {
		c := microsoft
		c.Email = "renamed@acme.example"
		thenAccepted(t, identity.Decide(c, []identity.Candidate{riley}, nil), []string{"acme-riley"}, nil)
	})
	t.Run("the same email from another tenant is not trusted (nOAuth)", func(t *testing.T) {
		c := microsoft
		c.TenantID, c.Subject = otherTenant, otherTenant+":oid-9"
		thenRejected(t, identity.Decide(c, nil, []identity.Candidate{riley}), signin.ReasonWrongTenant, signin.MethodMicrosoft)
	})
	t.Run("a client with no bound tenant trusts no Microsoft email", func(t *testing.T) {
		thenRejected(t, identity.Decide(microsoft, nil, []identity.Candidate{unbound}), signin.ReasonWrongTenant, signin.MethodMicrosoft)
	})
	t.Run("a Google-synced learner is told to use Google", func(t *testing.T) {
		thenRejected(t, identity.Decide(microsoft, nil, []identity.Candidate{avery}), signin.ReasonWrongMethod, signin.MethodGoogle)
	})
	t.Run("a learner added by hand is told to use the email link", func(t *testing.T) {
		thenRejected(t, identity.Decide(microsoft, nil, []identity.Candidate{sam}), signin.ReasonWrongMethod, signin.MethodEmailLink)
	})
	t.Run("xms_edov false means the email is not verified", func(t *testing.T) {
		c := microsoft
		c.EmailUnverified = true
		thenRejected(t, identity.Decide(c, nil, []identity.Candidate{riley}), signin.ReasonEmailUnverified, "")
	})
	t.Run("no email claim", func(t *testing.T) {
		c := microsoft
		c.Email = ""
		thenRejected(t, identity.Decide(c, nil, []identity.Candidate{riley}), signin.ReasonEmailUnverified, "")
	})
	t.Run("nobody with that email", func(t *testing.T) {
		thenRejected(t, identity.Decide(microsoft, nil, nil), signin.ReasonNotEnrolled, "")
	})
	t.Run("one email at two clients bound to the same tenant signs in as both", func(t *testing.T) {
		other := riley
		other.LearnerID = "sub-riley"
		thenAccepted(t, identity.Decide(microsoft, nil, []identity.Candidate{riley, other, avery}), []string{"acme-riley", "sub-riley"}, []string{"acme-riley", "sub-riley"})
	})
	t.Run("a link to a learner no longer synced from Microsoft does not count", func(t *testing.T) {
		moved := riley
		moved.Source = directory.SourceGoogle
		thenRejected(t, identity.Decide(microsoft, []identity.Candidate{moved}, []identity.Candidate{moved}), signin.ReasonWrongMethod, signin.MethodGoogle)
	})
}

func TestDecideGoogle(t *testing.T) {
	t.Run("verified Workspace account of the client's domain", func(t *testing.T) {
		thenAccepted(t, identity.Decide(google, nil, []identity.Candidate{avery}), []string{"acme-avery"}, []string{"acme-avery"})
	})
	t.Run("email_verified false", func(t *testing.T) {
		c := google
		c.EmailUnverified = true
		thenRejected(t, identity.Decide(c, nil, []identity.Candidate{avery}), signin.ReasonEmailUnverified, "")
	})
	t.Run("hd of another domain, or a consumer account with a work address", func(t *testing.T) {
		for _, hd := range []string{"evil.example", ""} {
			c := google
			c.HostedDomain = hd
			thenRejected(t, identity.Decide(c, nil, []identity.Candidate{avery}), signin.ReasonHostedDomain, signin.MethodGoogle)
		}
	})
	t.Run("a client without a Workspace domain trusts Google's verified email", func(t *testing.T) {
		c, a := google, avery
		c.HostedDomain, a.GoogleDomain = "", ""
		thenAccepted(t, identity.Decide(c, nil, []identity.Candidate{a}), []string{"acme-avery"}, []string{"acme-avery"})
	})
	t.Run("a Microsoft-synced learner is told to use Microsoft", func(t *testing.T) {
		thenRejected(t, identity.Decide(google, nil, []identity.Candidate{riley}), signin.ReasonWrongMethod, signin.MethodMicrosoft)
	})
}

func TestLinkOnce(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var id identity.Identity
	evs := identity.Link(&id, microsoft, []string{"acme-riley"}, now)
	want := []domain.Event{identity.Linked{Provider: signin.MethodMicrosoft, Subject: microsoft.Subject, TenantID: acmeTenant, LearnerID: "acme-riley", Email: "riley@acme.example", At: now}}
	if !reflect.DeepEqual(evs, want) {
		t.Fatalf("events = %#v", evs)
	}
	id.Apply(evs[0])
	if again := identity.Link(&id, microsoft, []string{"acme-riley"}, now); len(again) != 0 {
		t.Fatalf("linked twice: %#v", again)
	}
	if identity.Stream(signin.MethodMicrosoft, "a") == identity.Stream(signin.MethodGoogle, "a") {
		t.Fatal("streams of two providers' subjects collide")
	}
}

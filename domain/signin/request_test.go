package signin_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/domaintest"
	"github.com/awareportal/portal/domain/signin"
)

var (
	t0  = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	key = []byte("code-key")
	red = signin.Redemption{SessionRef: "sess-1", Method: signin.MethodEmailLink}
)

// given folds past events into a fresh request.
func given(events ...domain.Event) *signin.Request {
	r := &signin.Request{}
	for _, e := range events {
		r.Apply(e)
	}
	return r
}

func requested(learners ...string) domain.Event {
	return signin.RequestLink(signin.LinkInput{
		RequestID: "req-1", Email: "sam@acme.example", LearnerIDs: learners,
		Token: "tok", Code: "ABCDEF", CodeKey: key,
	}, t0)[0]
}

func thenFailed(t *testing.T, evs []domain.Event, err, wantErr error, reason signin.Reason) {
	t.Helper()
	if !errors.Is(err, wantErr) {
		t.Fatalf("err = %v, want %v", err, wantErr)
	}
	if len(evs) != 1 {
		t.Fatalf("events = %v, want one failure", evs)
	}
	f, ok := evs[0].(signin.SignInFailed)
	if !ok || f.Reason != reason {
		t.Fatalf("event = %#v, want SignInFailed(%s)", evs[0], reason)
	}
}

func TestRedeemLink(t *testing.T) {
	t.Run("valid link signs in once", func(t *testing.T) {
		r := given(requested("l-1"))
		evs, err := r.RedeemLink("tok", red, t0.Add(59*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		want := signin.SignedIn{RequestID: "req-1", Email: "sam@acme.example", Method: signin.MethodEmailLink, SessionRef: "sess-1", LearnerID: "l-1", At: t0.Add(59 * time.Minute)}
		if !reflect.DeepEqual(evs, []domain.Event{want}) {
			t.Fatalf("events = %#v", evs)
		}
	})
	t.Run("second use is refused", func(t *testing.T) {
		r := given(requested("l-1"), signin.SignedIn{RequestID: "req-1", SessionRef: "s0"})
		evs, err := r.RedeemLink("tok", red, t0)
		thenFailed(t, evs, err, signin.ErrUsed, signin.ReasonUsed)
	})
	t.Run("expired after one hour", func(t *testing.T) {
		r := given(requested("l-1"))
		evs, err := r.RedeemLink("tok", red, t0.Add(time.Hour))
		thenFailed(t, evs, err, signin.ErrExpired, signin.ReasonExpired)
	})
	t.Run("wrong token", func(t *testing.T) {
		r := given(requested("l-1"))
		evs, err := r.RedeemLink("nope", red, t0)
		thenFailed(t, evs, err, signin.ErrInvalidLink, signin.ReasonInvalidLink)
	})
	t.Run("unknown email never signs in", func(t *testing.T) {
		r := given(requested())
		evs, err := r.RedeemLink("tok", red, t0)
		thenFailed(t, evs, err, signin.ErrInvalidLink, signin.ReasonInvalidLink)
	})
	t.Run("no request", func(t *testing.T) {
		if _, err := given().RedeemLink("tok", red, t0); !errors.Is(err, signin.ErrNoSuchRequest) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("several organisations: no learner chosen yet", func(t *testing.T) {
		r := given(requested("l-1", "l-2"))
		evs, err := r.RedeemLink("tok", red, t0)
		if err != nil {
			t.Fatal(err)
		}
		in := evs[0].(signin.SignedIn)
		if in.LearnerID != "" || len(in.LearnerIDs) != 2 {
			t.Fatalf("signed in = %#v", in)
		}
	})
}

func TestRedeemCode(t *testing.T) {
	t.Run("code typed loosely works", func(t *testing.T) {
		r := given(requested("l-1"))
		if _, err := r.RedeemCode("abc-def", key, red, t0); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("five wrong codes lock the request", func(t *testing.T) {
		r := given(requested("l-1"))
		for i := 1; i <= signin.MaxCodeAttempts; i++ {
			evs, err := r.RedeemCode("ZZZZZZ", key, red, t0)
			want := signin.ErrWrongCode
			if i == signin.MaxCodeAttempts {
				want = signin.ErrLocked
			}
			thenFailed(t, evs, err, want, signin.ReasonWrongCode)
			r.Apply(evs[0])
		}
		evs, err := r.RedeemCode("ABCDEF", key, red, t0)
		thenFailed(t, evs, err, signin.ErrLocked, signin.ReasonTooManyAttempts)
	})
	t.Run("code expires with the link", func(t *testing.T) {
		r := given(requested("l-1"))
		evs, err := r.RedeemCode("ABCDEF", key, red, t0.Add(2*time.Hour))
		thenFailed(t, evs, err, signin.ErrExpired, signin.ReasonExpired)
	})
}

func TestOrganisationAndSignOut(t *testing.T) {
	r := given(requested("l-1", "l-2"), signin.SignedIn{RequestID: "req-1", SessionRef: "sess-1", LearnerIDs: []string{"l-1", "l-2"}})
	if _, err := r.ChooseOrganisation("sess-1", "l-9", t0); !errors.Is(err, signin.ErrNotCandidate) {
		t.Fatalf("foreign learner: err = %v", err)
	}
	if _, err := r.ChooseOrganisation("other", "l-1", t0); !errors.Is(err, signin.ErrNoSession) {
		t.Fatalf("foreign session: err = %v", err)
	}
	evs, err := r.ChooseOrganisation("sess-1", "l-2", t0)
	if err != nil || len(evs) != 1 {
		t.Fatalf("choose: %v %v", evs, err)
	}
	r.Apply(evs[0])
	out := r.SignOut("sess-1", t0)
	if len(out) != 1 {
		t.Fatalf("sign out: %v", out)
	}
	r.Apply(out[0])
	if again := r.SignOut("sess-1", t0); len(again) != 0 {
		t.Fatalf("second sign out produced %v", again)
	}
}

func TestTrainingLinkWorksForSevenDaysAndMoreThanOnce(t *testing.T) {
	issued := signin.IssueTrainingLink(signin.TrainingLinkInput{RequestID: "tl-1", Email: "sam@acme.example", LearnerID: "l-1", AssignmentID: "as-1", Token: "tok"}, t0)[0]
	r := given(issued)
	evs, err := r.RedeemLink("tok", signin.Redemption{SessionRef: "s1", Method: signin.MethodTrainingLink}, t0.Add(24*time.Hour))
	if err != nil || evs[0].(signin.SignedIn).LearnerID != "l-1" {
		t.Fatalf("first use: %v %v", evs, err)
	}
	r.Apply(evs[0])
	if _, err := r.RedeemLink("tok", signin.Redemption{SessionRef: "s2", Method: signin.MethodTrainingLink}, t0.Add(6*24*time.Hour)); err != nil {
		t.Fatalf("second use within 7 days: %v", err)
	}
	_, err = r.RedeemLink("tok", signin.Redemption{SessionRef: "s3"}, t0.Add(7*24*time.Hour))
	if !errors.Is(err, signin.ErrExpired) {
		t.Fatalf("after 7 days: %v", err)
	}
}

func TestWrongCodesAreCountedAtTheLoadedVersion(t *testing.T) {
	r := given(requested("l-1"))
	_, err := r.RedeemCode("ZZZZZZ", key, red, t0)
	if !domain.IsCounted(err) {
		t.Fatalf("a wrong code must be a counted refusal (appended with the version check), got %v", err)
	}
	// A refusal that stays true whatever happens meanwhile is not counted.
	_, err = r.RedeemCode("ABCDEF", key, red, t0.Add(2*time.Hour))
	if err == nil || domain.IsCounted(err) {
		t.Fatalf("expiry is not a counted refusal: %v", err)
	}
}

func TestOpeningALinkIsRecordedAtMostOnceAMinute(t *testing.T) {
	open := func(at time.Time) func(*signin.Request) ([]domain.Event, error) {
		return func(r *signin.Request) ([]domain.Event, error) { return r.Open(at) }
	}
	opened := signin.LinkOpened{RequestID: "req-1", At: t0}
	domaintest.For(t, &signin.Request{}).Given(requested("l-1")).When(open(t0)).Then(opened)
	domaintest.For(t, &signin.Request{}).Given(requested("l-1"), opened).When(open(t0.Add(59 * time.Second))).Then()
	domaintest.For(t, &signin.Request{}).Given(requested("l-1"), opened).When(open(t0.Add(signin.OpenedEvery))).
		Then(signin.LinkOpened{RequestID: "req-1", At: t0.Add(signin.OpenedEvery)})
	domaintest.For(t, &signin.Request{}).When(open(t0)).ThenError(signin.ErrNoSuchRequest)
}

func TestOnlyTrainingLinkSignInsCommute(t *testing.T) {
	if !domain.AllCommute([]domain.Event{signin.SignedIn{Method: signin.MethodTrainingLink}}) {
		t.Fatal("training-link sign-ins must commute (parallel uses of one link)")
	}
	for _, m := range []signin.Method{signin.MethodEmailLink, signin.MethodEmailCode} {
		if domain.AllCommute([]domain.Event{signin.SignedIn{Method: m}}) {
			t.Fatalf("%s sign-ins spend the link once: they must not commute", m)
		}
	}
}

// TestEndSession: one of a person's sessions ends another ("Signed-in
// devices"); the ended session is closed on its request's stream.
func TestEndSession(t *testing.T) {
	signedIn := signin.SignedIn{RequestID: "req-1", Email: "sam@acme.example", Method: signin.MethodEmailLink, SessionRef: "sess-1", LearnerID: "l-1", At: t0}
	end := func(ref, by, device string) func(*signin.Request) ([]domain.Event, error) {
		return func(r *signin.Request) ([]domain.Event, error) {
			return r.EndSession(ref, by, device, t0.Add(time.Hour))
		}
	}
	ended := signin.SessionEnded{RequestID: "req-1", SessionRef: "sess-1", ByRef: "sess-2", Device: "Chrome on Windows", At: t0.Add(time.Hour)}

	// Given a live session, when another session ends it, then it ended.
	r := domaintest.For(t, &signin.Request{}).Given(requested("l-1"), signedIn).When(end("sess-1", "sess-2", "Chrome on Windows")).Then(ended)
	if len(r.Sessions) != 0 {
		t.Fatalf("the ended session is still open: %v", r.Sessions)
	}
	// Given it ended (or signed out), when it is ended again, then nothing.
	domaintest.For(t, &signin.Request{}).Given(requested("l-1"), signedIn, ended).When(end("sess-1", "sess-2", "Chrome on Windows")).Then()
	domaintest.For(t, &signin.Request{}).Given(requested("l-1"), signedIn, signin.SignedOut{RequestID: "req-1", SessionRef: "sess-1", At: t0}).
		When(end("sess-1", "sess-2", "")).Then()
	// A session is not ended from itself: that is signing out.
	domaintest.For(t, &signin.Request{}).Given(requested("l-1"), signedIn).When(end("sess-1", "sess-1", "")).ThenError(signin.ErrSameSession)
	// The device description is bounded and printable before it becomes an event.
	domaintest.For(t, &signin.Request{}).Given(requested("l-1"), signedIn).When(end("sess-1", "sess-2", strings.Repeat("x", signin.MaxDeviceLen+1))).ThenError(signin.ErrBadDevice)
	domaintest.For(t, &signin.Request{}).Given(requested("l-1"), signedIn).When(end("sess-1", "sess-2", "Chrome\x00")).ThenError(signin.ErrBadDevice)
	domaintest.For(t, &signin.Request{}).Given(requested("l-1"), signedIn).When(end("sess-1", "sess-2", "\xff")).ThenError(signin.ErrBadDevice)
}

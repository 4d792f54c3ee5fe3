package signin_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/signin"
)

func ssoStarted() domain.Event {
	return signin.StartSSO("req-1", signin.MethodMicrosoft, "state-1", "", "northwind", t0)[0]
}

func thenSSORejected(t *testing.T, evs []domain.Event, err error, reason signin.Reason) {
	t.Helper()
	if !errors.Is(err, signin.ErrSSO) {
		t.Fatalf("err = %v, want ErrSSO", err)
	}
	if len(evs) != 1 {
		t.Fatalf("events = %v, want one rejection", evs)
	}
	if r, ok := evs[0].(signin.SSORejected); !ok || r.Reason != reason || r.Provider != signin.MethodMicrosoft {
		t.Fatalf("event = %#v, want SSORejected(%s) from microsoft", evs[0], reason)
	}
}

func TestCompleteSSO(t *testing.T) {
	ssoRed := signin.Redemption{SessionRef: "sess-1"}
	t.Run("matching state signs in with the provider's method", func(t *testing.T) {
		r := given(ssoStarted())
		evs, err := r.CompleteSSO("state-1", "riley@acme.example", []string{"l-1"}, ssoRed, t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		want := signin.SignedIn{RequestID: "req-1", Email: "riley@acme.example", Method: signin.MethodMicrosoft, SessionRef: "sess-1", LearnerID: "l-1", At: t0.Add(time.Minute)}
		if !reflect.DeepEqual(evs, []domain.Event{want}) {
			t.Fatalf("events = %#v", evs)
		}
	})
	t.Run("several learners leave the choice to the organisation picker", func(t *testing.T) {
		r := given(ssoStarted())
		evs, err := r.CompleteSSO("state-1", "jordan@acme.example", []string{"l-1", "l-2"}, ssoRed, t0)
		if err != nil {
			t.Fatal(err)
		}
		r.Apply(evs[0])
		if _, err := r.ChooseOrganisation("sess-1", "l-2", t0); err != nil {
			t.Fatalf("choose a linked learner: %v", err)
		}
		if _, err := r.ChooseOrganisation("sess-1", "l-3", t0); !errors.Is(err, signin.ErrNotCandidate) {
			t.Fatalf("choose another learner: %v", err)
		}
	})
	t.Run("forged state is refused", func(t *testing.T) {
		evs, err := given(ssoStarted()).CompleteSSO("state-2", "x@acme.example", []string{"l-1"}, ssoRed, t0)
		thenSSORejected(t, evs, err, signin.ReasonBadState)
	})
	t.Run("a second answer for the same state is a replay", func(t *testing.T) {
		r := given(ssoStarted())
		evs, _ := r.CompleteSSO("state-1", "riley@acme.example", []string{"l-1"}, ssoRed, t0)
		r.Apply(evs[0])
		evs, err := r.CompleteSSO("state-1", "riley@acme.example", []string{"l-1"}, ssoRed, t0)
		thenSSORejected(t, evs, err, signin.ReasonReplayed)
	})
	t.Run("after a rejection the state is spent", func(t *testing.T) {
		r := given(ssoStarted(), signin.SSORejected{RequestID: "req-1", Reason: signin.ReasonWrongMethod})
		evs, err := r.CompleteSSO("state-1", "riley@acme.example", []string{"l-1"}, ssoRed, t0)
		thenSSORejected(t, evs, err, signin.ReasonReplayed)
	})
	t.Run("too late", func(t *testing.T) {
		evs, err := given(ssoStarted()).CompleteSSO("state-1", "riley@acme.example", []string{"l-1"}, ssoRed, t0.Add(signin.SSOTTL))
		thenSSORejected(t, evs, err, signin.ReasonExpired)
	})
	t.Run("an email-link request is not an SSO request", func(t *testing.T) {
		evs, err := given(requested("l-1")).CompleteSSO("tok", "sam@acme.example", []string{"l-1"}, ssoRed, t0)
		if !errors.Is(err, signin.ErrSSO) || evs[0].(signin.SSORejected).Reason != signin.ReasonBadState {
			t.Fatalf("got %v %#v", err, evs)
		}
	})
}

package staff_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/domaintest"
	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/domain/tenancy"
)

var now = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func grant(in staff.RoleGranted) func(*staff.Grants) ([]domain.Event, error) {
	return func(g *staff.Grants) ([]domain.Event, error) { return staff.Grant(g, in, now) }
}

var supportA = staff.RoleGranted{GrantID: "g1", PartnerID: "northwind", Email: "a@x.example", Name: "A", Role: staff.RoleSupport, At: now}

func TestGrant(t *testing.T) {
	field := func(want string) func(tenancy.FieldError) {
		return func(fe tenancy.FieldError) {
			if fe.Field != want {
				t.Errorf("field %q, want %q", fe.Field, want)
			}
		}
	}
	t.Run("an auditor needs a client", func(t *testing.T) {
		s := domaintest.For(t, &staff.Grants{}).When(grant(staff.RoleGranted{GrantID: "g1", Email: "a@x.example", Name: "A", Role: staff.RoleAuditor}))
		domaintest.ThenErrorAs(s, field("client_id"))
	})
	t.Run("support covers every client, so it names none", func(t *testing.T) {
		s := domaintest.For(t, &staff.Grants{}).When(grant(staff.RoleGranted{GrantID: "g1", ClientID: "acme", Email: "a@x.example", Name: "A", Role: staff.RoleSupport}))
		domaintest.ThenErrorAs(s, field("client_id"))
	})
	t.Run("only known roles", func(t *testing.T) {
		s := domaintest.For(t, &staff.Grants{}).When(grant(staff.RoleGranted{GrantID: "g1", Email: "a@x.example", Name: "A", Role: "admin"}))
		domaintest.ThenErrorAs(s, field("role"))
	})
	t.Run("the email is normalised", func(t *testing.T) {
		domaintest.For(t, &staff.Grants{}).
			When(grant(staff.RoleGranted{GrantID: "g1", PartnerID: "northwind", Email: " A@X.example", Name: " A ", Role: staff.RoleSupport})).
			Then(supportA)
	})
	t.Run("the same role twice is recorded once", func(t *testing.T) {
		domaintest.For(t, &staff.Grants{}).Given(supportA).
			When(grant(staff.RoleGranted{GrantID: "g2", PartnerID: "northwind", Email: "a@x.example", Name: "A", Role: staff.RoleSupport})).
			Then()
	})
}

func TestRevoke(t *testing.T) {
	revoke := func(g *staff.Grants) ([]domain.Event, error) { return staff.Revoke(g, "g1", now) }
	domaintest.For(t, &staff.Grants{}).Given(supportA).When(revoke).
		Then(staff.RoleRevoked{GrantID: "g1", PartnerID: "northwind", At: now})
	domaintest.For(t, &staff.Grants{}).Given(supportA, staff.RoleRevoked{GrantID: "g1", PartnerID: "northwind", At: now}).When(revoke).
		ThenError(staff.ErrUnknownGrant)
}

func TestRecordLook(t *testing.T) {
	look := staff.Look{LearnerID: "acme-sam", ClientID: "acme", StaffEmail: "sky@northwind.example", StaffName: "Sky", Role: staff.RoleSupport, What: "timeline"}
	t.Run("a look is recorded with its reason", func(t *testing.T) {
		l := look
		l.Reason = "  Ticket 4711: where is my sign-in email?  "
		evs, err := staff.RecordLook(l, now)
		want := staff.UserViewed{LearnerID: "acme-sam", ClientID: "acme", StaffEmail: "sky@northwind.example", StaffName: "Sky",
			Role: staff.RoleSupport, What: "timeline", Reason: "Ticket 4711: where is my sign-in email?", At: now}
		if err != nil || len(evs) != 1 || evs[0] != want {
			t.Fatalf("got %v %v", evs, err)
		}
	})
	for name, reason := range map[string]string{
		"too long":         strings.Repeat("x", staff.MaxReason+1),
		"control":          "why\x00not",
		"invalid encoding": "bad \xff byte",
	} {
		t.Run("a reason that is "+name+" is refused", func(t *testing.T) {
			l := look
			l.Reason = reason
			var fe tenancy.FieldError
			if evs, err := staff.RecordLook(l, now); !errors.As(err, &fe) || fe.Field != "reason" || len(evs) != 0 {
				t.Fatalf("got %v %v", evs, err)
			}
		})
	}
}

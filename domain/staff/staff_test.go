package staff_test

import (
	"errors"
	"testing"
	"time"

	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/domain/tenancy"
)

var now = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func TestGrantRules(t *testing.T) {
	g := &staff.Grants{}
	var fe tenancy.FieldError
	if _, err := staff.Grant(g, staff.RoleGranted{GrantID: "g1", Email: "a@x.example", Name: "A", Role: staff.RoleAuditor}, now); !errors.As(err, &fe) || fe.Field != "client_id" {
		t.Fatalf("auditor without client: %v", err)
	}
	if _, err := staff.Grant(g, staff.RoleGranted{GrantID: "g1", Email: "a@x.example", Name: "A", Role: "admin"}, now); !errors.As(err, &fe) || fe.Field != "role" {
		t.Fatalf("bad role: %v", err)
	}
	evs, err := staff.Grant(g, staff.RoleGranted{GrantID: "g1", Email: " A@X.example", Name: "A", Role: staff.RoleSupport}, now)
	if err != nil || len(evs) != 1 || evs[0].(staff.RoleGranted).Email != "a@x.example" {
		t.Fatalf("grant: %v %v", evs, err)
	}
	g.Apply(evs[0])
	if again, _ := staff.Grant(g, staff.RoleGranted{GrantID: "g2", Email: "a@x.example", Name: "A", Role: staff.RoleSupport}, now); len(again) != 0 {
		t.Fatal("duplicate grant recorded")
	}
	evs, err = staff.Revoke(g, "g1", now)
	if err != nil || len(evs) != 1 {
		t.Fatalf("revoke: %v", err)
	}
	g.Apply(evs[0])
	if _, err := staff.Revoke(g, "g1", now); !errors.Is(err, staff.ErrUnknownGrant) {
		t.Fatalf("revoke twice: %v", err)
	}
}

package admin_test

import (
	"errors"
	"testing"

	"github.com/awareportal/portal/internal/admin"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/servicetest"
	"github.com/awareportal/portal/internal/testenv"
	"github.com/awareportal/portal/internal/training"
	"github.com/awareportal/portal/projections/directory/pgdirectory"
	"github.com/awareportal/portal/projections/progress/pgprogress"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func newService(t *testing.T) (*admin.Service, *servicetest.Fixture) {
	f := servicetest.New(t)
	dir, prog := pgdirectory.Queries{Pool: f.Pool}, pgprogress.Queries{Pool: f.Pool}
	tr := &training.Service{Repo: f.Repo, Catalog: f.Catalog, Progress: prog, Dir: dir, Clock: f.Clock, BaseURL: f.BaseURL, Log: f.Log}
	return &admin.Service{Repo: f.Repo, Dir: dir, Progress: prog, Training: tr, Catalog: f.Catalog, Clock: f.Clock, Settle: f.WaitFor}, f
}

// TestIDsArePerPartner: two partners may use the same ids; each sees and
// changes its own, and a partner's own id twice is a conflict.
func TestIDsArePerPartner(t *testing.T) {
	svc, f := newService(t)
	meta := eventstore.Metadata{ActorID: "test"}
	mine, err := svc.CreateClient(f.Ctx, "bluepeak", admin.ClientInput{ID: "acme", Name: "Acme Bakery"}, meta)
	if err != nil || mine.ID != "acme" {
		t.Fatalf("BluePeak's acme beside Northwind's: %+v %v", mine, err)
	}
	if _, err := svc.CreateClient(f.Ctx, "bluepeak", admin.ClientInput{ID: "acme", Name: "Again"}, meta); !errors.Is(err, admin.ErrConflict) {
		t.Fatalf("BluePeak's acme twice: %v", err)
	}
	for partner, want := range map[string]string{"bluepeak": "Acme Bakery", "northwind": "Acme Corporation"} {
		c, err := svc.Client(f.Ctx, partner, "acme")
		if err != nil || c.Name != want || c.ID != "acme" {
			t.Errorf("%s's acme: %+v %v", partner, c, err)
		}
	}
	l, err := svc.ProvisionUser(f.Ctx, "bluepeak", "acme", admin.UserInput{ID: "acme-sam", Email: "sam@bakery.example", FirstName: "Sam"}, meta)
	if err != nil || l.ID != "acme-sam" || l.ClientID != "acme" {
		t.Fatalf("BluePeak's acme-sam: %+v %v", l, err)
	}
	stored, err := pgdirectory.Queries{Pool: f.Pool}.Learner(f.Ctx, "bluepeak.acme-sam")
	if err != nil || stored.ClientID != "bluepeak.acme" || stored.PartnerID != "bluepeak" {
		t.Fatalf("stored scoped: %+v %v", stored, err)
	}
	if _, err := svc.Users(f.Ctx, "bluepeak", "initech"); !errors.Is(err, admin.ErrNotFound) {
		t.Fatalf("another partner's client: %v", err)
	}
	var v *admin.ValidationError
	if _, err := svc.ProvisionUser(f.Ctx, "bluepeak", "acme", admin.UserInput{Email: "x@bakery.example", FirstName: "X", ManagerID: "acme-morgan"}, meta); !errors.As(err, &v) || v.Fields["manager_id"] == "" {
		t.Fatalf("another partner's learner as manager: %v", err)
	}
}

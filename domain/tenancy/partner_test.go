package tenancy_test

import (
	"errors"
	"testing"
	"time"

	"github.com/awareportal/portal/domain/tenancy"
)

var now = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func TestRegisterPartner(t *testing.T) {
	ok := tenancy.PartnerRegistered{PartnerID: "p1", Name: "Northwind IT", Slug: "northwind", AccentColor: "#0b7285"}
	if _, err := tenancy.RegisterPartner(&tenancy.Partner{}, ok, now); err != nil {
		t.Fatal(err)
	}
	bad := ok
	bad.AccentColor = "blue"
	var fe tenancy.FieldError
	if _, err := tenancy.RegisterPartner(&tenancy.Partner{}, bad, now); !errors.As(err, &fe) || fe.Field != "accent_color" {
		t.Fatalf("bad colour: err = %v", err)
	}
	if _, err := tenancy.RegisterPartner(&tenancy.Partner{ID: "p1"}, ok, now); !errors.Is(err, tenancy.ErrAlreadyRegistered) {
		t.Fatalf("twice: err = %v", err)
	}
}

func TestSwitchPortal(t *testing.T) {
	c := &tenancy.Client{}
	c.Apply(tenancy.ClientRegistered{ClientID: "c1", PartnerID: "p1", PortalEnabled: true})
	evs, err := tenancy.SwitchPortal(c, true, now)
	if err != nil || len(evs) != 0 {
		t.Fatalf("no-op switch: %v %v", evs, err)
	}
	evs, err = tenancy.SwitchPortal(c, false, now)
	if err != nil || len(evs) != 1 {
		t.Fatalf("switch off: %v %v", evs, err)
	}
	c.Apply(evs[0])
	if c.PortalEnabled {
		t.Fatal("portal still enabled")
	}
}

func TestBindDirectory(t *testing.T) {
	c := &tenancy.Client{ID: "acme"}
	evs, err := tenancy.BindDirectory(c, tenancy.Directory{MicrosoftTenantID: " 11111111-1111-4111-8111-11111111111A ", GoogleDomain: "Acme.Example"}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := tenancy.ClientDirectoryBound{ClientID: "acme", MicrosoftTenantID: "11111111-1111-4111-8111-11111111111a", GoogleDomain: "acme.example", At: now}
	if len(evs) != 1 || evs[0] != want {
		t.Fatalf("events = %#v", evs)
	}
	c.Apply(evs[0])
	if again, _ := tenancy.BindDirectory(c, tenancy.Directory{MicrosoftTenantID: want.MicrosoftTenantID, GoogleDomain: "acme.example"}, now); len(again) != 0 {
		t.Fatalf("binding again wrote %#v", again)
	}
	for _, bad := range []tenancy.Directory{{MicrosoftTenantID: "acme.onmicrosoft.com"}, {GoogleDomain: "not a domain"}} {
		var fe tenancy.FieldError
		if _, err := tenancy.BindDirectory(c, bad, now); !errors.As(err, &fe) {
			t.Errorf("%+v: err = %v, want a field error", bad, err)
		}
	}
	evs, _ = tenancy.SwitchEmailLinks(c, false, now)
	c.Apply(evs[0])
	if !c.EmailLinksOff {
		t.Fatal("email links still on")
	}
	if again, _ := tenancy.SwitchEmailLinks(c, false, now); len(again) != 0 {
		t.Fatal("switching off twice wrote an event")
	}
}

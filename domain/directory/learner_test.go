package directory_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/tenancy"
)

var now = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func TestNormalizeEmail(t *testing.T) {
	good := map[string]string{
		" Alice@Umbrella.example ":        "alice@umbrella.example",
		"o'brien+training@acme.example":   "o'brien+training@acme.example",
		"x@xn--mnchen-3ya.example":        "x@xn--mnchen-3ya.example", // münchen, in punycode
		strings.Repeat("a", 64) + "@a.co": strings.Repeat("a", 64) + "@a.co",
	}
	for in, want := range good {
		got, err := directory.NormalizeEmail(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	long := strings.Repeat("a", 60) + "@" + strings.Repeat(strings.Repeat("b", 63)+".", 3) + "example" // 260
	for _, in := range []string{
		"", "not-an-email", "a@b", "a@localhost", "@acme.example", "a@", "a..b@acme.example", ".a@acme.example", "a.@acme.example",
		`"a b"@acme.example`, "a b@acme.example", "a@acme..example", "a@-acme.example", "a@acme-.example", "a@acme.123",
		"a@b@acme.example", "Alice <alice@acme.example>", "alice@acme.example\x00", "al\x00ice@acme.example", "alice@acme.example\nbcc: x@evil.example",
		strings.Repeat("a", 65) + "@acme.example",   // local part over 64
		strings.Repeat("x", 3000) + "@acme.example", // the 3,000 characters
		long, // over 254
		"a@" + strings.Repeat("b", 64) + ".example", // a label over 63
		"josé@acme.example",                         // not ASCII
		"paypal@p\u0430ypal.example",                // Cyrillic а: a homoglyph
		"alice@acme.\xff",                           // invalid UTF-8
		"alice@ac\u200bme.example",                  // zero width space
	} {
		var fe tenancy.FieldError
		if got, err := directory.NormalizeEmail(in); !errors.As(err, &fe) || fe.Field != "email" {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want an email field error", in, got, err)
		}
	}
}

var acme = &tenancy.Client{ID: "acme", PartnerID: "northwind", PortalEnabled: true}

func provisioned() directory.LearnerProvisioned {
	return directory.LearnerProvisioned{LearnerID: "acme-alice", ClientID: "acme", Email: "alice@acme.example", FirstName: "Alice", LastName: "Wong", Department: "Finance"}
}

func TestProvisionChecksEveryField(t *testing.T) {
	// Given a registered client, when a learner is provisioned with good
	// fields, then one event holds them trimmed and normalised.
	in := provisioned()
	in.FirstName, in.Email = "  Zoë ", "Alice@ACME.example"
	evs, err := directory.Provision(&directory.Learner{}, acme, in, now)
	if err != nil || len(evs) != 1 {
		t.Fatalf("provision: %v %v", evs, err)
	}
	got := evs[0].(directory.LearnerProvisioned)
	if got.FirstName != "Zoë" || got.Email != "alice@acme.example" || got.Source != directory.SourceManual || !got.At.Equal(now) {
		t.Fatalf("event = %+v", got)
	}

	// When any field breaks the rules, then nothing is recorded and the
	// error names the field.
	cases := map[string]func(*directory.LearnerProvisioned){
		"email":      func(l *directory.LearnerProvisioned) { l.Email = strings.Repeat("x", 3000) + "@acme.example" },
		"first_name": func(l *directory.LearnerProvisioned) { l.FirstName = strings.Repeat("A", tenancy.MaxName+1) },
		"last_name":  func(l *directory.LearnerProvisioned) { l.LastName = "Wong\x00" },
		"department": func(l *directory.LearnerProvisioned) { l.Department = "Fin\u202eance" },
		"learner_id": func(l *directory.LearnerProvisioned) { l.LearnerID = "alice wong" },
		"manager_id": func(l *directory.LearnerProvisioned) { l.ManagerID = strings.Repeat("m", tenancy.MaxRef+1) },
		"source":     func(l *directory.LearnerProvisioned) { l.Source = "ldap" },
	}
	for field, spoil := range cases {
		in := provisioned()
		spoil(&in)
		evs, err := directory.Provision(&directory.Learner{}, acme, in, now)
		var fe tenancy.FieldError
		if !errors.As(err, &fe) || fe.Field != field || len(evs) != 0 {
			t.Errorf("%s: events %v, err %v; want a %s field error", field, evs, err, field)
		}
	}
	// A name of exactly MaxName characters (not bytes) is fine.
	in = provisioned()
	in.FirstName = strings.Repeat("é", tenancy.MaxName)
	if _, err := directory.Provision(&directory.Learner{}, acme, in, now); err != nil {
		t.Fatalf("200 characters: %v", err)
	}
}

// FuzzNormalizeEmail: whatever is typed, an accepted address is one the
// read models can hold and people can read: at most 254 bytes of printable
// ASCII, one @, lower case, and normalising it again changes nothing.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"alice@acme.example", " Alice@ACME.example ", "a@b", "x@xn--mnchen-3ya.example", "josé@acme.example",
		"a\x00@acme.example", "\xff@acme.example", strings.Repeat("x", 300) + "@acme.example", `"q"@acme.example`, "a@b@c.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := directory.NormalizeEmail(in)
		if err != nil {
			var fe tenancy.FieldError
			if !errors.As(err, &fe) || fe.Field != "email" {
				t.Fatalf("%q: error %v is not an email field error", in, err)
			}
			return
		}
		if len(out) > directory.MaxEmail || strings.Count(out, "@") != 1 || out != strings.ToLower(out) {
			t.Fatalf("%q accepted as %q", in, out)
		}
		for i := 0; i < len(out); i++ {
			if out[i] <= ' ' || out[i] > '~' {
				t.Fatalf("%q accepted as %q with byte %#x", in, out, out[i])
			}
		}
		if again, err := directory.NormalizeEmail(out); err != nil || again != out {
			t.Fatalf("%q: normalising %q again gave %q, %v", in, out, again, err)
		}
	})
}

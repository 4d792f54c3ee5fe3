package tenancy_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/awareportal/portal/domain/tenancy"
)

func TestText(t *testing.T) {
	if got, err := tenancy.Text("name", "  Umbrella Health  ", 200); err != nil || got != "Umbrella Health" {
		t.Fatalf("trimmed: %q %v", got, err)
	}
	for _, ok := range []string{"", "Zoë Ångström", "東京オフィス", "O'Brien & Sons, Ltd.", "👩‍💻 Team"} {
		if _, err := tenancy.Text("name", ok, 200); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"a\x00b", "a\nb", "a\tb", "a\x7fb", "a\u0085b", "\xffab", "evil\u202etxt.exe", "a\u200bb", "\ufeffa", strings.Repeat("x", 201)} {
		var fe tenancy.FieldError
		if _, err := tenancy.Text("name", bad, 200); !errors.As(err, &fe) || fe.Field != "name" {
			t.Errorf("%q: err = %v, want a name field error", bad, err)
		}
	}
}

func TestRef(t *testing.T) {
	for _, ok := range []string{"acme-sam", "5f0c8a8e-1d2b-4c1e-9d53-0d1f5b4c2a11", "tok_abc", strings.Repeat("a", tenancy.MaxRef)} {
		if err := tenancy.Ref("id", ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "a\x00", "é", strings.Repeat("a", tenancy.MaxRef+1)} {
		if err := tenancy.Ref("id", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRegisterClientAndTokenFields(t *testing.T) {
	// Given a registered partner, when a client or a token is named with
	// text that breaks the rules, then nothing is recorded and the error
	// names the field.
	p := &tenancy.Partner{ID: "p1"}
	for _, c := range []struct {
		in    tenancy.ClientRegistered
		field string
	}{
		{tenancy.ClientRegistered{ClientID: "umbrella", Name: strings.Repeat("U", 201)}, "name"},
		{tenancy.ClientRegistered{ClientID: "umbrella", Name: "Umbrella\x00"}, "name"},
		{tenancy.ClientRegistered{ClientID: "Umbrella Health", Name: "Umbrella"}, "client_id"},
		{tenancy.ClientRegistered{ClientID: strings.Repeat("u", 41), Name: "Umbrella"}, "client_id"},
	} {
		var fe tenancy.FieldError
		if evs, err := tenancy.RegisterClient(&tenancy.Client{}, p, c.in, now); !errors.As(err, &fe) || fe.Field != c.field || len(evs) != 0 {
			t.Errorf("%+v: %v %v, want a %s field error", c.in, evs, err, c.field)
		}
	}
	for _, name := range []string{"", "PSA\nsync", strings.Repeat("n", 201)} {
		var fe tenancy.FieldError
		if _, err := tenancy.IssueAPIToken(p, "tok_1", name, []byte{1}, now); !errors.As(err, &fe) || fe.Field != "name" {
			t.Errorf("token name %q: %v", name, err)
		}
	}
}

// FuzzText: accepted text is valid UTF-8 of at most max characters with no
// control characters, and checking it again changes nothing.
func FuzzText(f *testing.F) {
	for _, s := range []string{"Umbrella Health", "  Zoë  ", "a\x00b", "\xff", "evil\u202etxt", strings.Repeat("x", 201), "東京"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := tenancy.Text("name", in, tenancy.MaxName)
		if err != nil {
			var fe tenancy.FieldError
			if !errors.As(err, &fe) || fe.Field != "name" {
				t.Fatalf("%q: error %v is not a name field error", in, err)
			}
			return
		}
		if !utf8.ValidString(out) || utf8.RuneCountInString(out) > tenancy.MaxName || strings.ContainsFunc(out, unicode.IsControl) {
			t.Fatalf("%q accepted as %q", in, out)
		}
		if again, err := tenancy.Text("name", out, tenancy.MaxName); err != nil || again != out {
			t.Fatalf("%q: checking %q again gave %q, %v", in, out, again, err)
		}
	})
}

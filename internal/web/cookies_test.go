package web

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gorilla/securecookie"
)

// TestCookiesOldAndNew: a cookie is written as JSON and read back; one
// written by gob (before) still opens; one signed with another key, one
// for another name, and one tampered with do not.
func TestCookiesOldAndNew(t *testing.T) {
	hk, bk := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	c := newCookieCodec(hk, bk)
	enc, err := c.Encode(sessionCookie, "the-secret")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := c.Decode(sessionCookie, enc, &got); err != nil || got != "the-secret" {
		t.Fatalf("new cookie: %q, %v", got, err)
	}
	var viaJSON string
	if err := c.current.Decode(sessionCookie, enc, &viaJSON); err != nil || viaJSON != "the-secret" {
		t.Fatalf("the new cookie is not JSON: %q, %v", viaJSON, err)
	}
	old, err := securecookie.New(hk, bk).Encode(sessionCookie, "old-secret")
	if err != nil {
		t.Fatal(err)
	}
	got = ""
	if err := c.Decode(sessionCookie, old, &got); err != nil || got != "old-secret" {
		t.Fatalf("gob cookie: %q, %v", got, err)
	}
	other := newCookieCodec(bytes.Repeat([]byte{3}, 32), bk)
	forged, _ := other.Encode(sessionCookie, "forged")
	tampered := enc[:len(enc)-2] + strings.ToUpper(enc[len(enc)-2:])
	if tampered == enc {
		tampered = enc[:len(enc)-2] + "AA"
	}
	for name, raw := range map[string]string{"another key": forged, "tampered": tampered, "another name": func() string { s, _ := c.Encode(anonCookie, "x"); return s }()} {
		got = ""
		if err := c.Decode(sessionCookie, raw, &got); err == nil {
			t.Errorf("%s: opened as %q", name, got)
		}
	}
}

package registry

import (
	"strings"
	"testing"
)

func TestEventNamesAreStableAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Events() {
		name := e.EventName()
		if seen[name] {
			t.Errorf("duplicate event name %s", name)
		}
		seen[name] = true
		if !strings.HasSuffix(name, ".v1") && !strings.Contains(name, ".v") {
			t.Errorf("event name %s has no version suffix", name)
		}
	}
	c := Codec()
	for _, e := range Events() {
		name, data, err := c.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		back, err := c.Decode(name, data)
		if err != nil {
			t.Fatal(err)
		}
		if back.EventName() != name {
			t.Errorf("round trip of %s gave %s", name, back.EventName())
		}
	}
}

package registry

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "add new event names to testdata/event-names.txt")

// TestStoredEventNamesNeverChange: every event name that was ever listed in
// testdata/event-names.txt may be stored somewhere, so it must stay
// decodable forever. Renaming or removing an event type fails here; a new
// event is added to the file with `go test ./domain/registry -update`.
func TestStoredEventNamesNeverChange(t *testing.T) {
	const golden = "testdata/event-names.txt"
	raw, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	var known []string
	for _, line := range strings.Split(string(raw), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			known = append(known, line)
		}
	}
	var names []string
	for _, e := range Events() {
		names = append(names, e.EventName())
	}
	for _, name := range known {
		if !slices.Contains(names, name) {
			t.Errorf("stored event name %q is gone from the registry: events with it could no longer be read (add a .v2 instead of renaming)", name)
		}
	}
	var added []string
	for _, name := range names {
		if !slices.Contains(known, name) {
			added = append(added, name)
		}
	}
	if len(added) == 0 {
		return
	}
	if !*update {
		t.Fatalf("new event names %v: add them to %s (go test ./domain/registry -update)", added, golden)
	}
	f, err := os.OpenFile(golden, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(added, "\n") + "\n"); err != nil {
		t.Fatal(err)
	}
}

package learning_test

import (
	"slices"
	"testing"

	dom "github.com/awareportal/portal/domain/learning"
)

func TestEarnedBadges(t *testing.T) {
	cases := []struct {
		name  string
		facts dom.BadgeFacts
		want  []dom.BadgeID
	}{
		{"first completion, second attempt, 80%", dom.BadgeFacts{Completed: 1, Score: 80, Attempts: 2}, []dom.BadgeID{dom.BadgeFirstSteps}},
		{"perfect at the first try, quickly", dom.BadgeFacts{Completed: 2, Score: 100, Attempts: 1, QuickStart: true},
			[]dom.BadgeID{dom.BadgeFirstSteps, dom.BadgeFirstTry, dom.BadgePerfectScore, dom.BadgeQuickStarter}},
		{"fifth, three on time", dom.BadgeFacts{Completed: 5, Score: 90, Attempts: 3, LastThreeOnTime: true},
			[]dom.BadgeID{dom.BadgeFirstSteps, dom.BadgePunctual, dom.BadgeCompletionist}},
	}
	for _, tc := range cases {
		if got := dom.EarnedBadges(tc.facts); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	seen := map[dom.BadgeID]bool{}
	for _, b := range dom.Badges() {
		if seen[b.ID] || b.Name == "" || b.Description == "" || b.Icon == "" {
			t.Errorf("badge %q is duplicated or incomplete", b.ID)
		}
		seen[b.ID] = true
	}
	if len(seen) != 6 {
		t.Errorf("%d badges, want 6", len(seen))
	}
}

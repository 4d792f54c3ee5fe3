package learning_test

import (
	"testing"

	"github.com/awareportal/portal/domain/learning"
)

func TestRisk(t *testing.T) {
	cases := []struct {
		name string
		in   learning.RiskInput
		want int
		band string
	}{
		{"nothing assigned yet", learning.RiskInput{}, 70, "Good"},
		{"everything done, perfect, on time", learning.RiskInput{Available: 4, Completed: 4, OnTime: 4, AvgScore: 100}, 100, "Exceptional"},
		{"half done, good scores", learning.RiskInput{Available: 4, Completed: 2, OnTime: 2, AvgScore: 90}, 76, "Very Good"},
		{"two overdue, nothing done", learning.RiskInput{Available: 2, OverdueOpen: 2}, 10, "Poor"},
		{"late and mediocre", learning.RiskInput{Available: 3, Completed: 2, OnTime: 0, AvgScore: 75, OverdueOpen: 1}, 47, "Needs Work"},
		{"overdue penalty is capped", learning.RiskInput{Available: 10, Completed: 5, OnTime: 5, AvgScore: 100, OverdueOpen: 5}, 50, "Needs Work"},
		{"an unresolved password breach costs 10", learning.RiskInput{Available: 4, Completed: 4, OnTime: 4, AvgScore: 100, PasswordBreaches: 1}, 90, "Exceptional"},
		{"two cost 20", learning.RiskInput{Available: 4, Completed: 4, OnTime: 4, AvgScore: 100, PasswordBreaches: 2}, 80, "Very Good"},
		{"the breach penalty is capped at 20", learning.RiskInput{Available: 4, Completed: 4, OnTime: 4, AvgScore: 100, PasswordBreaches: 7}, 80, "Very Good"},
		{"a new learner with a password breach", learning.RiskInput{PasswordBreaches: 1}, 60, "Good"},
		{"breaches and overdue courses never go below 0", learning.RiskInput{Available: 3, OverdueOpen: 3, PasswordBreaches: 2}, 0, "Poor"},
		{"a phishing compromise costs 5", learning.RiskInput{Available: 4, Completed: 4, OnTime: 4, AvgScore: 100, PhishingCompromises: 1}, 95, "Exceptional"},
		{"three cost 15", learning.RiskInput{Available: 4, Completed: 4, OnTime: 4, AvgScore: 100, PhishingCompromises: 3}, 85, "Very Good"},
		{"the phishing penalty is capped at 20", learning.RiskInput{Available: 4, Completed: 4, OnTime: 4, AvgScore: 100, PhishingCompromises: 9}, 80, "Very Good"},
		{"a report earns 2", learning.RiskInput{PhishingReports: 1}, 72, "Good"},
		{"the report credit is capped at 6", learning.RiskInput{PhishingReports: 8}, 76, "Very Good"},
		{"reports soften compromises", learning.RiskInput{PhishingCompromises: 2, PhishingReports: 1}, 62, "Good"},
		{"reports never lift past 100", learning.RiskInput{Available: 4, Completed: 4, OnTime: 4, AvgScore: 100, PhishingReports: 3}, 100, "Exceptional"},
		{"every penalty together never goes below 0", learning.RiskInput{Available: 3, OverdueOpen: 3, PasswordBreaches: 2, PhishingCompromises: 4}, 0, "Poor"},
	}
	for _, c := range cases {
		got := learning.Risk(c.in)
		if got != c.want || learning.Band(got) != c.band {
			t.Errorf("%s: %d %s, want %d %s", c.name, got, learning.Band(got), c.want, c.band)
		}
	}
}

// TestNotRatedYet: given what a learner's record holds, when the score is
// computed, then it is rated (with its band) or "Not rated yet".
func TestNotRatedYet(t *testing.T) {
	cases := []struct {
		given string
		in    learning.RiskInput
		then  string
	}{
		{"nothing assigned", learning.RiskInput{}, "Not rated yet"},
		{"one course available, due in five weeks, nothing done", learning.RiskInput{Available: 1}, "Not rated yet"},
		{"three courses available, none done or overdue", learning.RiskInput{Available: 3}, "Not rated yet"},
		{"password breaches and phishing, but no course done or overdue", learning.RiskInput{Available: 1, PasswordBreaches: 2, PhishingCompromises: 1}, "Not rated yet"},
		{"the first completion", learning.RiskInput{Available: 2, Completed: 1, OnTime: 1, AvgScore: 90}, "Very Good"},
		{"the first due date passed", learning.RiskInput{Available: 1, OverdueOpen: 1}, "Poor"},
		{"an overdue course finished late", learning.RiskInput{Available: 1, Completed: 1, AvgScore: 80}, "Good"},
	}
	for _, c := range cases {
		t.Run(c.given, func(t *testing.T) {
			score := learning.Risk(c.in)                       // when
			got := learning.Label(score, learning.Rated(c.in)) // when
			if got != c.then {                                 // then
				t.Fatalf("given %s: %q (score %d), want %q", c.given, got, score, c.then)
			}
		})
	}
}

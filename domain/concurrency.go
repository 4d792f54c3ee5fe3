package domain

import "errors"

// How a decision's events meet other writers of the same stream.
//
// By default a command's events are appended at the version the aggregate
// was loaded at: if anyone wrote the stream meanwhile, the command is
// decided again on the fresh state. Two exceptions are declared here, in
// the domain, because only the rules know them:
//
//   - A refusal (events returned together with an error) normally stays true
//     whatever was appended meanwhile, so it is appended without the version
//     check: many losers of one race must not retry forever. A refusal that
//     counts something (a wrong code is attempt 3 of 5) depends on the state
//     and is wrapped with Counted: it is appended at the loaded version, so
//     parallel attempts are judged one after another.
//   - An event that implements Commuting and answers true does not depend on
//     the stream's other events (a training-link sign-in, which may be used
//     many times): it is appended without the version check, so parallel uses
//     never conflict.

// Commuting is implemented by events that may commute with the stream's
// other events.
type Commuting interface {
	Commutes() bool
}

// AllCommute reports whether every event commutes with the stream's others.
func AllCommute(events []Event) bool {
	if len(events) == 0 {
		return false
	}
	for _, e := range events {
		c, ok := e.(Commuting)
		if !ok || !c.Commutes() {
			return false
		}
	}
	return true
}

type counted struct{ err error }

func (c counted) Error() string { return c.err.Error() }
func (c counted) Unwrap() error { return c.err }

// Counted marks a refusal whose events count attempts; see above.
func Counted(err error) error { return counted{err} }

// IsCounted reports whether err is a counted refusal.
func IsCounted(err error) bool {
	var c counted
	return errors.As(err, &c)
}

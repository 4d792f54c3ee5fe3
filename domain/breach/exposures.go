package breach

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/tenancy"
)

// Limits on a record (the admin API and the domain check the same).
const (
	MaxID          = 100 // bytes of a source breach id
	MaxName        = 200 // characters of a breach's name
	MaxDomain      = 253 // bytes of a domain name
	MaxClasses     = 50  // data classes per breach
	MaxClass       = 100 // characters of a data class
	MaxNote        = 500 // characters of a resolution note
	MaxPerLearner  = 5000
	earliestBreach = 1980
)

var (
	// ErrNotFound is a breach id this learner has no exposure for (shown as
	// not found).
	ErrNotFound = errors.New("no such breach")
	// ErrTooMany is a learner who would have more than MaxPerLearner breaches.
	ErrTooMany = errors.New("too many breaches for one learner")

	idRe     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	domainRe = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// Check validates a breach and returns it cleaned (trimmed text, lower-case
// domain, data classes without blanks or repeats, dates as UTC days, the
// tier derived from the data classes). now bounds the dates: nothing from
// the future. Problems are tenancy.FieldErrors naming the field.
func Check(b Breach, now time.Time) (Breach, error) {
	switch {
	case b.ID == "":
		return b, tenancy.FieldError{Field: "source_id", Problem: "is required"}
	case len(b.ID) > MaxID || !idRe.MatchString(b.ID):
		return b, tenancy.FieldError{Field: "source_id", Problem: "must be 1-" + strconv.Itoa(MaxID) + " letters, digits, dots, dashes or underscores, starting with a letter or digit"}
	}
	name, err := tenancy.Text("name", b.Name, MaxName)
	if err != nil {
		return b, err
	}
	if name == "" {
		return b, tenancy.FieldError{Field: "name", Problem: "is required"}
	}
	b.Name = name
	b.Domain = strings.ToLower(strings.TrimSpace(b.Domain))
	if b.Domain != "" && (len(b.Domain) > MaxDomain || !domainRe.MatchString(b.Domain)) {
		return b, tenancy.FieldError{Field: "domain", Problem: "must be a domain name like adobe.com"}
	}
	today := now.UTC().Truncate(24 * time.Hour)
	for _, d := range []struct {
		field string
		at    *time.Time
	}{{"breach_date", &b.BreachDate}, {"disclosed_date", &b.DisclosedDate}} {
		if d.at.IsZero() {
			return b, tenancy.FieldError{Field: d.field, Problem: "is required (YYYY-MM-DD)"}
		}
		day := d.at.UTC().Truncate(24 * time.Hour)
		if day.Year() < earliestBreach || day.After(today) {
			return b, tenancy.FieldError{Field: d.field, Problem: "must be a date from " + strconv.Itoa(earliestBreach) + " to today"}
		}
		*d.at = day
	}
	if b.DisclosedDate.Before(b.BreachDate) {
		return b, tenancy.FieldError{Field: "disclosed_date", Problem: "must not be before breach_date"}
	}
	if len(b.DataClasses) == 0 {
		return b, tenancy.FieldError{Field: "data_classes", Problem: "must list what was exposed (at least one class, like \"Email addresses\")"}
	}
	if len(b.DataClasses) > MaxClasses {
		return b, tenancy.FieldError{Field: "data_classes", Problem: "must have at most " + strconv.Itoa(MaxClasses) + " classes"}
	}
	classes := make([]string, 0, len(b.DataClasses))
	for _, c := range b.DataClasses {
		c, err := tenancy.Text("data_classes", c, MaxClass)
		if err != nil {
			return b, err
		}
		if c == "" {
			return b, tenancy.FieldError{Field: "data_classes", Problem: "must not contain an empty class"}
		}
		if !slices.ContainsFunc(classes, func(x string) bool { return strings.EqualFold(x, c) }) {
			classes = append(classes, c)
		}
	}
	b.DataClasses = classes
	b.Tier = TierOf(classes)
	return b, nil
}

// Exposure is one breach of the learner's, and what they did about it.
type Exposure struct {
	Breach
	Resolved bool
}

// Exposures are one learner's breaches.
type Exposures struct {
	LearnerID string
	Known     map[string]*Exposure // by breach id
	Mailed    map[string]ExposuresRecorded
}

// NewExposures is a learner with no breach.
func NewExposures() *Exposures {
	return &Exposures{Known: map[string]*Exposure{}, Mailed: map[string]ExposuresRecorded{}}
}

// Apply folds an event into the exposures (made by NewExposures).
func (x *Exposures) Apply(e domain.Event) {
	switch ev := e.(type) {
	case ExposuresRecorded:
		x.LearnerID = ev.LearnerID
		for _, b := range ev.Breaches {
			x.Known[b.ID] = &Exposure{Breach: b}
		}
		if ev.MailID != "" {
			x.Mailed[ev.MailID] = ev
		}
	case ExposureResolved:
		if b, ok := x.Known[ev.BreachID]; ok {
			b.Resolved = true
		}
	case ExposureReopened:
		if b, ok := x.Known[ev.BreachID]; ok {
			b.Resolved = false
		}
	}
}

// RecordInput is an ingestion's records for one learner.
type RecordInput struct {
	LearnerID, ClientID string
	Breaches            []Breach
	// MailID names the notification email of the new breaches' ids
	// (sorted); nil: no email (monitoring is off).
	MailID func(newIDs []string) string
}

// Record stores the breaches this learner has no exposure for yet, as one
// event; known ones (by source id), and repeats within the input, are
// skipped, so sending the same records again records nothing. Every breach
// is checked (Check) first: one bad record refuses them all.
func Record(x *Exposures, in RecordInput, now time.Time) ([]domain.Event, error) {
	var fresh []Breach
	seen := map[string]bool{}
	for _, b := range in.Breaches {
		b, err := Check(b, now)
		if err != nil {
			return nil, err
		}
		if _, known := x.Known[b.ID]; known || seen[b.ID] {
			continue
		}
		seen[b.ID] = true
		fresh = append(fresh, b)
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	if len(x.Known)+len(fresh) > MaxPerLearner {
		return nil, ErrTooMany
	}
	ev := ExposuresRecorded{LearnerID: in.LearnerID, ClientID: in.ClientID, Breaches: fresh, At: now}
	if in.MailID != nil {
		ids := make([]string, len(fresh))
		for i, b := range fresh {
			ids[i] = b.ID
		}
		slices.Sort(ids)
		ev.MailID = in.MailID(ids)
	}
	return []domain.Event{ev}, nil
}

// CheckNote validates a resolution note and returns it trimmed.
func CheckNote(note string) (string, error) {
	return tenancy.Text("note", note, MaxNote)
}

// Resolve marks a breach resolved with an optional note. Resolving a
// resolved breach records nothing.
func Resolve(x *Exposures, breachID, note string, now time.Time) ([]domain.Event, error) {
	b, ok := x.Known[breachID]
	if !ok {
		return nil, ErrNotFound
	}
	note, err := CheckNote(note)
	if err != nil {
		return nil, err
	}
	if b.Resolved {
		return nil, nil
	}
	return []domain.Event{ExposureResolved{LearnerID: x.LearnerID, BreachID: breachID, Note: note, At: now}}, nil
}

// Reopen takes a resolved breach back to active. Reopening an active
// breach records nothing.
func Reopen(x *Exposures, breachID string, now time.Time) ([]domain.Event, error) {
	b, ok := x.Known[breachID]
	if !ok {
		return nil, ErrNotFound
	}
	if !b.Resolved {
		return nil, nil
	}
	return []domain.Event{ExposureReopened{LearnerID: x.LearnerID, BreachID: breachID, At: now}}, nil
}

// Package timeline is the per-user history support staff and learners read:
// every event that concerns a learner, as an entry in time order, with what
// is needed to say it in plain language (see internal/web/timeline.go).
package timeline

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// ErrNotFound is returned when a lookup finds nothing.
var ErrNotFound = errors.New("not found")

// Person is a learner found by search.
type Person struct {
	ID, ClientID, Email, Name string
}

// Entry is one thing that happened to a learner.
type Entry struct {
	Seq      int64
	At       time.Time
	Kind     string
	Category string
	Stream   string
	Actor    string
	Details  Details
}

// Filter narrows a timeline.
type Filter struct {
	Categories []string  // empty: all
	From, To   time.Time // zero: open
	Before     string    // cursor from the previous page
	NoStaff    bool      // a learner's own view leaves out staff entries
}

// Cursor marks where a page ended.
func Cursor(e Entry) string {
	return strconv.FormatInt(e.At.UnixMicro(), 10) + "." + strconv.FormatInt(e.Seq, 10)
}

// Categories of entries, for filters.
const (
	CatAccount  = "account"
	CatSignIn   = "signin"
	CatMail     = "mail"
	CatTraining = "training"
	CatStaff    = "staff"
)

// Details is what an entry says beyond its kind; each kind fills the
// fields it needs. The JSON names are stored in the read model.
type Details struct {
	IP          string     `json:"ip,omitempty"`
	UserAgent   string     `json:"user_agent,omitempty"`
	Device      string     `json:"device,omitempty"`   // "Chrome on Windows"
	Followed    bool       `json:"followed,omitempty"` // a link opening that led to a sign-in
	Source      string     `json:"source,omitempty"`
	Email       string     `json:"email,omitempty"`
	Method      string     `json:"method,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	Attempt     int        `json:"attempt,omitempty"`
	Provider    string     `json:"provider,omitempty"`
	RightMethod string     `json:"right_method,omitempty"`
	Tenant      string     `json:"tenant,omitempty"`
	Detail      string     `json:"detail,omitempty"`
	Subject     string     `json:"subject,omitempty"`
	To          string     `json:"to,omitempty"`
	Reply       string     `json:"reply,omitempty"`
	Final       bool       `json:"final,omitempty"`
	Course      string     `json:"course,omitempty"`
	Due         *time.Time `json:"due,omitempty"`
	From        *time.Time `json:"from,omitempty"`
	By          string     `json:"by,omitempty"`
	Emailed     bool       `json:"emailed,omitempty"`
	Lesson      int        `json:"lesson,omitempty"`
	Of          int        `json:"of,omitempty"`
	Score       int        `json:"score,omitempty"`
	PassMark    int        `json:"pass_mark,omitempty"`
	Passed      bool       `json:"passed,omitempty"`
	OnTime      bool       `json:"on_time,omitempty"`
	Certificate string     `json:"certificate,omitempty"`
	Staff       string     `json:"staff,omitempty"`
	Role        string     `json:"role,omitempty"`
	What        string     `json:"what,omitempty"`
	Module      string     `json:"module,omitempty"` // an onboarding step's title
	Step        int        `json:"step,omitempty"`
	Acked       bool       `json:"acknowledged,omitempty"`
	Person      string     `json:"person,omitempty"`  // whom a manager reminded
	Courses     int        `json:"courses,omitempty"` // how many courses a reminder listed
	Overdue     int        `json:"overdue,omitempty"` // how many of them were overdue
	Reports     int        `json:"reports,omitempty"` // how many reports a manager's digest listed
	Policy      string     `json:"policy,omitempty"`  // a policy's title
	Version     int        `json:"version,omitempty"` // the policy version signed
	Typed       string     `json:"typed,omitempty"`   // the name typed to sign
	SHA256      string     `json:"sha256,omitempty"`  // the signed document's hash
	// A phishing simulation's campaign name, when it was sent, and what
	// happened to it (delivered, opened, clicked, submitted, reported).
	Campaign string     `json:"campaign,omitempty"`
	Sent     *time.Time `json:"sent,omitempty"`
	Outcome  []string   `json:"outcome,omitempty"`
}

// Queries reads the read model (pgtimeline.Queries, in PostgreSQL).
type Queries interface {
	// Search finds learners by email or name among the given clients.
	Search(ctx context.Context, clientIDs []string, term string, limit int) ([]Person, error)
	// Person returns one learner, or ErrNotFound.
	Person(ctx context.Context, id string) (Person, error)
	// Entries returns a page of a learner's timeline, newest first, and the
	// cursor for the next page ("" when this is the last).
	Entries(ctx context.Context, learnerID string, f Filter, limit int) ([]Entry, string, error)
	// StreamsOf lists the streams that concern the given learners (for exports).
	StreamsOf(ctx context.Context, learnerIDs []string) ([]string, error)
	// LearnersOfClient lists a client's learner ids.
	LearnersOfClient(ctx context.Context, clientID string) ([]string, error)
}

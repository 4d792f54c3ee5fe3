package signin

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/awareportal/portal/domain"
)

const (
	// LinkTTL is how long a sign-in link or code works.
	LinkTTL = time.Hour
	// TrainingLinkTTL is how long a course email's link signs its learner in.
	TrainingLinkTTL = 7 * 24 * time.Hour
	// MaxCodeAttempts wrong codes lock the request.
	MaxCodeAttempts = 5
	// CodeAlphabet avoids look-alikes (0/O, 1/I/L).
	CodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	// CodeLength is the number of characters in a code (about 30 bits).
	CodeLength = 6
)

var (
	ErrNoSuchRequest = errors.New("no such sign-in request")
	ErrInvalidLink   = errors.New("this sign-in link is not valid")
	ErrExpired       = errors.New("this sign-in link has expired")
	ErrUsed          = errors.New("this sign-in link was already used")
	ErrWrongCode     = errors.New("that code is not right")
	ErrLocked        = errors.New("too many wrong codes: request a new email")
	ErrNotCandidate  = errors.New("not one of your organisations")
	ErrNoSession     = errors.New("no such session")
	ErrSameSession   = errors.New("a session ends itself by signing out")
	ErrBadDevice     = errors.New("device description too long or not printable")
)

// MaxDeviceLen bounds SessionEnded.Device, in bytes.
const MaxDeviceLen = 80

// Stream is the stream of sign-in request id.
func Stream(requestID string) string { return "signin-" + requestID }

// HashToken is how link tokens are stored.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// HashCode is how codes are stored: keyed, since a 30-bit code could be
// brute-forced from a plain hash in an exported event log.
func HashCode(key []byte, requestID, code string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(requestID))
	m.Write([]byte{0})
	m.Write([]byte(NormalizeCode(code)))
	return m.Sum(nil)
}

// NormalizeCode upper-cases a typed code and drops spaces and dashes.
func NormalizeCode(code string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(code) {
		if strings.ContainsRune(CodeAlphabet, r) || (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FormatCode shows a code as ABC-DEF.
func FormatCode(code string) string {
	if len(code) != CodeLength {
		return code
	}
	return code[:3] + "-" + code[3:]
}

// Request is the sign-in request aggregate.
type Request struct {
	ID         string
	Email      string
	Known      bool
	LearnerIDs []string
	PartnerID  string
	TokenHash  []byte
	CodeHash   []byte
	ExpiresAt  time.Time
	Redeemed   bool
	WrongCodes int
	Sessions   map[string]string // open session ref -> learner id ("" until chosen)
	// Training links may be used again within their 7 days.
	Training     bool
	AssignmentID string
	Destination  string // "" or DestinationBreaches
	// SSO is the provider of a sign-in with Microsoft or Google (its
	// TokenHash is the state's hash); SSOFinished once it was refused.
	SSO         Method
	SSOFinished bool
	// LastOpenedAt is when a GET of the link was last recorded.
	LastOpenedAt time.Time
}

// Apply folds an event into the request.
func (r *Request) Apply(e domain.Event) {
	switch ev := e.(type) {
	case LinkRequested:
		r.ID, r.Email, r.Known = ev.RequestID, ev.Email, ev.Known
		r.LearnerIDs, r.PartnerID = ev.LearnerIDs, ev.PartnerID
		r.TokenHash, r.CodeHash, r.ExpiresAt = ev.TokenHash, ev.CodeHash, ev.ExpiresAt
	case TrainingLinkIssued:
		r.ID, r.Email, r.Known = ev.RequestID, ev.Email, true
		r.LearnerIDs, r.PartnerID = []string{ev.LearnerID}, ev.PartnerID
		r.TokenHash, r.ExpiresAt = ev.TokenHash, ev.ExpiresAt
		r.Training, r.AssignmentID, r.Destination = true, ev.AssignmentID, ev.Destination
	case SSOStarted:
		r.ID, r.SSO, r.TokenHash, r.ExpiresAt, r.PartnerID = ev.RequestID, ev.Provider, ev.StateHash, ev.ExpiresAt, ev.PartnerID
	case SSORejected:
		r.SSOFinished = true
	case LinkOpened:
		r.LastOpenedAt = ev.At
	case SignedIn:
		r.Redeemed = true
		r.Email = ev.Email
		if ev.LearnerID != "" {
			r.LearnerIDs = []string{ev.LearnerID}
		} else if len(ev.LearnerIDs) > 0 {
			r.LearnerIDs = ev.LearnerIDs
		}
		if r.Sessions == nil {
			r.Sessions = map[string]string{}
		}
		r.Sessions[ev.SessionRef] = ev.LearnerID
	case SignInFailed:
		if ev.Reason == ReasonWrongCode || ev.Reason == ReasonTooManyAttempts {
			r.WrongCodes++
		}
	case OrganisationChosen:
		r.Sessions[ev.SessionRef] = ev.LearnerID
	case SignedOut:
		delete(r.Sessions, ev.SessionRef)
	case SessionEnded:
		delete(r.Sessions, ev.SessionRef)
	}
}

// LinkInput is what RequestLink needs; the secrets come from crypto/rand
// in the caller.
type LinkInput struct {
	RequestID  string
	Email      string
	LearnerIDs []string
	PartnerID  string
	Token      string
	Code       string
	CodeKey    []byte
	MailID     string
	Staff      bool // the email has a staff role (it may be a learner too, or not)
}

// RequestLink records a request for a sign-in email.
func RequestLink(in LinkInput, now time.Time) []domain.Event {
	return []domain.Event{LinkRequested{
		RequestID:  in.RequestID,
		Email:      in.Email,
		Known:      len(in.LearnerIDs) > 0 || in.Staff,
		LearnerIDs: in.LearnerIDs,
		PartnerID:  in.PartnerID,
		TokenHash:  HashToken(in.Token),
		CodeHash:   HashCode(in.CodeKey, in.RequestID, in.Code),
		MailID:     in.MailID,
		ExpiresAt:  now.Add(LinkTTL),
		At:         now,
	}}
}

// TrainingLinkInput is what IssueTrainingLink needs.
type TrainingLinkInput struct {
	RequestID, Email, LearnerID, PartnerID, AssignmentID, Token string
	Destination                                                 string // "" or DestinationBreaches
}

// IssueTrainingLink records a 7-day link for a course email.
func IssueTrainingLink(in TrainingLinkInput, now time.Time) []domain.Event {
	return []domain.Event{TrainingLinkIssued{
		RequestID: in.RequestID, Email: in.Email, LearnerID: in.LearnerID, PartnerID: in.PartnerID,
		AssignmentID: in.AssignmentID, Destination: in.Destination, TokenHash: HashToken(in.Token), ExpiresAt: now.Add(TrainingLinkTTL), At: now,
	}}
}

// RateLimited records a request refused by a rate limit.
func RateLimited(requestID, email string, now time.Time) []domain.Event {
	return []domain.Event{SignInFailed{RequestID: requestID, Email: email, Reason: ReasonRateLimited, At: now}}
}

// OpenedEvery is how often a GET of one link is recorded at most: support
// sees that a link was opened (by a person or a mail scanner) without one
// event per fetch.
const OpenedEvery = time.Minute

// Open records a GET of the link, at most once per OpenedEvery.
func (r *Request) Open(now time.Time) ([]domain.Event, error) {
	if r.ID == "" {
		return nil, ErrNoSuchRequest
	}
	if !r.LastOpenedAt.IsZero() && now.Sub(r.LastOpenedAt) < OpenedEvery {
		return nil, nil
	}
	return []domain.Event{LinkOpened{RequestID: r.ID, At: now}}, nil
}

// Redemption is a session about to begin.
type Redemption struct {
	SessionRef string
	Method     Method
}

// RedeemLink signs in with the link's token. On refusal it returns the
// failure event to record along with the error.
func (r *Request) RedeemLink(token string, red Redemption, now time.Time) ([]domain.Event, error) {
	if r.ID == "" {
		return nil, ErrNoSuchRequest
	}
	if subtle.ConstantTimeCompare(HashToken(token), r.TokenHash) != 1 || !r.Known {
		return r.fail(ReasonInvalidLink, now), ErrInvalidLink
	}
	return r.redeem(red, now)
}

// RedeemCode signs in with the short code from the email.
func (r *Request) RedeemCode(code string, key []byte, red Redemption, now time.Time) ([]domain.Event, error) {
	if r.ID == "" {
		return nil, ErrNoSuchRequest
	}
	if r.WrongCodes >= MaxCodeAttempts {
		return r.fail(ReasonTooManyAttempts, now), ErrLocked
	}
	if subtle.ConstantTimeCompare(HashCode(key, r.ID, code), r.CodeHash) != 1 || !r.Known {
		// Counted: parallel guesses are judged one after another, so no
		// more than MaxCodeAttempts wrong codes are ever weighed.
		ev := SignInFailed{RequestID: r.ID, Email: r.Email, Reason: ReasonWrongCode, Attempt: r.WrongCodes + 1, At: now}
		if ev.Attempt >= MaxCodeAttempts {
			return []domain.Event{ev}, domain.Counted(ErrLocked)
		}
		return []domain.Event{ev}, domain.Counted(ErrWrongCode)
	}
	return r.redeem(red, now)
}

func (r *Request) redeem(red Redemption, now time.Time) ([]domain.Event, error) {
	if r.Redeemed && !r.Training {
		return r.fail(ReasonUsed, now), ErrUsed
	}
	if !now.Before(r.ExpiresAt) {
		return r.fail(ReasonExpired, now), ErrExpired
	}
	if r.Training {
		red.Method = MethodTrainingLink
	}
	ev := SignedIn{RequestID: r.ID, Email: r.Email, Method: red.Method, SessionRef: red.SessionRef, At: now}
	if len(r.LearnerIDs) == 1 {
		ev.LearnerID = r.LearnerIDs[0]
	} else {
		ev.LearnerIDs = r.LearnerIDs
	}
	return []domain.Event{ev}, nil
}

func (r *Request) fail(reason Reason, now time.Time) []domain.Event {
	return []domain.Event{SignInFailed{RequestID: r.ID, Email: r.Email, Reason: reason, At: now}}
}

// ChooseOrganisation binds a session to one of the email's learners.
func (r *Request) ChooseOrganisation(sessionRef, learnerID string, now time.Time) ([]domain.Event, error) {
	if _, open := r.Sessions[sessionRef]; !open {
		return nil, ErrNoSession
	}
	if !slices.Contains(r.LearnerIDs, learnerID) {
		return nil, ErrNotCandidate
	}
	return []domain.Event{OrganisationChosen{RequestID: r.ID, SessionRef: sessionRef, LearnerID: learnerID, At: now}}, nil
}

// SignOut ends a session; signing out twice is a no-op.
func (r *Request) SignOut(sessionRef string, now time.Time) []domain.Event {
	if _, open := r.Sessions[sessionRef]; !open {
		return nil
	}
	return []domain.Event{SignedOut{RequestID: r.ID, SessionRef: sessionRef, At: now}}
}

// EndSession ends one of this request's sessions from another session of
// the same person (byRef); ending one that already ended is a no-op. The
// caller checked that byRef may end it (the same email, proven for the
// same learner: docs/security.md).
func (r *Request) EndSession(sessionRef, byRef, device string, now time.Time) ([]domain.Event, error) {
	if sessionRef == byRef {
		return nil, ErrSameSession
	}
	if len(device) > MaxDeviceLen || !printable(device) {
		return nil, ErrBadDevice
	}
	if _, open := r.Sessions[sessionRef]; !open {
		return nil, nil
	}
	return []domain.Event{SessionEnded{RequestID: r.ID, SessionRef: sessionRef, ByRef: byRef, Device: device, At: now}}, nil
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return false
		}
	}
	return true
}

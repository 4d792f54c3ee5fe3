package onboarding

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/awareportal/portal/domain/directory"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/tenancy"
)

// Limits on what a partner configures.
const (
	MaxText      = 2000 // characters of a module's own paragraph
	MaxModules   = 20   // modules in one sequence
	MaxLibrary   = 100  // modules in a partner's library
	MaxPDFSize   = 20 << 20
	MaxVideoSize = 500 << 20
	MaxHelpDesk  = 254
)

// ErrUnknownModule is a module id the partner has not defined.
var ErrUnknownModule = errors.New("no such onboarding module")

var moduleIDRe = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

// Module is one module of a partner's library.
type Module struct {
	ID    string
	Kind  Kind
	Title string
	Text  string
	Media *Media
}

// Sequence is a partner default's or a client's list of modules.
type Sequence struct {
	Inherit   bool
	ModuleIDs []string
}

// Details are what a client's walkthroughs say.
type Details struct {
	ReportButton string
	HelpDesk     string
}

// Config is a partner's onboarding configuration.
type Config struct {
	PartnerID string
	Modules   map[string]Module // live modules by id
	Order     []string          // module ids in the order they were defined
	Default   []string          // the partner default sequence
	Clients   map[string]Sequence
	Details   map[string]Details
}

// NewConfig is the configuration of a partner that configured nothing.
func NewConfig() *Config {
	return &Config{Modules: map[string]Module{}, Clients: map[string]Sequence{}, Details: map[string]Details{}}
}

// Apply folds an event into the configuration (made by NewConfig).
func (c *Config) Apply(e domain.Event) {
	switch ev := e.(type) {
	case ModuleDefined:
		c.PartnerID = ev.PartnerID
		if _, known := c.Modules[ev.ModuleID]; !known {
			c.Order = append(c.Order, ev.ModuleID)
		}
		c.Modules[ev.ModuleID] = Module{ID: ev.ModuleID, Kind: ev.Kind, Title: ev.Title, Text: ev.Text, Media: ev.Media}
	case ModuleRemoved:
		delete(c.Modules, ev.ModuleID)
		c.Order = slices.DeleteFunc(c.Order, func(id string) bool { return id == ev.ModuleID })
	case SequenceSet:
		c.PartnerID = ev.PartnerID
		if ev.ClientID == "" {
			c.Default = ev.ModuleIDs
		} else {
			c.Clients[ev.ClientID] = Sequence{Inherit: ev.Inherit, ModuleIDs: ev.ModuleIDs}
		}
	case ClientDetailsSet:
		c.PartnerID = ev.PartnerID
		c.Details[ev.ClientID] = Details{ReportButton: ev.ReportButton, HelpDesk: ev.HelpDesk}
	}
}

// SequenceOf is the sequence a learner at a client goes through: the
// client's own, or the partner default when the client inherits or never
// chose; removed modules are skipped.
func (c *Config) SequenceOf(clientID string) []Module {
	ids := c.Default
	if s, ok := c.Clients[clientID]; ok && !s.Inherit {
		ids = s.ModuleIDs
	}
	out := make([]Module, 0, len(ids))
	for _, id := range ids {
		if m, ok := c.Modules[id]; ok {
			out = append(out, m)
		}
	}
	return out
}

// ModuleInput is a module as a partner describes it.
type ModuleInput struct {
	ID    string
	Kind  Kind
	Title string
	Text  string
	Media *Media // an upload's description, for videos and PDFs
}

// DefineModule adds a module to the partner's library or changes one.
// Defining it exactly as it is is a no-op.
func DefineModule(c *Config, partnerID string, in ModuleInput, now time.Time) ([]domain.Event, error) {
	if !moduleIDRe.MatchString(in.ID) {
		return nil, tenancy.FieldError{Field: "id", Problem: "must be 1-40 lowercase letters, digits or dashes"}
	}
	if !slices.Contains(Kinds, in.Kind) {
		return nil, tenancy.FieldError{Field: "kind", Problem: "must be one of " + kindList()}
	}
	title, err := tenancy.Text("title", in.Title, tenancy.MaxName)
	if err != nil {
		return nil, err
	}
	if title == "" {
		title = DefaultTitle(in.Kind)
	}
	text, err := paragraph(in.Text)
	if err != nil {
		return nil, err
	}
	switch in.Kind {
	case KindVideo:
		if in.Media == nil || !IsVideo(in.Media.ContentType) {
			return nil, tenancy.FieldError{Field: "media", Problem: "must be the sha256 of an uploaded video (MP4 or WebM)"}
		}
		if in.Media.Duration <= 0 {
			return nil, tenancy.FieldError{Field: "media", Problem: "the video's length could not be read"}
		}
	case KindPolicyPDF:
		if in.Media == nil || in.Media.ContentType != ContentTypePDF {
			return nil, tenancy.FieldError{Field: "media", Problem: "must be the sha256 of an uploaded PDF"}
		}
	default:
		if in.Media != nil {
			return nil, tenancy.FieldError{Field: "media", Problem: "only video and policy_pdf modules have media"}
		}
	}
	if _, known := c.Modules[in.ID]; !known && len(c.Modules) >= MaxLibrary {
		return nil, tenancy.FieldError{Field: "id", Problem: fmt.Sprintf("a partner has at most %d modules: remove one first", MaxLibrary)}
	}
	m := Module{ID: in.ID, Kind: in.Kind, Title: title, Text: text, Media: in.Media}
	if old, known := c.Modules[in.ID]; known && sameModule(old, m) {
		return nil, nil
	}
	return []domain.Event{ModuleDefined{PartnerID: partnerID, ModuleID: in.ID, Kind: in.Kind, Title: title, Text: text, Media: in.Media, At: now}}, nil
}

// RemoveModule takes a module out of the library.
func RemoveModule(c *Config, partnerID, moduleID string, now time.Time) ([]domain.Event, error) {
	if _, known := c.Modules[moduleID]; !known {
		return nil, fmt.Errorf("module %q: %w", moduleID, ErrUnknownModule)
	}
	return []domain.Event{ModuleRemoved{PartnerID: partnerID, ModuleID: moduleID, At: now}}, nil
}

// SetSequence sets the partner default (clientID empty) or a client's
// sequence. The client must be the partner's: the caller checks that.
// Setting what is already set is a no-op.
func SetSequence(c *Config, partnerID, clientID string, s Sequence, now time.Time) ([]domain.Event, error) {
	if clientID == "" && s.Inherit {
		return nil, tenancy.FieldError{Field: "inherit", Problem: "the partner default cannot inherit"}
	}
	if s.Inherit {
		if len(s.ModuleIDs) > 0 {
			return nil, tenancy.FieldError{Field: "modules", Problem: "must be empty when the client inherits the partner default"}
		}
		if cur, ok := c.Clients[clientID]; ok && cur.Inherit {
			return nil, nil
		}
		if _, ok := c.Clients[clientID]; !ok {
			return nil, nil // a client that never chose inherits already
		}
		return []domain.Event{SequenceSet{PartnerID: partnerID, ClientID: clientID, Inherit: true, At: now}}, nil
	}
	if len(s.ModuleIDs) == 0 {
		return nil, tenancy.FieldError{Field: "modules", Problem: "must list at least one module id, in the order learners see them"}
	}
	if len(s.ModuleIDs) > MaxModules {
		return nil, tenancy.FieldError{Field: "modules", Problem: fmt.Sprintf("must list at most %d modules", MaxModules)}
	}
	seen := map[string]bool{}
	for _, id := range s.ModuleIDs {
		if _, ok := c.Modules[id]; !ok {
			return nil, tenancy.FieldError{Field: "modules", Problem: fmt.Sprintf("%q is not one of your onboarding modules", clip(id))}
		}
		if seen[id] {
			return nil, tenancy.FieldError{Field: "modules", Problem: fmt.Sprintf("%q is listed twice", id)}
		}
		seen[id] = true
	}
	current := c.Default
	if clientID != "" {
		cur, ok := c.Clients[clientID]
		current = cur.ModuleIDs
		if !ok || cur.Inherit {
			current = nil
		}
	}
	if slices.Equal(current, s.ModuleIDs) {
		return nil, nil
	}
	return []domain.Event{SequenceSet{PartnerID: partnerID, ClientID: clientID, ModuleIDs: slices.Clone(s.ModuleIDs), At: now}}, nil
}

// SetDetails sets what the walkthroughs say at a client. The help desk is
// an email address or an https URL.
func SetDetails(c *Config, partnerID, clientID string, d Details, now time.Time) ([]domain.Event, error) {
	button, err := tenancy.Text("report_button", d.ReportButton, 60)
	if err != nil {
		return nil, err
	}
	desk, err := helpDesk(d.HelpDesk)
	if err != nil {
		return nil, err
	}
	d = Details{ReportButton: button, HelpDesk: desk}
	if c.Details[clientID] == d {
		return nil, nil
	}
	return []domain.Event{ClientDetailsSet{PartnerID: partnerID, ClientID: clientID, ReportButton: button, HelpDesk: desk, At: now}}, nil
}

// DefaultTitle is a module's title when the partner gives none.
func DefaultTitle(k Kind) string {
	switch k {
	case KindWelcome:
		return "Welcome"
	case KindReportPhishing:
		return "How to report a suspicious email"
	case KindSubmitTicket:
		return "How to ask IT for help"
	case KindVideo:
		return "Watch this short video"
	case KindPolicyPDF:
		return "Read our policy"
	}
	return string(k)
}

// HelpDeskIsURL says whether a help desk is a web address (else an email).
func HelpDeskIsURL(desk string) bool { return strings.HasPrefix(desk, "https://") }

// helpDesk checks a help desk: an email address (the portal's rule for
// emails) or an https URL with a host and nothing that reads as one host
// and goes to another (user info, backslashes). Empty is allowed.
func helpDesk(s string) (string, error) {
	desk, err := tenancy.Text("help_desk", s, MaxHelpDesk)
	if err != nil || desk == "" {
		return desk, err
	}
	bad := tenancy.FieldError{Field: "help_desk", Problem: "must be an email address or an https:// URL"}
	if strings.Contains(strings.ToLower(desk), "://") {
		u, err := url.Parse(desk)
		if err != nil || !strings.EqualFold(u.Scheme, "https") || u.Host == "" || u.User != nil || u.Opaque != "" ||
			strings.ContainsAny(desk, "\\ <>\"'") || strings.Contains(u.Host, "%") {
			return "", bad
		}
		u.Scheme = "https"
		return u.String(), nil
	}
	email, err := directory.NormalizeEmail(desk)
	if err != nil {
		return "", bad
	}
	return email, nil
}

func paragraph(s string) (string, error) {
	// A paragraph may hold line breaks; everything else follows the
	// rule for names.
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		t, err := tenancy.Text("text", l, MaxText)
		if err != nil {
			return "", err
		}
		lines[i] = t
	}
	text := strings.TrimSpace(strings.Join(lines, "\n"))
	if n := len([]rune(text)); n > MaxText {
		return "", tenancy.FieldError{Field: "text", Problem: fmt.Sprintf("must be at most %d characters", MaxText)}
	}
	return text, nil
}

func sameModule(a, b Module) bool {
	if a.Kind != b.Kind || a.Title != b.Title || a.Text != b.Text || (a.Media == nil) != (b.Media == nil) {
		return false
	}
	return a.Media == nil || *a.Media == *b.Media
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// clip shortens an echoed id so an error message stays short.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

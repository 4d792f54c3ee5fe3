package admin

import (
	"github.com/awareportal/portal/domain/onboarding"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/projections/directory"
)

// What the partner sees, as JSON: the admin API's answers and
// `portal admin --json` print the same shapes, with the same snake_case keys.

// ClientJSON is a client.
type ClientJSON struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	PortalEnabled bool   `json:"portal_enabled"`
	Leaderboard   string `json:"leaderboard"`
	// Directory bindings; "" when not bound.
	MicrosoftTenantID string `json:"microsoft_tenant_id"`
	GoogleDomain      string `json:"google_domain"`
	EmailLinks        bool   `json:"email_links"`
	TimeZone          string `json:"time_zone"`
	// Language is the default language of the client's learners; "" when
	// none (each learner's browser decides).
	Language string `json:"language"`
}

// ToClientJSON shows a client (as the service returned it: the partner's id).
func ToClientJSON(c directory.Client) ClientJSON {
	return ClientJSON{ID: c.ID, Name: c.Name, PortalEnabled: c.PortalEnabled, Leaderboard: c.LeaderboardMode,
		MicrosoftTenantID: c.MicrosoftTenantID, GoogleDomain: c.GoogleDomain, EmailLinks: c.EmailLinks, TimeZone: c.TimeZone, Language: c.Language}
}

// UserJSON is a learner.
type UserJSON struct {
	ID         string `json:"id"`
	Email      string `json:"email"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	ManagerID  string `json:"manager_id,omitempty"`
	Department string `json:"department,omitempty"`
	Source     string `json:"source"`
}

// ToUserJSON shows a learner.
func ToUserJSON(l directory.Learner) UserJSON {
	return UserJSON{ID: l.ID, Email: l.Email, FirstName: l.FirstName, LastName: l.LastName, ManagerID: l.ManagerID, Department: l.Department, Source: l.Source}
}

// CourseJSON is a course of the catalog.
type CourseJSON struct {
	ID       string `json:"id"`
	Version  int    `json:"version"`
	Title    string `json:"title"`
	Summary  string `json:"summary"`
	Minutes  int    `json:"minutes"`
	Lessons  int    `json:"lessons"`
	PassMark int    `json:"pass_mark"`
	// Languages it can be read in: "en", then its translations.
	Languages []string `json:"languages"`
}

// ToCourseJSON shows a course.
func ToCourseJSON(c *catalog.Course) CourseJSON {
	out := CourseJSON{ID: c.ID, Version: c.Version, Title: c.Title, Summary: c.Summary, Minutes: c.Minutes, Lessons: len(c.Lessons), PassMark: c.Quiz.PassMark}
	for _, l := range c.Languages() {
		out.Languages = append(out.Languages, string(l))
	}
	return out
}

// StaffJSON is a staff grant.
type StaffJSON struct {
	GrantID  string `json:"grant_id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	ClientID string `json:"client_id,omitempty"`
}

// ToStaffJSON shows a staff grant.
func ToStaffJSON(r directory.StaffRole) StaffJSON {
	return StaffJSON{GrantID: r.GrantID, Email: r.Email, Name: r.Name, Role: r.Role, ClientID: r.ClientID}
}

// TokenJSON is a newly created API token (the token is shown once).
type TokenJSON struct {
	TokenID string `json:"token_id"`
	Token   string `json:"token,omitempty"`
}

// GrantJSON names a new staff grant.
type GrantJSON struct {
	GrantID string `json:"grant_id"`
}

// mapSlice maps a list (never nil, so JSON shows []).
func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

// ClientsJSON, UsersJSON, CoursesJSON and StaffListJSON map lists.
func ClientsJSON(in []directory.Client) []ClientJSON     { return mapSlice(in, ToClientJSON) }
func UsersJSON(in []directory.Learner) []UserJSON        { return mapSlice(in, ToUserJSON) }
func CoursesJSON(in []*catalog.Course) []CourseJSON      { return mapSlice(in, ToCourseJSON) }
func StaffListJSON(in []directory.StaffRole) []StaffJSON { return mapSlice(in, ToStaffJSON) }

// MediaJSON is an uploaded file.
type MediaJSON struct {
	SHA256          string  `json:"sha256"`
	ContentType     string  `json:"content_type"`
	Size            int64   `json:"size"`
	DurationSeconds float64 `json:"duration_seconds,omitempty"`
}

func toMediaJSON(m onboarding.Media) MediaJSON {
	return MediaJSON{SHA256: m.SHA256, ContentType: m.ContentType, Size: m.Size, DurationSeconds: m.Duration.Seconds()}
}

// ModuleJSON is an onboarding module.
type ModuleJSON struct {
	ID    string     `json:"id"`
	Kind  string     `json:"kind"`
	Title string     `json:"title"`
	Text  string     `json:"text,omitempty"`
	Media *MediaJSON `json:"media,omitempty"`
}

func toModuleJSON(m onboarding.Module) ModuleJSON {
	j := ModuleJSON{ID: m.ID, Kind: string(m.Kind), Title: m.Title, Text: m.Text}
	if m.Media != nil {
		mj := toMediaJSON(*m.Media)
		j.Media = &mj
	}
	return j
}

// OnboardingJSON is a partner's onboarding: its module library and the
// default sequence its clients inherit.
type OnboardingJSON struct {
	Modules []ModuleJSON `json:"modules"`
	Default []string     `json:"default"`
}

func toOnboardingJSON(_ string, c *onboarding.Config) OnboardingJSON {
	j := OnboardingJSON{Modules: []ModuleJSON{}, Default: ids(c.SequenceOf(""))}
	for _, id := range c.Order {
		j.Modules = append(j.Modules, toModuleJSON(c.Modules[id]))
	}
	return j
}

// ClientOnboardingJSON is a client's onboarding.
type ClientOnboardingJSON struct {
	ClientID string `json:"client_id"`
	Inherit  bool   `json:"inherit"`
	// Modules is the sequence the client's learners go through.
	Modules      []string `json:"modules"`
	ReportButton string   `json:"report_button"`
	HelpDesk     string   `json:"help_desk"`
}

func toClientOnboardingJSON(partnerID, clientID string, c *onboarding.Config) ClientOnboardingJSON {
	own, ok := c.Clients[clientID]
	d := c.Details[clientID]
	return ClientOnboardingJSON{ClientID: tenancy.Unscoped(partnerID, clientID), Inherit: !ok || own.Inherit,
		Modules: ids(c.SequenceOf(clientID)), ReportButton: d.ReportButton, HelpDesk: d.HelpDesk}
}

func ids(ms []onboarding.Module) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

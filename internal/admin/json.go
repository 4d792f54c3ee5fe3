package admin

import (
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
}

// ToClientJSON shows a client (as the service returned it: the partner's id).
func ToClientJSON(c directory.Client) ClientJSON {
	return ClientJSON{ID: c.ID, Name: c.Name, PortalEnabled: c.PortalEnabled, Leaderboard: c.LeaderboardMode,
		MicrosoftTenantID: c.MicrosoftTenantID, GoogleDomain: c.GoogleDomain, EmailLinks: c.EmailLinks}
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
}

// ToCourseJSON shows a course.
func ToCourseJSON(c *catalog.Course) CourseJSON {
	return CourseJSON{ID: c.ID, Version: c.Version, Title: c.Title, Summary: c.Summary, Minutes: c.Minutes, Lessons: len(c.Lessons), PassMark: c.Quiz.PassMark}
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

package web

import (
	"errors"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/timeline"
	"github.com/awareportal/portal/views"
)

const keyStaff ctxKey = 200

// staffCtx is a signed-in staff member and what they may see.
type staffCtx struct {
	Name, Email string
	Role        staff.Role // support outranks auditor when both are held
	PartnerID   string
	Clients     []directory.Client // in scope
}

func (sc staffCtx) inScope(clientID string) bool {
	return slices.ContainsFunc(sc.Clients, func(c directory.Client) bool { return c.ID == clientID })
}

func (sc staffCtx) clientIDs() []string {
	ids := make([]string, len(sc.Clients))
	for i, c := range sc.Clients {
		ids[i] = c.ID
	}
	return ids
}

// requireStaff lets through staff only; a learner gets 403. What a staff
// member may see comes from the grants their session holds (see
// auth.Service.StaffRoles), each checked against the partner that made it.
func (s *Server) requireStaff(c *fiber.Ctx) error {
	sess, ok := sessionOf(c)
	if !ok {
		return redirect(c, s.signInPath(c))
	}
	roles, err := s.Auth.StaffRoles(c.UserContext(), sess)
	if err != nil {
		return err
	}
	if len(roles) == 0 {
		return fiber.NewError(fiber.StatusForbidden, "The staff area is for support staff and auditors.")
	}
	sc := staffCtx{Name: roles[0].Name, Email: sess.Email, PartnerID: roles[0].PartnerID, Role: staff.RoleAuditor}
	seen := map[string]bool{}
	for _, r := range roles {
		if r.PartnerID != sc.PartnerID {
			continue // one partner per staff session; the first grant's
		}
		if staff.Role(r.Role) == staff.RoleSupport {
			sc.Role = staff.RoleSupport
			all, err := s.Dir.Clients(c.UserContext(), r.PartnerID)
			if err != nil {
				return err
			}
			for _, cl := range all {
				if !seen[cl.ID] {
					seen[cl.ID] = true
					sc.Clients = append(sc.Clients, cl)
				}
			}
		} else if !seen[r.ClientID] {
			cl, err := s.Dir.Client(c.UserContext(), r.ClientID)
			if errors.Is(err, directory.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if cl.PartnerID != r.PartnerID {
				continue // a grant can only cover the granting partner's clients
			}
			seen[cl.ID] = true
			sc.Clients = append(sc.Clients, cl)
		}
	}
	c.Locals(keyStaff, sc)
	return c.Next()
}

func staffOf(c *fiber.Ctx) staffCtx {
	sc, _ := c.Locals(keyStaff).(staffCtx)
	return sc
}

func (s *Server) staffPage(c *fiber.Ctx, title, nav string) (views.Page, error) {
	sc := staffOf(c)
	partner, err := s.Dir.Partner(c.UserContext(), sc.PartnerID)
	if err != nil {
		return views.Page{}, err
	}
	p := s.page(c, title, brandOf(partner))
	p.User = &views.User{Name: sc.Name, Email: sc.Email, Organisation: partner.Name + " · " + string(sc.Role)}
	p.StaffNav, p.Nav = true, nav
	return p, nil
}

func (sc staffCtx) scopeText(partner string) string {
	if sc.Role == staff.RoleSupport {
		return "Support for every client of " + partner
	}
	names := make([]string, len(sc.Clients))
	for i, c := range sc.Clients {
		names[i] = c.Name
	}
	return "Auditor for " + strings.Join(names, ", ") + " (read-only)"
}

// personInScope loads the learner in the URL if the staff may see them.
func (s *Server) personInScope(c *fiber.Ctx, id string) (timeline.Person, error) {
	person, err := s.Timeline.Person(c.UserContext(), id)
	if errors.Is(err, timeline.ErrNotFound) || (err == nil && !staffOf(c).inScope(person.ClientID)) {
		return timeline.Person{}, fiber.ErrNotFound
	}
	return person, err
}

// staffSubject checks every id a staff request carries against the staff's
// scope: a learner outside it, a client outside it, or a learner who is
// not at the named client are all 404, the same as ids that do not exist.
// It returns the learner (zero when none was named).
func (s *Server) staffSubject(c *fiber.Ctx, learnerID, clientID string) (timeline.Person, error) {
	if clientID != "" && !staffOf(c).inScope(clientID) {
		return timeline.Person{}, fiber.ErrNotFound
	}
	if learnerID == "" {
		return timeline.Person{}, nil
	}
	person, err := s.personInScope(c, learnerID)
	if err != nil {
		return timeline.Person{}, err
	}
	if clientID != "" && person.ClientID != clientID {
		return timeline.Person{}, fiber.ErrNotFound
	}
	return person, nil
}

// recordLook records that staff looked at a learner's data, with the
// reason in the URL, and waits until the learner's timeline shows it.
func (s *Server) recordLook(c *fiber.Ctx, person timeline.Person, what string) error {
	sc := staffOf(c)
	meta := s.meta(c)
	meta.TenantID = sc.PartnerID
	pos, err := s.Audit.RecordLook(c.UserContext(), staff.Look{
		LearnerID: person.ID, ClientID: person.ClientID, StaffEmail: sc.Email, StaffName: sc.Name, Role: sc.Role,
		What: what, Reason: c.Query("reason"),
	}, meta)
	var fe tenancy.FieldError
	if errors.As(err, &fe) {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "The reason "+fe.Problem+".")
	}
	if err != nil {
		return err
	}
	s.waitFor(c, pos)
	return nil
}

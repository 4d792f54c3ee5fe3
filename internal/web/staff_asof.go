package web

import (
	"fmt"
	"strconv"
	"time"

	"github.com/awareportal/portal/internal/when"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/internal/audit"
	"github.com/awareportal/portal/views"
)

// asOf replays a learner's or client's state at an instant.
func (s *Server) asOf(c *fiber.Ctx) error {
	sc := staffOf(c)
	p, err := s.staffPage(c, "As of", "asof")
	if err != nil {
		return err
	}
	v := views.AsOfView{Scope: sc.scopeText(p.Brand.Name), LearnerID: c.Query("learner"), ClientID: c.Query("client"), At: c.Query("at"), Basis: c.Query("basis")}
	for _, cl := range sc.Clients {
		v.Clients = append(v.Clients, views.CourseOption{ID: cl.ID, Title: cl.Name, Selected: cl.ID == v.ClientID})
	}
	person, err := s.staffSubject(c, v.LearnerID, v.ClientID)
	if err != nil {
		return err
	}
	scope := audit.Scope{ClientID: v.ClientID}
	if person.ID != "" {
		// One learner's history: never the union with a whole client's.
		scope = audit.Scope{LearnerID: person.ID}
		v.Scope = "For " + person.Name + " (" + person.Email + ")"
	}
	// The instant is read, and every date shown, in the client's zone.
	zoneClient := scope.ClientID
	if zoneClient == "" {
		zoneClient = person.ClientID
	}
	zone := time.UTC
	if zoneClient != "" {
		zone = s.zoneOf(c, zoneClient)
		v.Zone = zone.String()
	}
	if v.At == "" {
		v.At = s.Clock.Now().In(zone).Format(when.InstantStyle)
		return render(c, fiber.StatusOK, views.AsOfPage(p, v), nil)
	}
	at, err := when.ParseInstant(v.At, zone)
	if err != nil {
		v.Error = "Instant: " + err.Error() + "."
		return render(c, fiber.StatusUnprocessableEntity, views.AsOfPage(p, v), nil)
	}
	v.At = at.Format(when.InstantStyle)
	if scope.LearnerID == "" && scope.ClientID == "" {
		v.Error = "Pick a client."
		return render(c, fiber.StatusUnprocessableEntity, views.AsOfPage(p, v), nil)
	}
	if person.ID != "" {
		if err := s.recordLook(c, person, "history as of "+when.Stamp(at, zone)); err != nil {
			return err
		}
	}
	basis := audit.Occurred
	if v.Basis == "recorded" {
		basis = audit.Recorded
	}
	st, err := s.Audit.AsOf(c.UserContext(), scope, at, basis)
	if err != nil {
		return err
	}
	v.Done, v.Events = true, st.Events
	for _, l := range st.Learners {
		al := views.AsOfLearner{Name: l.Name, Email: l.Email, Risk: l.Risk, Rated: l.Rated, Band: l.Band, Assigned: l.Assigned, Completed: l.Completed, AvgScore: "—"}
		if l.Completed > 0 {
			al.AvgScore = strconv.Itoa(int(l.AvgScore+0.5)) + "%"
		}
		for _, cs := range l.Courses {
			ac := views.AsOfCourse{Title: cs.Title, Status: cs.Status, Due: reminder.DueDay(cs.DueAt, zone).Format(when.DayStyle)}
			if cs.CompletedAt != nil {
				ac.Completed, ac.Score, ac.Certificate = when.Stamp(*cs.CompletedAt, zone), strconv.Itoa(cs.Score)+"%", cs.CertificateID
			}
			al.Courses = append(al.Courses, ac)
		}
		for _, o := range l.Onboarding {
			step := o.Title + ", " + when.Stamp(o.At, zone)
			if o.Acknowledged {
				step += " (read and acknowledged)"
			}
			al.Onboarding = append(al.Onboarding, step)
		}
		for _, ps := range l.Policies {
			line := ps.Title + ": to sign, due " + reminder.DueDay(ps.DueAt, zone).Format(when.DayStyle)
			switch {
			case !ps.Outstanding:
				line = fmt.Sprintf("%s: signed v%d on %s as “%s”", ps.Title, ps.Version, when.Stamp(ps.SignedAt, zone), ps.TypedName)
			case ps.Version > 0:
				line += fmt.Sprintf(" (signed v%d before a new version asked again)", ps.Version)
			}
			al.Policies = append(al.Policies, line)
		}
		v.Learners = append(v.Learners, al)
	}
	return render(c, fiber.StatusOK, views.AsOfPage(p, v), nil)
}

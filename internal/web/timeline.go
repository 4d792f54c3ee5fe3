package web

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/when"
	"github.com/awareportal/portal/projections/timeline"
	"github.com/awareportal/portal/views"
)

// The timeline (a learner's My activity and support's timeline of a
// learner) says each entry in the reader's language.

// timelineCategories are the filters, in display order.
var timelineCategories = []string{timeline.CatSignIn, timeline.CatMail, timeline.CatTraining, timeline.CatAccount, timeline.CatStaff}

// timelineCategoryLabel is a filter's label.
func timelineCategoryLabel(tr *i18n.Translator, id string) string {
	switch id {
	case timeline.CatSignIn:
		return tr.T("timeline.category.signin")
	case timeline.CatMail:
		return tr.T("timeline.category.mail")
	case timeline.CatTraining:
		return tr.T("timeline.category.training")
	case timeline.CatAccount:
		return tr.T("timeline.category.account")
	case timeline.CatStaff:
		return tr.T("timeline.category.staff")
	}
	return id
}

// timelineExampleDay is the day the filter's hints write as an example.
var timelineExampleDay = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// timelineFilter reads the filter form; its days are days in loc (the
// client's zone), written as the reader's language writes them (or in
// English or ISO, when.ParseDayIn). A day that can't be read is left out
// of the filter and named in the answer.
func timelineFilter(c *fiber.Ctx, loc *time.Location) (timeline.Filter, views.TimelineFilter) {
	tr := i18n.From(c.UserContext())
	var f timeline.Filter
	args := c.Context().QueryArgs()
	for _, v := range args.PeekMulti("cat") {
		f.Categories = append(f.Categories, string(v))
	}
	v := views.TimelineFilter{From: c.Query("from"), To: c.Query("to"), Zone: loc.String(),
		FromExample: tr.Date(timelineExampleDay), ToExample: tr.Date(timelineExampleDay.AddDate(0, 0, 7))}
	v.Categories = make([]views.CategoryOption, len(timelineCategories))
	for i, cat := range timelineCategories {
		v.Categories[i] = views.CategoryOption{ID: cat, Label: timelineCategoryLabel(tr, cat), Checked: len(f.Categories) == 0 || slices.Contains(f.Categories, cat)}
	}
	if from, err := when.ParseDayIn(tr, v.From, loc); err != nil {
		v.FromError = tr.T("timeline.filter.from_error", "Example", v.FromExample)
	} else if !from.IsZero() {
		f.From, v.From = from, tr.Date(from)
	}
	if to, err := when.ParseDayIn(tr, v.To, loc); err != nil {
		v.ToError = tr.T("timeline.filter.to_error", "Example", v.FromExample)
	} else if !to.IsZero() {
		f.To, v.To = to.AddDate(0, 0, 1), tr.Date(to)
	}
	f.Before = c.Query("before")
	return f, v
}

// filterStatus is 422 when a filter day could not be read, so the page
// says so (its form swaps refusals in).
func filterStatus(v views.TimelineFilter) int {
	if v.FromError != "" || v.ToError != "" {
		return fiber.StatusUnprocessableEntity
	}
	return fiber.StatusOK
}

// nextURL is the same query with the cursor moved on.
func nextURL(c *fiber.Ctx, path, cursor string) string {
	if cursor == "" {
		return ""
	}
	q, _ := url.ParseQuery(string(c.Context().QueryArgs().QueryString()))
	q.Set("before", cursor)
	q.Del("reason")
	return path + "?" + q.Encode()
}

const timelinePage = 50

func (s *Server) timelineRows(c *fiber.Ctx, learnerID string, loc *time.Location, f timeline.Filter, own bool, path string) ([]views.TimelineRow, string, error) {
	entries, cursor, err := s.Timeline.Entries(c.UserContext(), learnerID, f, timelinePage)
	if err != nil {
		return nil, "", err
	}
	tr := i18n.From(c.UserContext())
	rows := make([]views.TimelineRow, len(entries))
	for i, e := range entries {
		rows[i] = describe(tr, e, own, loc)
	}
	return rows, nextURL(c, path, cursor), nil
}

// timelineMethod says how someone signed in, as "Signed in with …" words it.
func timelineMethod(tr *i18n.Translator, m string) string {
	switch m {
	case "email_link":
		return tr.T("timeline.method.email_link")
	case "email_code":
		return tr.T("timeline.method.email_code")
	case "training_link":
		return tr.T("timeline.method.training_link")
	case "microsoft":
		return "Microsoft"
	case "google":
		return "Google"
	}
	return m
}

// timelineFailure says why a sign-in was refused.
func timelineFailure(tr *i18n.Translator, reason string) string {
	switch reason {
	case "expired":
		return tr.T("timeline.failure.expired")
	case "used":
		return tr.T("timeline.failure.used")
	case "invalid_link":
		return tr.T("timeline.failure.invalid_link")
	case "wrong_code":
		return tr.T("timeline.failure.wrong_code")
	case "too_many_attempts":
		return tr.T("timeline.failure.too_many_attempts")
	case "rate_limited":
		return tr.T("timeline.failure.rate_limited")
	case "email_links_off":
		return tr.T("timeline.failure.email_links_off")
	}
	return reason
}

// timelineSSOReason says why a sign-in with Microsoft or Google was refused.
func timelineSSOReason(tr *i18n.Translator, reason string) string {
	switch reason {
	case "bad_state":
		return tr.T("timeline.sso.bad_state")
	case "replayed":
		return tr.T("timeline.sso.replayed")
	case "expired":
		return tr.T("timeline.sso.expired")
	case "bad_nonce":
		return tr.T("timeline.sso.bad_nonce")
	case "token_invalid":
		return tr.T("timeline.sso.token_invalid")
	case "code_rejected":
		return tr.T("timeline.sso.code_rejected")
	case "provider_error":
		return tr.T("timeline.sso.provider_error")
	case "email_unverified":
		return tr.T("timeline.sso.email_unverified")
	case "wrong_tenant":
		return tr.T("timeline.sso.wrong_tenant")
	case "hd_mismatch":
		return tr.T("timeline.sso.hd_mismatch")
	case "wrong_method":
		return tr.T("timeline.sso.wrong_method")
	case "not_enrolled":
		return tr.T("timeline.sso.not_enrolled")
	}
	return reason
}

// timelineSource says where a learner's directory entry comes from.
func timelineSource(tr *i18n.Translator, source string) string {
	switch source {
	case "microsoft365":
		return "Microsoft 365"
	case "google_workspace":
		return "Google Workspace"
	case "manual":
		return tr.T("timeline.source_manual")
	}
	return strings.ReplaceAll(source, "_", " ")
}

// timelineStaffLook says what a staff member looked at (staff.RecordLook's what).
func timelineStaffLook(tr *i18n.Translator, what string) string {
	switch {
	case what == "" || what == "history":
		return tr.T("timeline.what_history")
	case what == "timeline":
		return tr.T("timeline.what_timeline")
	case what == "history export":
		return tr.T("timeline.what_export")
	case strings.HasPrefix(what, "history as of "):
		return tr.T("timeline.what_asof", "Date", strings.TrimPrefix(what, "history as of "))
	}
	return what
}

// describe says an entry in plain language, in tr's language, for support
// staff and learners; times are in loc (the learner's client's zone), due
// dates the learner's local due day.
func describe(tr *i18n.Translator, e timeline.Entry, own bool, loc *time.Location) views.TimelineRow {
	d := e.Details
	r := views.TimelineRow{When: tr.Stamp(e.At.In(loc)), WhenISO: e.At.UTC().Format(time.RFC3339), Category: e.Category}
	// from adds where a request came from.
	from := func(text string) string {
		if d.IP == "" {
			return text
		}
		return tr.T("timeline.from_ip", "Text", text, "IP", d.IP)
	}
	due := func() string {
		if d.Due == nil {
			return ""
		}
		return tr.T("due.on", "Date", tr.Date(reminder.DueDay(*d.Due, loc)))
	}
	course := d.Course
	switch e.Kind {
	case "provisioned":
		r.Text = tr.T("timeline.enrolled")
		r.Detail = tr.T("timeline.directory_source", "Source", timelineSource(tr, d.Source))
	case "link_requested":
		r.Text = from(tr.T("timeline.link_requested"))
	case "link_opened":
		r.Detail = d.UserAgent
		if d.Followed {
			r.Text = from(tr.T("timeline.link_opened"))
		} else if own {
			// The learner's own history speaks to them, not to support.
			r.Text = from(tr.T("timeline.link_opened_own"))
			r.Detail = tr.T("timeline.link_scanner")
		} else {
			r.Text = from(tr.T("timeline.link_opened_staff"))
			r.Tone = "warn"
		}
	case "signed_in":
		r.Text = from(tr.T("timeline.signed_in", "Method", timelineMethod(tr, d.Method)))
		r.Tone = "ok"
	case "sign_in_failed":
		r.Text = from(tr.T("timeline.sign_in_refused", "Reason", timelineFailure(tr, d.Reason)))
		r.Tone = "bad"
	case "sso_refused":
		r.Text = from(tr.T("timeline.sso_refused", "Provider", timelineMethod(tr, d.Provider), "Reason", timelineSSOReason(tr, d.Reason)))
		r.Tone = "bad"
		var detail []string
		if m := d.RightMethod; m != "" && d.Reason == "wrong_method" {
			detail = append(detail, tr.T("timeline.should_use", "Method", timelineMethod(tr, m)))
		}
		if t := d.Tenant; t != "" {
			detail = append(detail, tr.T("timeline.tenant", "Tenant", t))
		}
		if x := d.Detail; x != "" && !own {
			detail = append(detail, x)
		}
		r.Detail = strings.Join(detail, " · ")
	case "identity_linked":
		r.Text = tr.T("timeline.account_linked", "Provider", timelineMethod(tr, d.Provider))
		r.Detail = tr.T("timeline.verified_email", "Email", d.Email)
		if t := d.Tenant; t != "" {
			r.Detail += " · " + tr.T("timeline.tenant", "Tenant", t)
		}
	case "organisation_chosen":
		r.Text = tr.T("timeline.organisation_chosen")
	case "signed_out":
		r.Text = tr.T("timeline.logged_out")
	case "session_ended":
		device := d.Device
		if device == "" {
			device = tr.T("timeline.a_session")
		}
		r.Text = from(tr.T("timeline.session_ended", "Device", device))
	case "mail_queued":
		r.Text = tr.T("timeline.mail_queued", "Subject", d.Subject)
		r.Detail = tr.T("timeline.mail_to", "To", d.To)
	case "mail_sent":
		r.Text = tr.T("timeline.mail_sent", "Subject", d.Subject)
		r.Tone = "ok"
		if own {
			r.Text = tr.T("timeline.mail_sent_own", "Subject", d.Subject)
		}
	case "mail_failed":
		r.Tone = "bad"
		if d.Final {
			r.Text = tr.T("timeline.mail_failed", "Subject", d.Subject, "Attempt", d.Attempt)
		} else {
			r.Text = tr.T("timeline.mail_retry", "Subject", d.Subject, "Attempt", d.Attempt)
			r.Tone = "warn"
		}
		r.Detail = tr.T("timeline.mail_reply", "Reply", d.Reply)
	case "course_assigned":
		r.Text = tr.T("timeline.course_assigned", "Course", course)
		r.Detail = due()
	case "course_available":
		r.Text = tr.T("timeline.course_available", "Course", course)
		if d.Emailed {
			r.Detail = tr.T("timeline.course_announced")
		}
	case "course_overdue":
		r.Text = tr.T("timeline.course_overdue", "Course", course)
		r.Tone = "bad"
	case "course_started":
		r.Text = tr.T("timeline.course_started", "Course", course)
	case "progress_saved":
		r.Text = tr.T("timeline.progress", "Step", d.Lesson+1, "Of", d.Of+1, "Course", course)
	case "quiz_submitted":
		if d.Passed {
			r.Text = tr.T("timeline.quiz_passed", "Course", course, "Score", d.Score, "Attempt", d.Attempt)
			r.Tone = "ok"
		} else {
			r.Text = tr.T("timeline.quiz_failed", "Course", course, "Score", d.Score, "PassMark", d.PassMark, "Attempt", d.Attempt)
			r.Tone = "warn"
		}
	case "course_completed":
		r.Text = tr.T("timeline.course_completed", "Course", course, "Score", d.Score)
		r.Tone = "ok"
		r.Detail = tr.T("timeline.certificate", "Number", d.Certificate)
	case "certificate_requested":
		r.Text = tr.T("timeline.certificate_emailed", "Course", course)
		r.Detail = tr.T("timeline.certificate", "Number", d.Certificate)
	case "onboarding_step_done":
		r.Text = tr.T("timeline.onboarding_step", "Module", moduleTitle(tr, d.Module))
		r.Tone = "ok"
		if d.Acked {
			r.Detail = tr.T("timeline.onboarding_ticked")
		}
	case "onboarding_video_opened":
		r.Text = tr.T("timeline.onboarding_video")
	case "reminder_received":
		by := d.By
		if by == "" {
			by = tr.T("timeline.their_manager")
		}
		r.Text = tr.T("timeline.reminder_from", "By", by, "Courses", reminderCourses(tr, d))
	case "reminder_sent":
		person := d.Person
		if person == "" {
			person = tr.T("timeline.a_direct_report")
		}
		r.Text = tr.T("timeline.reminded", "Person", person, "Courses", reminderCourses(tr, d))
	case "scheduled_reminder":
		r.Text = tr.T("timeline.reminder_sent", "Courses", reminderCourses(tr, d))
	case "digest_sent":
		r.Text = tr.T("timeline.digest", "Reports", tr.N("timeline.digest_reports", d.Reports), "Overdue", tr.N("timeline.digest_overdue", d.Overdue))
	case "policy_assigned":
		r.Text = tr.T("timeline.policy_assigned", "Policy", d.Policy)
		r.Detail = due()
	case "policy_signed":
		r.Text = tr.T("timeline.policy_signed", "Policy", d.Policy, "Version", d.Version)
		r.Tone = "ok"
		r.Detail = tr.T("timeline.policy_ticked", "Typed", d.Typed)
		if !own {
			r.Detail += " · " + from(tr.T("timeline.document_sha", "SHA", d.SHA256))
		}
	case "phishing_result":
		r.Text, r.Detail = phishingEntry(tr, d, loc)
	case "staff_viewed":
		r.Text = tr.T("timeline.staff_viewed", "Staff", d.Staff, "Role", d.Role, "What", timelineStaffLook(tr, d.What))
		r.Detail = d.Reason
	default:
		r.Text = e.Kind
	}
	return r
}

// reminderCourses says what a My Team reminder listed ("2 courses due, 1 overdue").
func reminderCourses(tr *i18n.Translator, d timeline.Details) string {
	switch {
	case d.Overdue == d.Courses:
		return tr.N("timeline.courses_overdue", d.Courses)
	case d.Overdue > 0:
		return tr.N("timeline.courses_some_overdue", d.Courses, "Overdue", tr.Number(d.Overdue))
	}
	return tr.N("timeline.courses_due", d.Courses)
}

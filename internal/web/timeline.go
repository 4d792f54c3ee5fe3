package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/awareportal/portal/internal/when"

	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/projections/timeline"
	"github.com/awareportal/portal/views"
)

// timelineCategories are the filters, in display order.
var timelineCategories = []struct{ id, label string }{
	{timeline.CatSignIn, "Sign-in"},
	{timeline.CatMail, "Email"},
	{timeline.CatTraining, "Training"},
	{timeline.CatAccount, "Account"},
	{timeline.CatStaff, "Staff access"},
}

var methods = map[string]string{
	"email_link": "an email link", "email_code": "a code from the email", "training_link": "a 7-day training link from an email (a course or welcome email)",
	"microsoft": "Microsoft", "google": "Google",
}

var failures = map[string]string{
	"expired": "the link had expired", "used": "the link was already used", "invalid_link": "the link was not valid",
	"wrong_code": "a wrong code was typed", "too_many_attempts": "too many wrong codes", "rate_limited": "too many sign-in emails were asked for",
	"email_links_off": "the organisation has turned email links off",
}

// ssoRefusals say why a sign-in with Microsoft or Google was refused.
var ssoRefusals = map[string]string{
	"bad_state": "it did not start in this browser (or was forged)", "replayed": "the provider's answer was replayed",
	"expired": "it took longer than 10 minutes", "bad_nonce": "the ID token was not minted for this sign-in",
	"token_invalid": "the ID token did not check out", "code_rejected": "the provider refused the code (expired or used)",
	"provider_error": "cancelled or failed at the provider", "email_unverified": "the provider did not confirm the email",
	"wrong_tenant": "the Microsoft account is in another organisation's tenant", "hd_mismatch": "the Google account is outside the organisation's Workspace",
	"wrong_method": "this person signs in another way", "not_enrolled": "nobody is enrolled with that email",
}

// describe says an entry in plain language, for support staff and learners;
// due dates are the learner's local due day (loc, their client's zone).
func describe(e timeline.Entry, own bool, loc *time.Location) views.TimelineRow {
	d := e.Details
	r := views.TimelineRow{When: when.Stamp(e.At, loc), WhenISO: e.At.UTC().Format(time.RFC3339), Category: e.Category}
	from := ""
	if ip := d.IP; ip != "" {
		from = " from " + ip
	}
	course := d.Course
	switch e.Kind {
	case "provisioned":
		r.Text = "Enrolled for training"
		r.Detail = "Directory source: " + strings.ReplaceAll(d.Source, "_", " ")
	case "link_requested":
		r.Text = "Sign-in link requested" + from
	case "link_opened":
		r.Detail = d.UserAgent
		if d.Followed {
			r.Text = "Sign-in link opened" + from
		} else if own {
			// The learner's own history speaks to them, not to support.
			r.Text = "A sign-in link was opened without signing in" + from
			r.Detail = "Email security scanners open links to check them; that is harmless."
		} else {
			r.Text = "Link opened without signing in (mail scanner?)" + from
			r.Tone = "warn"
		}
	case "signed_in":
		r.Text = "Signed in with " + orDefault(methods[d.Method], d.Method) + from
		r.Tone = "ok"
	case "sign_in_failed":
		r.Text = "Sign-in refused: " + orDefault(failures[d.Reason], d.Reason) + from
		r.Tone = "bad"
	case "sso_refused":
		r.Text = "Sign-in with " + orDefault(methods[d.Provider], d.Provider) + " refused: " + orDefault(ssoRefusals[d.Reason], d.Reason) + from
		r.Tone = "bad"
		var detail []string
		if m := d.RightMethod; m != "" && d.Reason == "wrong_method" {
			detail = append(detail, "Should use "+orDefault(methods[m], m))
		}
		if t := d.Tenant; t != "" {
			detail = append(detail, "Tenant "+t)
		}
		if x := d.Detail; x != "" && !own {
			detail = append(detail, x)
		}
		r.Detail = strings.Join(detail, " · ")
	case "identity_linked":
		r.Text = orDefault(methods[d.Provider], d.Provider) + " account linked"
		r.Detail = "Verified email " + d.Email
		if t := d.Tenant; t != "" {
			r.Detail += " · tenant " + t
		}
	case "organisation_chosen":
		r.Text = "Chose this organisation after signing in"
	case "signed_out":
		r.Text = "Logged out"
	case "session_ended":
		r.Text = "Signed out " + orDefault(d.Device, "a session") + " from another signed-in device" + from
	case "mail_queued":
		r.Text = fmt.Sprintf("Email %q queued", d.Subject)
		r.Detail = "To " + d.To
	case "mail_sent":
		r.Text = fmt.Sprintf("Email %q handed to the mail server", d.Subject)
		r.Tone = "ok"
		if own {
			r.Text = fmt.Sprintf("Email %q sent", d.Subject)
		}
	case "mail_failed":
		r.Tone = "bad"
		if d.Final {
			r.Text = fmt.Sprintf("Email %q failed for good (attempt %d)", d.Subject, d.Attempt)
		} else {
			r.Text = fmt.Sprintf("Email %q failed on attempt %d; will retry", d.Subject, d.Attempt)
			r.Tone = "warn"
		}
		r.Detail = "Mail server said: " + d.Reply
	case "course_assigned":
		r.Text = "Assigned " + course
		if d.Due != nil {
			r.Detail = "Due " + reminder.DueDay(*d.Due, loc).Format("2 Jan 2006")
		}
	case "course_available":
		r.Text = course + " became available"
		if d.Emailed {
			r.Detail = "Announced by email with a Start training link"
		}
	case "course_overdue":
		r.Text = course + " became overdue"
		r.Tone = "bad"
	case "course_started":
		r.Text = "Started " + course
	case "progress_saved":
		r.Text = fmt.Sprintf("Reached step %d of %d in %s", d.Lesson+1, d.Of+1, course)
	case "quiz_submitted":
		if d.Passed {
			r.Text = fmt.Sprintf("Passed the %s quiz with %d%% (attempt %d)", course, d.Score, d.Attempt)
			r.Tone = "ok"
		} else {
			r.Text = fmt.Sprintf("Quiz for %s: %d%%, below the %d%% pass mark (attempt %d)", course, d.Score, d.PassMark, d.Attempt)
			r.Tone = "warn"
		}
	case "course_completed":
		r.Text = fmt.Sprintf("Completed %s with %d%%", course, d.Score)
		r.Tone = "ok"
		r.Detail = "Certificate " + d.Certificate
	case "certificate_requested":
		r.Text = "Certificate for " + course + " emailed"
		r.Detail = "Certificate " + d.Certificate
	case "onboarding_step_done":
		r.Text = "Finished onboarding step: " + d.Module
		r.Tone = "ok"
		if d.Acked {
			r.Detail = "Ticked \"I have read this\""
		}
	case "onboarding_video_opened":
		r.Text = "Opened the onboarding video"
	case "reminder_received":
		r.Text = "Reminder from " + orDefault(d.By, "their manager") + ": " + reminderCourses(d)
	case "reminder_sent":
		r.Text = "Reminded " + orDefault(d.Person, "a direct report") + ": " + reminderCourses(d)
	case "scheduled_reminder":
		r.Text = "Reminder sent: " + reminderCourses(d)
	case "digest_sent":
		r.Text = fmt.Sprintf("Weekly manager digest sent: %s with %s", plural(d.Reports, "report", "reports"), plural(d.Overdue, "overdue course", "overdue courses"))
	case "policy_assigned":
		r.Text = "Asked to sign " + d.Policy
		if d.Due != nil {
			r.Detail = "Due " + reminder.DueDay(*d.Due, loc).Format("2 Jan 2006")
		}
	case "policy_signed":
		r.Text = fmt.Sprintf("Signed %s v%d", d.Policy, d.Version)
		r.Tone = "ok"
		r.Detail = fmt.Sprintf("Ticked \"I have read and accept\" and typed %q", d.Typed)
		if !own {
			r.Detail += " · document SHA-256 " + d.SHA256 + from
		}
	case "phishing_result":
		r.Text, r.Detail = phishingEntry(d, loc)
	case "staff_viewed":
		r.Text = fmt.Sprintf("%s (%s) viewed the %s", d.Staff, d.Role, orDefault(d.What, "history"))
		r.Detail = d.Reason
	default:
		r.Text = e.Kind
	}
	return r
}

// reminderCourses says what a My Team reminder listed ("2 courses due, 1 overdue").
func reminderCourses(d timeline.Details) string {
	n := fmt.Sprintf("%d course", d.Courses)
	if d.Courses != 1 {
		n += "s"
	}
	switch {
	case d.Overdue == d.Courses:
		return n + " overdue"
	case d.Overdue > 0:
		return fmt.Sprintf("%s due, %d overdue", n, d.Overdue)
	}
	return n + " due"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

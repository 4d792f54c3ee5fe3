package web

import (
	"fmt"
	"strings"
	"time"

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

func str(d map[string]any, k string) string {
	v, _ := d[k].(string)
	return v
}

func num(d map[string]any, k string) int {
	v, _ := d[k].(float64)
	return int(v)
}

func flag(d map[string]any, k string) bool {
	v, _ := d[k].(bool)
	return v
}

var methods = map[string]string{
	"email_link": "an email link", "email_code": "a code from the email", "training_link": "the Start training link in a course email",
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

// describe says an entry in plain language, for support staff and learners.
func describe(e timeline.Entry, own bool) views.TimelineRow {
	d := e.Details
	r := views.TimelineRow{When: e.At.UTC().Format("2 Jan 2006 15:04"), WhenISO: e.At.UTC().Format(time.RFC3339), Category: e.Category}
	from := ""
	if ip := str(d, "ip"); ip != "" {
		from = " from " + ip
	}
	course := str(d, "course")
	switch e.Kind {
	case "provisioned":
		r.Text = "Enrolled for training"
		r.Detail = "Directory source: " + strings.ReplaceAll(str(d, "source"), "_", " ")
	case "link_requested":
		r.Text = "Sign-in link requested" + from
	case "link_opened":
		if flag(d, "followed") {
			r.Text = "Sign-in link opened" + from
		} else {
			r.Text = "Link opened without signing in (mail scanner?)" + from
			r.Tone = "warn"
		}
		r.Detail = str(d, "user_agent")
	case "signed_in":
		r.Text = "Signed in with " + orDefault(methods[str(d, "method")], str(d, "method")) + from
		r.Tone = "ok"
	case "sign_in_failed":
		r.Text = "Sign-in refused: " + orDefault(failures[str(d, "reason")], str(d, "reason")) + from
		r.Tone = "bad"
	case "sso_refused":
		r.Text = "Sign-in with " + orDefault(methods[str(d, "provider")], str(d, "provider")) + " refused: " + orDefault(ssoRefusals[str(d, "reason")], str(d, "reason")) + from
		r.Tone = "bad"
		var detail []string
		if m := str(d, "right_method"); m != "" && str(d, "reason") == "wrong_method" {
			detail = append(detail, "Should use "+orDefault(methods[m], m))
		}
		if t := str(d, "tenant"); t != "" {
			detail = append(detail, "Tenant "+t)
		}
		if x := str(d, "detail"); x != "" && !own {
			detail = append(detail, x)
		}
		r.Detail = strings.Join(detail, " · ")
	case "identity_linked":
		r.Text = orDefault(methods[str(d, "provider")], str(d, "provider")) + " account linked"
		r.Detail = "Verified email " + str(d, "email")
		if t := str(d, "tenant"); t != "" {
			r.Detail += " · tenant " + t
		}
	case "organisation_chosen":
		r.Text = "Chose this organisation after signing in"
	case "signed_out":
		r.Text = "Logged out"
	case "mail_queued":
		r.Text = fmt.Sprintf("Email %q queued", str(d, "subject"))
		r.Detail = "To " + str(d, "to")
	case "mail_sent":
		r.Text = fmt.Sprintf("Email %q handed to the mail server", str(d, "subject"))
		r.Tone = "ok"
		if own {
			r.Text = fmt.Sprintf("Email %q sent", str(d, "subject"))
		}
	case "mail_failed":
		r.Tone = "bad"
		if flag(d, "final") {
			r.Text = fmt.Sprintf("Email %q failed for good (attempt %d)", str(d, "subject"), num(d, "attempt"))
		} else {
			r.Text = fmt.Sprintf("Email %q failed on attempt %d; will retry", str(d, "subject"), num(d, "attempt"))
			r.Tone = "warn"
		}
		r.Detail = "Mail server said: " + str(d, "reply")
	case "course_assigned":
		r.Text = "Assigned " + course
		if due, err := time.Parse(time.RFC3339, str(d, "due")); err == nil {
			r.Detail = "Due " + due.Format("2 Jan 2006")
		}
	case "course_available":
		r.Text = course + " became available"
		if flag(d, "emailed") {
			r.Detail = "Announced by email with a Start training link"
		}
	case "course_overdue":
		r.Text = course + " became overdue"
		r.Tone = "bad"
	case "course_started":
		r.Text = "Started " + course
	case "progress_saved":
		r.Text = fmt.Sprintf("Reached step %d of %d in %s", num(d, "lesson")+1, num(d, "of")+1, course)
	case "quiz_submitted":
		if flag(d, "passed") {
			r.Text = fmt.Sprintf("Passed the %s quiz with %d%% (attempt %d)", course, num(d, "score"), num(d, "attempt"))
			r.Tone = "ok"
		} else {
			r.Text = fmt.Sprintf("Quiz for %s: %d%%, below the %d%% pass mark (attempt %d)", course, num(d, "score"), num(d, "pass_mark"), num(d, "attempt"))
			r.Tone = "warn"
		}
	case "course_completed":
		r.Text = fmt.Sprintf("Completed %s with %d%%", course, num(d, "score"))
		r.Tone = "ok"
		r.Detail = "Certificate " + str(d, "certificate")
	case "certificate_requested":
		r.Text = "Certificate for " + course + " emailed"
		r.Detail = "Certificate " + str(d, "certificate")
	case "staff_viewed":
		r.Text = fmt.Sprintf("%s (%s) viewed the %s", str(d, "staff"), str(d, "role"), orDefault(str(d, "what"), "history"))
		r.Detail = str(d, "reason")
	default:
		r.Text = e.Kind
	}
	return r
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

package views

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
)

func csrfHeaders(token string) string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

func navClass(active bool) string {
	if active {
		return "active"
	}
	return ""
}

func initials(name string) string {
	var out []rune
	for _, f := range strings.Fields(name) {
		r := []rune(f)
		if len(r) > 0 && unicode.IsLetter(r[0]) {
			out = append(out, unicode.ToUpper(r[0]))
		}
		if len(out) == 2 {
			break
		}
	}
	return string(out)
}

// signinPath is where the sign-in form posts: the partner's branded path
// when the page is branded.
func signinPath(slug string) string {
	if slug == "" {
		return "/signin"
	}
	return "/p/" + slug + "/signin"
}

func itoa(n int) string { return strconv.Itoa(n) }

// badgeIcon wraps a badge's icon markup (domain/learning.Badges) in its SVG.
func badgeIcon(inner string) string {
	return `<svg viewBox="0 0 24 24" width="28" height="28" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">` + inner + `</svg>`
}

func reminderDueColor(overdue bool) string {
	if overdue {
		return "#c81e1e"
	}
	return "#52606d"
}

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

func minutes(n int) string {
	if n == 1 {
		return "1 minute"
	}
	return itoa(n) + " minutes"
}

func itoa(n int) string { return strconv.Itoa(n) }

// plural writes "1 Course" or "3 Courses".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

// badgeIcons are inline SVG icons (no emoji: not every machine has the font).
var badgeIcons = map[string]string{
	"first-steps":   `<path d="M6 3v18M6 4h11l-2.5 4L17 12H6" />`,
	"first-try":     `<path d="M13 2 4 14h7l-1 8 9-12h-7z" />`,
	"perfect-score": `<path d="m12 2 3 6.5 7 .8-5.2 4.8 1.4 7L12 17.6 5.8 21l1.4-7L2 9.3l7-.8z" />`,
	"quick-starter": `<path d="M5 12h14M13 6l6 6-6 6" />`,
	"punctual":      `<circle cx="12" cy="12" r="9" /><path d="M12 7v5l3 2" />`,
	"completionist": `<path d="M8 21h8M12 17v4M7 4h10v5a5 5 0 0 1-10 0zM7 6H4a3 3 0 0 0 3 4M17 6h3a3 3 0 0 1-3 4" />`,
}

func badgeIcon(id string) string {
	return `<svg viewBox="0 0 24 24" width="28" height="28" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">` + badgeIcons[id] + `</svg>`
}

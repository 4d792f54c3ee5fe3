// Package useragent says what browser and system a User-Agent header
// names, in words ("Chrome on Windows"), for the Signed-in devices page and
// the timelines. It knows the few browsers and systems people use and says
// "Unknown browser" or "unknown system" for the rest: a summary, not a
// database (version numbers, device models and bots are left out).
package useragent

import "strings"

// Summary is "Browser on System" for a User-Agent header.
func Summary(ua string) string {
	b, s := Browser(ua), System(ua)
	switch {
	case b == "" && s == "":
		return "Unknown browser"
	case b == "":
		return "A browser on " + s
	case s == "":
		return b
	}
	return b + " on " + s
}

// Browser names the browser, or "" when it is none of those known. The
// order matters: Edge, Opera and Samsung Internet also say "Chrome", and
// Chrome also says "Safari".
func Browser(ua string) string {
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
		{"OPR/", "Opera"}, {"OPiOS/", "Opera"},
		{"SamsungBrowser/", "Samsung Internet"},
		{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"Chromium/", "Chromium"}, {"HeadlessChrome/", "Chrome"}, {"Chrome/", "Chrome"},
		{"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			return b.name
		}
	}
	return ""
}

// System names the operating system, or "" when it is none of those known.
func System(ua string) string {
	for _, s := range []struct{ token, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"},
		{"Android", "Android"},
		{"CrOS", "ChromeOS"},
		{"Windows", "Windows"},
		{"Macintosh", "macOS"}, {"Mac OS X", "macOS"},
		{"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			return s.name
		}
	}
	return ""
}

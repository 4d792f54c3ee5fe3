package tenancy

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what partners type. Every string that reaches an event is
// bounded: read models index some of them, and Postgres refuses an index
// row over about 2.7 kB, which would stop a projection.
const (
	// MaxName is the most characters of a person's or organisation's name,
	// a department, a token's or course's title.
	MaxName = 200
	// MaxRef is the most bytes of an identifier: ids of learners, clients,
	// grants, tokens, courses, idempotency keys.
	MaxRef = 100
)

// Text checks free text a person typed (a name, a department, a title) and
// returns it trimmed. The rule: valid UTF-8; no control characters (NUL,
// tab, newline, DEL, the C1 range) and none of the invisible characters
// that reorder or hide text (bidirectional overrides and isolates, zero
// width spaces, the byte-order mark); at most max characters. Empty text
// is allowed here; callers say whether the field is required.
func Text(field, s string, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", FieldError{field, "is not valid UTF-8 text"}
	}
	s = strings.TrimSpace(s)
	for _, r := range s {
		if forbiddenRune(r) {
			return "", FieldError{field, "must not contain control or invisible formatting characters"}
		}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", FieldError{field, "must be at most " + strconv.Itoa(max) + " characters"}
	}
	return s, nil
}

// forbiddenRune is a control character, or a format character that can
// make text display as something else.
func forbiddenRune(r rune) bool {
	switch {
	case unicode.IsControl(r), r == utf8.RuneError:
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C: // bidi
		return true
	case r == 0x200B, r == 0x2060, r == 0xFEFF, r == 0x00AD: // zero width, BOM, soft hyphen
		return true
	case r >= 0xFFF9 && r <= 0xFFFB, r >= 0xE0000 && r <= 0xE007F: // interlinear annotations, tags
		return true
	}
	return false
}

// Ref checks an identifier that names something (a learner, a client, a
// course, a grant): 1 to MaxRef printable ASCII characters, no spaces. It
// says nothing about whether the thing exists; it keeps what can't be an
// id away from storage.
func Ref(field, s string) error {
	if s == "" {
		return FieldError{field, "is required"}
	}
	if len(s) > MaxRef {
		return FieldError{field, "must be at most " + strconv.Itoa(MaxRef) + " characters"}
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return FieldError{field, "may contain only printable ASCII characters, no spaces"}
		}
	}
	return nil
}

package when

import (
	"strconv"
	"strings"
	"time"

	"github.com/awareportal/portal/internal/i18n"
)

// ParseDayIn is ParseDay for a reader of tr's language: it reads what
// ParseDay reads (the portal's English style and ISO) and the day as the
// language writes it (tr.Date, tr.LongDate): "23. Nov. 2026",
// "23. November 2026" and "23.11.2026" in German, "23 nov. 2026" and
// "1er mars 2026" in French; month names in any case, an abbreviation's
// dot optional. A blank s is the zero time. Slash-separated numeric days
// stay refused (their order differs between countries); German's
// dotted day.month.year does not.
func ParseDayIn(tr *i18n.Translator, s string, loc *time.Location) (time.Time, error) {
	t, err := ParseDay(s, loc)
	if err == nil || tr.Lang() == i18n.English {
		return t, err
	}
	f := strings.Fields(s)
	if len(f) == 1 && tr.Lang() == i18n.German {
		f = strings.Split(f[0], ".")
		if len(f) != 3 {
			return time.Time{}, ErrDate
		}
		m, err := strconv.Atoi(f[1])
		if err != nil || len(f[1]) > 2 || m < 1 || m > 12 {
			return time.Time{}, ErrDate
		}
		return dayOfMonth(f[0], time.Month(m), f[2], loc)
	}
	if len(f) != 3 {
		return time.Time{}, ErrDate
	}
	m, ok := tr.Month(f[1])
	if !ok {
		return time.Time{}, ErrDate
	}
	d := f[0]
	switch tr.Lang() {
	case i18n.German:
		d = strings.TrimSuffix(d, ".")
	case i18n.French:
		if strings.EqualFold(d, "1er") {
			d = "1"
		}
	}
	return dayOfMonth(d, m, f[2], loc)
}

// dayOfMonth is the start of a day written as day and year digits; a day
// the month lacks (31 Feb) is refused.
func dayOfMonth(day string, m time.Month, year string, loc *time.Location) (time.Time, error) {
	d, err1 := strconv.Atoi(day)
	y, err2 := strconv.Atoi(year)
	if err1 != nil || err2 != nil || len(day) > 2 || len(year) != 4 || d < 1 {
		return time.Time{}, ErrDate
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if t.Day() != d || t.Month() != m {
		return time.Time{}, ErrDate
	}
	return t, nil
}

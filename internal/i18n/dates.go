package i18n

import (
	"strconv"
	"time"
)

// Go's time package names months and days in English only; these tables
// are the CLDR names (German abbreviations carry their dot, short names
// don't: "Nov.", "Mai"; French ones are lower case).
var (
	monthNames = map[Lang][12]string{
		English: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		German:  {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		French:  {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	}
	monthAbbr = map[Lang][12]string{
		English: {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		German:  {"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."},
		French:  {"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
	}
	dayNames = map[Lang][7]string{ // from Sunday, like time.Weekday
		English: {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		German:  {"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		French:  {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
	}
)

// day is the day of the month as the language writes it before a month:
// "23", "23." in German, "1er" for the first in French.
func (t *Translator) day(d int) string {
	switch t.lang {
	case German:
		return strconv.Itoa(d) + "."
	case French:
		if d == 1 {
			return "1er"
		}
	}
	return strconv.Itoa(d)
}

// Date is a day with its year, the portal's everyday style: "23 Nov 2026",
// "23. Nov. 2026", "23 nov. 2026". t is already in the reader's zone.
func (t *Translator) Date(tm time.Time) string {
	return t.DayMonth(tm) + " " + strconv.Itoa(tm.Year())
}

// DayMonth is a day without its year: "23 Nov", "23. Nov.", "23 nov.".
func (t *Translator) DayMonth(tm time.Time) string {
	return t.day(tm.Day()) + " " + monthAbbr[t.lang][tm.Month()-1]
}

// LongDate is a day with the month in full: "23 November 2026",
// "23. November 2026", "23 novembre 2026" (certificates).
func (t *Translator) LongDate(tm time.Time) string {
	return t.day(tm.Day()) + " " + monthNames[t.lang][tm.Month()-1] + " " + strconv.Itoa(tm.Year())
}

// Weekday is a day named with its weekday, without the year: "Monday 23
// November", "Montag, 23. November", "lundi 23 novembre" (due dates).
func (t *Translator) Weekday(tm time.Time) string {
	sep := " "
	if t.lang == German {
		sep = ", "
	}
	return dayNames[t.lang][tm.Weekday()] + sep + t.day(tm.Day()) + " " + monthNames[t.lang][tm.Month()-1]
}

// Stamp is an instant with its time of day and zone: "23 Nov 2026 09:14
// CET", "23. Nov. 2026, 09:14 CET", "23 nov. 2026 à 09:14 CET".
func (t *Translator) Stamp(tm time.Time) string {
	sep := " "
	switch t.lang {
	case German:
		sep = ", "
	case French:
		sep = " à "
	}
	return t.Date(tm) + sep + tm.Format("15:04 MST")
}

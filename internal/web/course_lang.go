package web

import (
	"context"

	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/i18n"
)

// courseIn is a course in the request's language: its translation, or
// the English when it has none. lang is "en" when the English stands in
// for a missing translation on a page in another language (the view marks
// the text lang="en" and says the course is not translated), else "".
func courseIn(ctx context.Context, course *catalog.Course) (view *catalog.Course, lang string) {
	view, fellBack := course.In(i18n.From(ctx).Lang())
	if fellBack {
		return view, string(i18n.English)
	}
	return view, ""
}

// courseTitle is an assignment's course title in the request's language
// (stored is the title the assignment was recorded with: the English).
func (s *Server) courseTitle(ctx context.Context, courseID string, version int, stored string) string {
	return s.Catalog.Title(courseID, version, i18n.From(ctx).Lang(), stored)
}

// courseTitleLang is courseTitle with the language to mark it with ("en"
// when the course has no translation into the page's language, "" when it
// is in the page's language).
func (s *Server) courseTitleLang(ctx context.Context, courseID string, version int, stored string) (title, lang string) {
	course, err := s.Catalog.Version(courseID, version)
	if err != nil {
		if i18n.From(ctx).Lang() != i18n.English {
			return stored, string(i18n.English)
		}
		return stored, ""
	}
	view, lang := courseIn(ctx, course)
	return view.Title, lang
}

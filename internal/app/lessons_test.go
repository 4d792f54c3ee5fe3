package app_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/awareportal/portal/projections/progress"
)

// TestLessonsCannotBeSkipped: progress moves one lesson at a time, and the
// quiz opens after the last lesson (the issue: lesson=99, then the quiz,
// completed a course in 35 ms).
func TestLessonsCannotBeSkipped(t *testing.T) {
	t.Parallel()
	p := start(t)
	now := p.clock.Now()
	b := p.browser(t)
	signIn(t, p, b, sam)
	a := assignmentOf(t, p, "acme-sam", func(a progress.Assignment) bool {
		return a.StartedAt == nil && !a.IsUpcoming(now) && !a.Completed()
	})
	course, err := p.app.Catalog.Version(a.CourseID, a.CourseVersion)
	if err != nil {
		t.Fatal(err)
	}
	page := b.get("/learn/" + a.ID) // opens (starts) the course at lesson 1
	token := csrfRe.FindStringSubmatch(page.body)[1]
	answers := url.Values{}
	for _, q := range course.Quiz.Questions {
		answers.Set("q_"+q.ID, q.Answer)
	}
	for _, jump := range []string{"99", itoa(len(course.Lessons)), "2"} {
		if r := b.post("/learn/"+a.ID+"/progress", url.Values{"lesson": {jump}}, token); r.status != 409 || !strings.Contains(r.body, "Lessons open one at a time: lesson 2 is the furthest") {
			t.Fatalf("jump to %s: %d\n%.500s", jump, r.status, r.body)
		}
	}
	if r := b.post("/learn/"+a.ID+"/quiz", answers, token); r.status != 409 {
		t.Fatalf("quiz before the lessons: %d", r.status)
	}
	for i := 1; i <= len(course.Lessons); i++ {
		if r := b.post("/learn/"+a.ID+"/progress", url.Values{"lesson": {itoa(i)}}, token); r.status != 200 {
			t.Fatalf("step to %d: %d", i, r.status)
		}
	}
	if r := b.post("/learn/"+a.ID+"/quiz", answers, token); r.status != 200 || !strings.Contains(r.body, "Course completed") {
		t.Fatalf("quiz after the lessons: %d", r.status)
	}
}

// TestPassingQuizAnswersWithTheCompletion: htmx gets the completion panel
// and the due banner brought up to date (out of band) in one answer, not a
// redirect and a second round trip.
func TestPassingQuizAnswersWithTheCompletion(t *testing.T) {
	t.Parallel()
	p := start(t)
	now := p.clock.Now()
	b := p.browser(t)
	signIn(t, p, b, sam)
	a := assignmentOf(t, p, "acme-sam", func(a progress.Assignment) bool { return a.IsOverdue(now) && !a.Completed() })
	course, err := p.app.Catalog.Version(a.CourseID, a.CourseVersion)
	if err != nil {
		t.Fatal(err)
	}
	page := b.get("/learn/" + a.ID)
	if !strings.Contains(page.body, "overdue") {
		t.Fatal("the due banner does not show the overdue course")
	}
	token := csrfRe.FindStringSubmatch(page.body)[1]
	htmx := map[string]string{"HX-Request": "true", "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded"}
	for i := 1; i <= len(course.Lessons); i++ {
		if r := b.do("POST", "/learn/"+a.ID+"/progress", url.Values{"lesson": {itoa(i)}}, htmx); r.status != 200 {
			t.Fatalf("step to %d: %d", i, r.status)
		}
	}
	answers := url.Values{}
	for _, q := range course.Quiz.Questions {
		answers.Set("q_"+q.ID, q.Answer)
	}
	r := b.do("POST", "/learn/"+a.ID+"/quiz", answers, htmx)
	if r.status != 200 || r.header.Get("HX-Redirect") != "" || r.header.Get("Location") != "" {
		t.Fatalf("pass: %d, HX-Redirect %q", r.status, r.header.Get("HX-Redirect"))
	}
	if !strings.Contains(r.body, `class="card narrow center completion"`) || !strings.Contains(r.body, "100%") {
		t.Fatalf("no completion panel:\n%.800s", r.body)
	}
	if !strings.Contains(r.body, `id="duebanner" hx-swap-oob="true"`) || strings.Contains(r.body, "overdue") || strings.Contains(r.body, "<html") {
		t.Fatalf("the due banner is not swapped out of band, or still counts the course:\n%s", r.body)
	}
}

// TestFailedQuizSaysWhichAnswersWereWrong: after a failed attempt each
// answer is marked in words, "Your answer — incorrect" or "Your answer —
// correct", next to the answer itself (wrong ones were marked by a red
// border alone).
func TestFailedQuizSaysWhichAnswersWereWrong(t *testing.T) {
	t.Parallel()
	p := start(t)
	now := p.clock.Now()
	b := p.browser(t)
	signIn(t, p, b, sam)
	a := assignmentOf(t, p, "acme-sam", func(a progress.Assignment) bool { return a.IsOverdue(now) && !a.Completed() })
	course, err := p.app.Catalog.Version(a.CourseID, a.CourseVersion)
	if err != nil {
		t.Fatal(err)
	}
	token := csrfRe.FindStringSubmatch(b.get("/learn/" + a.ID).body)[1]
	for i := 1; i <= len(course.Lessons); i++ {
		if r := b.post("/learn/"+a.ID+"/progress", url.Values{"lesson": {itoa(i)}}, token); r.status != 200 {
			t.Fatalf("step to %d: %d", i, r.status)
		}
	}
	// Every other question wrong.
	answers, wrong := url.Values{}, map[string]bool{}
	for i, q := range course.Quiz.Questions {
		choice := q.Answer
		if i%2 == 0 {
			for _, c := range q.Choices {
				if c.ID != q.Answer {
					choice, wrong[q.ID] = c.ID, true
					break
				}
			}
		}
		answers.Set("q_"+q.ID, choice)
	}
	r := b.post("/learn/"+a.ID+"/quiz", answers, token)
	if r.status != 200 || !strings.Contains(r.body, "not quite") {
		t.Fatalf("a failed attempt: %d\n%.500s", r.status, r.body)
	}
	// Each question's fieldset: the checked answer's label carries the mark.
	fieldsets := strings.Split(r.body, "<fieldset")[1:]
	if len(fieldsets) != len(course.Quiz.Questions) {
		t.Fatalf("%d questions shown, want %d", len(fieldsets), len(course.Quiz.Questions))
	}
	for i, q := range course.Quiz.Questions {
		fs := fieldsets[i]
		checked := strings.Index(fs, " checked")
		if checked < 0 {
			t.Fatalf("question %s: the answer given is not kept", q.ID)
		}
		label := fs[checked:]
		label = label[:strings.Index(label, "</label>")]
		want, not := "Your answer — correct", "incorrect"
		if wrong[q.ID] {
			want, not = "Your answer — incorrect", "— correct"
		}
		if !strings.Contains(label, want) || strings.Contains(label, not) || strings.Count(fs, "Your answer") != 1 {
			t.Errorf("question %s (wrong: %v): the answer's label reads %q", q.ID, wrong[q.ID], label)
		}
	}
}

// TestCoursesSayWhereALearnerIs: a course just opened reads "Lesson 1 of
// 3" on the Courses page's card and in the Due tab (it read "0% done ·
// Continue Course"), then the lesson reached, then "Quiz next".
func TestCoursesSayWhereALearnerIs(t *testing.T) {
	t.Parallel()
	p := start(t)
	now := p.clock.Now()
	b := p.browser(t)
	signIn(t, p, b, sam)
	a := assignmentOf(t, p, "acme-sam", func(a progress.Assignment) bool { return a.IsOverdue(now) && !a.Completed() && a.StartedAt == nil })
	page := b.get("/learn/" + a.ID) // opens lesson 1
	token := csrfRe.FindStringSubmatch(page.body)[1]
	hero := func() string {
		t.Helper()
		body := b.get("/courses").body
		i, j := strings.Index(body, `<section class="hero">`), strings.Index(body, "</section>")
		if i < 0 || j < i {
			t.Fatalf("no hero:\n%.600s", body)
		}
		return body[i:j]
	}
	dueCard := func() string {
		t.Helper()
		body := b.get("/courses/due").body
		i := strings.Index(body, a.Title)
		if i < 0 {
			t.Fatalf("%s not in the Due tab", a.Title)
		}
		return body[i : i+strings.Index(body[i:], "</li>")]
	}
	for lesson, want := range []string{"Lesson 1 of 3", "Lesson 2 of 3", "Lesson 3 of 3", "Quiz next"} {
		if lesson > 0 {
			if r := b.post("/learn/"+a.ID+"/progress", url.Values{"lesson": {itoa(lesson)}}, token); r.status != 200 {
				t.Fatalf("to lesson %d: %d", lesson, r.status)
			}
		}
		if h := hero(); !strings.Contains(h, a.Title) || !strings.Contains(h, want) || strings.Contains(h, "% done") || !strings.Contains(h, "Continue Course") {
			t.Errorf("at step %d the hero reads:\n%s", lesson, h)
		}
		if c := dueCard(); !strings.Contains(c, want) {
			t.Errorf("at step %d the Due tab's card reads:\n%s", lesson, c)
		}
	}
}

// Package learning is about courses assigned to learners: availability,
// due dates, progress through lessons, quizzes, completion, certificates.
// One stream per assignment.
package learning

import "time"

// Stream is the stream of assignment id.
func Stream(assignmentID string) string { return "assignment-" + assignmentID }

// CourseAssigned: a course was assigned to a learner.
type CourseAssigned struct {
	AssignmentID  string    `json:"assignment_id"`
	LearnerID     string    `json:"learner_id"`
	ClientID      string    `json:"client_id"`
	CourseID      string    `json:"course_id"`
	CourseVersion int       `json:"course_version"`
	CourseTitle   string    `json:"course_title"`
	Lessons       int       `json:"lessons"`
	PassMark      int       `json:"pass_mark"`
	AvailableFrom time.Time `json:"available_from"`
	DueAt         time.Time `json:"due_at"`
	AssignedBy    string    `json:"assigned_by"`
	At            time.Time `json:"at"`
}

func (CourseAssigned) EventName() string { return "learning.course_assigned.v1" }

// CourseBecameAvailable: the available-from date passed and the learner was emailed.
type CourseBecameAvailable struct {
	AssignmentID string    `json:"assignment_id"`
	LearnerID    string    `json:"learner_id"`
	MailID       string    `json:"mail_id,omitempty"`
	At           time.Time `json:"at"`
}

func (CourseBecameAvailable) EventName() string { return "learning.course_became_available.v1" }

// CourseBecameOverdue: the due date passed before completion.
type CourseBecameOverdue struct {
	AssignmentID string    `json:"assignment_id"`
	LearnerID    string    `json:"learner_id"`
	DueAt        time.Time `json:"due_at"`
	At           time.Time `json:"at"`
}

func (CourseBecameOverdue) EventName() string { return "learning.course_became_overdue.v1" }

// CourseStarted: the learner opened the course for the first time.
type CourseStarted struct {
	AssignmentID string    `json:"assignment_id"`
	LearnerID    string    `json:"learner_id"`
	At           time.Time `json:"at"`
}

func (CourseStarted) EventName() string { return "learning.course_started.v1" }

// ProgressSaved: the learner's place in the course (lesson index; the
// number of lessons means "at the quiz").
type ProgressSaved struct {
	AssignmentID string    `json:"assignment_id"`
	LearnerID    string    `json:"learner_id"`
	Lesson       int       `json:"lesson"`
	Of           int       `json:"of"`
	At           time.Time `json:"at"`
}

func (ProgressSaved) EventName() string { return "learning.progress_saved.v1" }

// QuizSubmitted: the learner answered the quiz; scored on the server.
type QuizSubmitted struct {
	AssignmentID string            `json:"assignment_id"`
	LearnerID    string            `json:"learner_id"`
	Attempt      int               `json:"attempt"`
	Answers      map[string]string `json:"answers"`
	Correct      int               `json:"correct"`
	Total        int               `json:"total"`
	Score        int               `json:"score"` // percent
	PassMark     int               `json:"pass_mark"`
	Passed       bool              `json:"passed"`
	At           time.Time         `json:"at"`
}

func (QuizSubmitted) EventName() string { return "learning.quiz_submitted.v1" }

// CourseCompleted: the learner passed the quiz.
type CourseCompleted struct {
	AssignmentID  string    `json:"assignment_id"`
	LearnerID     string    `json:"learner_id"`
	ClientID      string    `json:"client_id"`
	CourseID      string    `json:"course_id"`
	CourseTitle   string    `json:"course_title"`
	Score         int       `json:"score"`
	Attempts      int       `json:"attempts"`
	StartedAt     time.Time `json:"started_at"`
	TimeTakenSecs int64     `json:"time_taken_secs"` // first open to completion
	OnTime        bool      `json:"on_time"`
	CertificateID string    `json:"certificate_id"`
	At            time.Time `json:"at"`
}

func (CourseCompleted) EventName() string { return "learning.course_completed.v1" }

// CertificateRequested: the learner asked for their certificate by email.
type CertificateRequested struct {
	AssignmentID  string    `json:"assignment_id"`
	LearnerID     string    `json:"learner_id"`
	CertificateID string    `json:"certificate_id"`
	MailID        string    `json:"mail_id"`
	At            time.Time `json:"at"`
}

func (CertificateRequested) EventName() string { return "learning.certificate_requested.v1" }

// Package team is the My Team read model: each manager's last reminder to
// each report, and the reminders whose email is not queued yet (the sweep
// queues them). The PostgreSQL projection and queries are in pgteam.
package team

import (
	"context"
	"time"
)

// Reminder is one manager's reminder to a report.
type Reminder struct {
	ManagerID, LearnerID, MailID string
	At                           time.Time
}

// Queries reads the read model.
type Queries interface {
	// LastReminders is when the manager last reminded each of their
	// reports, by the report's id (reports never reminded are absent).
	LastReminders(ctx context.Context, managerID string) (map[string]time.Time, error)
	// Unqueued lists reminders recorded in [since, before) whose email is
	// not queued, oldest first.
	Unqueued(ctx context.Context, since, before time.Time, limit int) ([]Reminder, error)
}

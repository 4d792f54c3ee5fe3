package web

import (
	"bufio"
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/audit"
	"github.com/awareportal/portal/internal/when"
)

// export streams a client's or a learner's history as CloudEvents JSON
// Lines or CSV, row by row.
func (s *Server) export(c *fiber.Ctx) error {
	format := audit.Format(c.Query("format", "jsonl"))
	if format != audit.JSONLines && format != audit.CSV {
		return fiber.NewError(fiber.StatusBadRequest, "format must be jsonl or csv")
	}
	person, err := s.staffSubject(c, c.Query("learner"), c.Query("client"))
	if err != nil {
		return err
	}
	var learners, extra []string
	var name string
	switch {
	case person.ID != "":
		if err := s.recordLook(c, person, "history export"); err != nil {
			return err
		}
		learners, name = []string{person.ID}, person.ID
	case c.Query("client") != "":
		ids, err := s.Timeline.LearnersOfClient(c.UserContext(), c.Query("client"))
		if err != nil {
			return err
		}
		learners, name, extra = ids, c.Query("client"), []string{tenancy.ClientStream(c.Query("client"))}
	default:
		return fiber.NewError(fiber.StatusBadRequest, "Say whose history: learner=… or client=… (one of yours).")
	}
	streams, err := s.Timeline.StreamsOf(c.UserContext(), learners)
	if err != nil {
		return err
	}
	streams = append(streams, extra...)
	sel := audit.Selection{Streams: streams}
	// Exports are in UTC, as their timestamps are; a day that can't be
	// read is refused, not ignored (the whole history would come back).
	for _, bound := range []struct {
		name string
		to   *time.Time
		add  int
	}{{"from", &sel.From, 0}, {"to", &sel.To, 1}} {
		day, err := when.ParseDay(c.Query(bound.name), time.UTC)
		if err != nil {
			return fiber.NewError(fiber.StatusBadRequest, bound.name+": "+err.Error()+" (a day in UTC)")
		}
		if !day.IsZero() {
			*bound.to = day.AddDate(0, 0, bound.add)
		}
	}
	ext, ctype := "jsonl", "application/x-ndjson"
	if format == audit.CSV {
		ext, ctype = "csv", "text/csv; charset=utf-8"
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="history-`+name+`.`+ext+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	source := s.BaseURL.String()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if _, err := s.Audit.Export(ctx, sel, format, source, w); err != nil {
			s.Log.Error("export failed", "err", err)
		}
		_ = w.Flush()
	})
	return nil
}

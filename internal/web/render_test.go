package web

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"
)

// TestRenderErrorLeavesNoHalfPage: a component that fails halfway leaves
// nothing of itself in the response; the error handler's page is all the
// browser gets. A page that renders is sent whole, with its status.
func TestRenderErrorLeavesNoHalfPage(t *testing.T) {
	half := templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, _ = io.WriteString(w, "<p>secret half of a page</p>")
		return errors.New("broken row")
	})
	whole := templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, strings.Repeat("<p>row</p>", 2000))
		return err
	})
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		return c.Status(fiber.StatusInternalServerError).SendString("error page")
	}})
	app.Get("/half", func(c *fiber.Ctx) error { return render(c, fiber.StatusOK, half, nil) })
	app.Get("/whole", func(c *fiber.Ctx) error { return render(c, fiber.StatusAccepted, whole, half) })
	for _, tc := range []struct {
		path, body string
		status     int
	}{{"/half", "error page", 500}, {"/whole", strings.Repeat("<p>row</p>", 2000), 202}} {
		res, err := app.Test(httptest.NewRequest("GET", tc.path, nil))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != tc.status || string(body) != tc.body {
			t.Errorf("GET %s: %d %.60q, want %d %.60q", tc.path, res.StatusCode, body, tc.status, tc.body)
		}
	}
}

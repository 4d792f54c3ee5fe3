package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/awareportal/portal/static"
)

// routes is every route of the portal, in one place.
func (s *Server) routes(app *fiber.App) {
	app.Use(recover.New())
	app.Use(requestIDs, securityHeaders, s.logRequests)

	// Load balancers.
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)

	// Files.
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static.FS), MaxAge: 3600}))
	app.Get("/brand/:slug/theme.css", s.brandTheme)
	app.Get("/brand/:slug/logo.svg", s.brandLogo)

	app.Use(s.loadSession, s.checkCSRF)

	app.Get("/", s.home)

	// Email sign-in. /p/<partner>/signin is the partner's bookmarkable,
	// branded entry point; /signin is the neutral one.
	app.Get("/signin", s.showSignIn)
	app.Get("/p/:slug/signin", s.showSignIn)
	app.Post("/signin", s.requestLink)
	app.Post("/p/:slug/signin", s.requestLink)
	app.Post("/signin/code", s.redeemCode)
	app.Get("/signin/link/:id", s.openLink)
	app.Post("/signin/link/:id", s.redeemLink)
	app.Get("/signin/organisation", s.showOrganisations)
	app.Post("/signin/organisation", s.chooseOrganisation)
	app.Post("/signout", s.signOut)

	// The learner's portal: signed in, organisation chosen, portal on.
	app.Get("/courses", s.requireLearner, s.showCourses)

	if s.DevMail {
		app.Get("/dev/mail", loopbackOnly, s.devOutbox)
		app.Get("/dev/mail/:id", loopbackOnly, s.devMail)
		app.Get("/dev/mail/:id/html", loopbackOnly, s.devMailHTML)
	}
}

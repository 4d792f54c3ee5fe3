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
	app.Use(limitBody, deadline, requestIDs, s.securityHeaders, s.logRequests)
	app.Use(s.refuseBadInput) // NUL or invalid UTF-8 in path, query, form: 400

	// Load balancers.
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)

	// Files.
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static.FS), MaxAge: 3600}))
	app.Get("/brand/:slug/theme.css", s.brandTheme)
	app.Get("/brand/:slug/logo.svg", s.brandLogo)
	app.Get("/brand/:slug/logo.png", s.brandLogoPNG)

	// The partners' admin API: bearer tokens, no cookies, so no CSRF.
	api := app.Group("/api/v1", s.apiAuth)
	api.Get("/courses", s.apiCourses)
	api.Get("/clients", s.apiClients)
	api.Post("/clients", s.apiCreateClient)
	api.Get("/clients/:client", s.apiClient)
	api.Patch("/clients/:client", s.apiUpdateClient)
	api.Get("/clients/:client/users", s.apiUsers)
	api.Post("/clients/:client/users", s.apiCreateUser)
	api.Post("/clients/:client/assignments", s.apiAssign)
	api.Get("/clients/:client/status", s.apiStatus)
	api.Get("/clients/:client/reminders", s.apiReminderPolicy)
	api.Patch("/clients/:client/reminders", s.apiUpdateReminderPolicy)
	api.Get("/onboarding", s.apiOnboarding)
	api.Post("/onboarding/media", s.apiUploadMedia)
	api.Post("/onboarding/modules", s.apiDefineModule)
	api.Delete("/onboarding/modules/:module", s.apiRemoveModule)
	api.Put("/onboarding/default", s.apiSetDefaultSequence)
	api.Get("/clients/:client/onboarding", s.apiClientOnboarding)
	api.Put("/clients/:client/onboarding", s.apiSetClientOnboarding)
	api.Post("/policies/documents", s.apiUploadPolicyDocument)
	api.Get("/policies", s.apiPolicies)
	api.Post("/policies", s.apiPublishPolicy)
	api.Get("/policies/:policy", s.apiPolicy)
	api.Post("/clients/:client/policies/:policy/assignments", s.apiAssignPolicy)
	api.Post("/clients/:client/breaches", s.apiIngestBreaches)
	api.Get("/clients/:client/breach-monitoring", s.apiClientBreachMonitoring)
	api.Put("/clients/:client/breach-monitoring", s.apiSetClientBreachMonitoring)
	api.Get("/breach-monitoring", s.apiBreachMonitoring)
	api.Put("/breach-monitoring", s.apiSetBreachMonitoring)
	api.Post("/clients/:client/phishing-results", s.apiIngestPhishing)
	api.Get("/staff", s.apiStaff)
	api.Post("/staff", s.apiGrantStaff)
	api.Delete("/staff/:grant", s.apiRevokeStaff)
	api.Use(func(c *fiber.Ctx) error {
		return apiFail(c, fiber.StatusNotFound, "not_found", "No such API endpoint.", nil)
	})

	app.Use(s.language, s.loadSession, s.checkCSRF)

	app.Get("/", s.home)

	// Email sign-in. /p/<partner>/signin is the partner's bookmarkable,
	// branded entry point; /signin is the neutral one.
	app.Get("/signin", s.showSignIn)
	app.Get("/p/:slug/signin", s.showSignIn)
	app.Post("/signin", s.requestLink)
	app.Post("/p/:slug/signin", s.requestLink)
	app.Post("/signin/code", s.redeemCode)
	// Sign in with Microsoft or Google; the email field asks which works.
	app.Post("/signin/methods", s.methods)
	app.Post("/signin/sso/:provider", s.startSSO)
	app.Get("/signin/sso/:provider/callback", s.finishSSO)
	app.Get("/signin/sso/refused", s.showSSORefusal)
	app.Get("/signin/link/:id", s.openLink)
	app.Post("/signin/link/:id", s.redeemLink)
	app.Get("/signin/organisation", s.showOrganisations)
	app.Post("/signin/organisation", s.chooseOrganisation)
	app.Post("/signout", s.signOut)

	// Onboarding: until it is done, every learner page leads here.
	app.Get("/onboarding", s.requireOnboardingLearner, s.startOnboarding)
	app.Get("/onboarding/media/:module", s.requireOnboardingLearner, s.onboardingMedia)
	app.Get("/onboarding/:step", s.requireOnboardingLearner, s.showOnboardingStep)
	app.Post("/onboarding/:step", s.requireOnboardingLearner, s.completeOnboardingStep)

	// The learner's portal: signed in, organisation chosen, portal on,
	// onboarding done.
	app.Get("/courses", s.requireLearner, s.showCourses)
	app.Get("/courses/:tab", s.requireLearner, s.showCourseTab)
	app.Post("/courses/:id/certificate", s.requireLearner, s.requestCertificate)
	app.Get("/learn/:id", s.requireLearner, s.openCourse)
	app.Post("/learn/:id/progress", s.requireLearner, s.saveProgress)
	app.Post("/learn/:id/exit", s.requireLearner, s.exitCourse)
	app.Post("/learn/:id/quiz", s.requireLearner, s.submitQuiz)
	app.Get("/certificates/:file", s.requireLearner, s.downloadCertificate)
	app.Get("/stats", s.requireLearner, s.showStats)
	app.Get("/leaderboard", s.requireLearner, s.showLeaderboard)
	app.Get("/activity", s.requireLearner, s.myActivity)
	app.Get("/policies", s.requireLearner, s.showPolicies)
	app.Get("/policies/:id", s.requireLearner, s.readPolicy)
	app.Get("/policies/:id/document", s.requireLearner, s.policyDocument)
	app.Post("/policies/:id/sign", s.requireLearner, s.signPolicy)
	app.Get("/team", s.requireLearner, s.requireManager, s.showTeam)
	app.Post("/team/:id/remind", s.requireLearner, s.requireManager, s.remind)
	app.Get("/account/devices", s.requireLearner, s.showDevices)
	app.Post("/account/devices/end-others", s.requireLearner, s.endOtherDevices)
	app.Post("/account/devices/:ref/end", s.requireLearner, s.endDevice)
	app.Get("/breaches", s.requireLearner, s.requireBreaches, s.showBreaches)
	app.Post("/breaches/:id/resolve", s.requireLearner, s.requireBreaches, s.resolveBreach)
	app.Post("/breaches/:id/reopen", s.requireLearner, s.requireBreaches, s.reopenBreach)
	// The learner's language (the menu in the header and the player; during
	// onboarding too).
	app.Post("/account/language", s.requireOnboardingLearner, s.chooseLanguage)
	// Anyone else's (signed out): kept on this browser.
	app.Post("/language", s.chooseBrowserLanguage)

	// Support staff and auditors.
	app.Get("/staff", s.requireStaff, s.staffHome)
	app.Get("/staff/users/:id", s.requireStaff, s.userTimeline)
	app.Get("/staff/asof", s.requireStaff, s.asOf)
	app.Get("/staff/export", s.requireStaff, s.export)

	// Public: certificate verification (linked from the PDF's QR code) and course images.
	app.Get("/verify/:id", s.verifyCertificate)
	app.Get("/course-assets/:course/:version/*", s.courseAsset)

	if s.DevMail {
		app.Get("/dev/mail", s.devOnly, s.devOutbox)
		app.Get("/dev/mail/:id", s.devOnly, s.devMail)
		app.Get("/dev/mail/:id/html", s.devOnly, s.devMailHTML)
	}
}

package web

import (
	"context"
	"io"
	"time"

	"github.com/awareportal/portal/domain/onboarding"
	"github.com/awareportal/portal/internal/welcome"

	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/internal/admin"
	"github.com/awareportal/portal/internal/audit"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/breaches"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/phishing"
	"github.com/awareportal/portal/internal/policy"
	"github.com/awareportal/portal/internal/team"
	"github.com/awareportal/portal/internal/training"
	"github.com/awareportal/portal/projections"
	rmbreaches "github.com/awareportal/portal/projections/breaches"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/policies"
	"github.com/awareportal/portal/projections/progress"
	"github.com/awareportal/portal/projections/timeline"
)

// What the handlers call, as they call it. internal/app wires the services
// and read-model queries that satisfy these; none of them brings PostgreSQL
// into this package (deps_test.go checks).

// Auth signs people in and out (*auth.Service).
type Auth interface {
	RequestLink(ctx context.Context, rawEmail string, meta eventstore.Metadata) (auth.Requested, error)
	LinkState(ctx context.Context, requestID, token string) (auth.LinkState, error)
	OpenLink(ctx context.Context, requestID, token string, meta eventstore.Metadata) (auth.LinkState, error)
	RedeemLink(ctx context.Context, requestID, token string, meta eventstore.Metadata) (auth.SignedIn, error)
	RedeemCode(ctx context.Context, requestID, code string, meta eventstore.Metadata) (auth.SignedIn, error)
	MethodsFor(ctx context.Context, rawEmail, ip string) (auth.Methods, error)
	Providers() auth.Methods
	ProviderOrigins() []string
	StartSSO(ctx context.Context, method signin.Method, loginHint, partnerID string, meta eventstore.Metadata) (auth.SSOStart, error)
	FinishSSO(ctx context.Context, method signin.Method, ck *auth.SSOCookie, cb auth.SSOCallback, meta eventstore.Metadata) (auth.SignedIn, error)
	Session(ctx context.Context, secret string, now time.Time) (auth.Session, error)
	Candidates(ctx context.Context, sess auth.Session) ([]directory.Learner, error)
	ChooseOrganisation(ctx context.Context, sess auth.Session, learnerID string, meta eventstore.Metadata) error
	StaffRoles(ctx context.Context, sess auth.Session) ([]directory.StaffRole, error)
	SignOut(ctx context.Context, sess auth.Session, meta eventstore.Metadata) error
	Devices(ctx context.Context, sess auth.Session) ([]auth.Device, error)
	EndSession(ctx context.Context, sess auth.Session, ref string, meta eventstore.Metadata) (auth.Device, error)
	EndOtherSessions(ctx context.Context, sess auth.Session, meta eventstore.Metadata) (int, error)
}

// Training is the player and certificates (*training.Service).
type Training interface {
	Load(ctx context.Context, learnerID, assignmentID string) (training.Loaded, error)
	Start(ctx context.Context, learnerID, assignmentID string, meta eventstore.Metadata) (eventstore.Position, error)
	SaveProgress(ctx context.Context, learnerID, assignmentID string, lesson int, meta eventstore.Metadata) (eventstore.Position, error)
	SubmitQuiz(ctx context.Context, l training.Loaded, answers map[string]string, meta eventstore.Metadata) (training.QuizResult, error)
	RequestCertificate(ctx context.Context, learner directory.Learner, assignmentID string, meta eventstore.Metadata) (eventstore.Position, error)
	CertificatePDF(ctx context.Context, certID string) ([]byte, progress.Certificate, directory.Partner, error)
}

// Admin is the partner admin API (*admin.Service).
type Admin interface {
	Authenticate(ctx context.Context, token string) (directory.APIToken, error)
	Clients(ctx context.Context, partnerID string) ([]directory.Client, error)
	Client(ctx context.Context, partnerID, clientID string) (directory.Client, error)
	CreateClient(ctx context.Context, partnerID string, in admin.ClientInput, meta eventstore.Metadata) (directory.Client, error)
	UpdateClient(ctx context.Context, partnerID, ref string, in admin.ClientPatch, meta eventstore.Metadata) (directory.Client, error)
	ReminderPolicy(ctx context.Context, partnerID, clientRef string) (admin.ReminderPolicyJSON, error)
	UpdateReminderPolicy(ctx context.Context, partnerID, clientRef string, in admin.ReminderPolicyPatch, meta eventstore.Metadata) (admin.ReminderPolicyJSON, error)
	Users(ctx context.Context, partnerID, clientRef string) ([]directory.Learner, error)
	ProvisionUser(ctx context.Context, partnerID, clientRef string, in admin.UserInput, meta eventstore.Metadata) (directory.Learner, error)
	Assign(ctx context.Context, partnerID, clientRef string, in admin.AssignInput, actor string, meta eventstore.Metadata) (training.Assigned, error)
	Status(ctx context.Context, partnerID, clientID string) ([]admin.LearnerStatus, error)
	Staff(ctx context.Context, partnerID string) ([]directory.StaffRole, error)
	GrantStaff(ctx context.Context, partnerID string, in admin.StaffInput, meta eventstore.Metadata) (string, error)
	RevokeStaff(ctx context.Context, partnerID, grantID string, meta eventstore.Metadata) error
	Onboarding(ctx context.Context, partnerID string) (admin.OnboardingJSON, error)
	ClientOnboarding(ctx context.Context, partnerID, clientRef string) (admin.ClientOnboardingJSON, error)
	UploadMedia(ctx context.Context, partnerID, filename string, body io.Reader) (admin.MediaJSON, error)
	DefineModule(ctx context.Context, partnerID string, in admin.ModuleInput, meta eventstore.Metadata) (admin.ModuleJSON, error)
	RemoveModule(ctx context.Context, partnerID, moduleID string, meta eventstore.Metadata) error
	SetDefaultSequence(ctx context.Context, partnerID string, in admin.SequenceInput, meta eventstore.Metadata) (admin.OnboardingJSON, error)
	SetClientOnboarding(ctx context.Context, partnerID, clientRef string, in admin.ClientOnboardingInput, meta eventstore.Metadata) (admin.ClientOnboardingJSON, error)
	UploadPolicyDocument(ctx context.Context, partnerID, filename string, body io.Reader) (admin.MediaJSON, error)
	PublishPolicy(ctx context.Context, partnerID string, in admin.PolicyInput, meta eventstore.Metadata) (admin.PolicyJSON, error)
	Policy(ctx context.Context, partnerID, ref string) (admin.PolicyJSON, error)
	PoliciesOf(ctx context.Context, partnerID string) ([]admin.PolicyJSON, error)
	AssignPolicy(ctx context.Context, partnerID, clientRef, policyRef string, in admin.AssignPolicyInput, actor string, meta eventstore.Metadata) (admin.PolicyAssignedJSON, error)
	IngestBreaches(ctx context.Context, partnerID, clientRef string, in admin.BreachImport, meta eventstore.Metadata) (breaches.Result, error)
	BreachMonitoring(ctx context.Context, partnerID string) (admin.MonitoringJSON, error)
	SetBreachMonitoring(ctx context.Context, partnerID string, in admin.MonitoringInput, meta eventstore.Metadata) (admin.MonitoringJSON, error)
	ClientBreachMonitoring(ctx context.Context, partnerID, clientRef string) (admin.ClientMonitoringJSON, error)
	SetClientBreachMonitoring(ctx context.Context, partnerID, clientRef string, in admin.MonitoringInput, meta eventstore.Metadata) (admin.ClientMonitoringJSON, error)
	IngestPhishing(ctx context.Context, partnerID, clientRef string, in admin.PhishingImport, meta eventstore.Metadata) (phishing.Result, error)
}

// Onboarding is the learner's onboarding (*welcome.Service).
type Onboarding interface {
	Pending(ctx context.Context, learnerID string) (bool, error)
	Next(ctx context.Context, l directory.Learner) (int, error)
	Card(ctx context.Context, l directory.Learner, step int, meta eventstore.Metadata) (welcome.Card, error)
	Complete(ctx context.Context, l directory.Learner, step int, moduleID string, acknowledged bool, meta eventstore.Metadata) (int, error)
	Media(ctx context.Context, l directory.Learner, moduleID string) (onboarding.Media, error)
	OpenMedia(ctx context.Context, m onboarding.Media, off, length int64) io.Reader
}

// Policies are a learner's policy signature requests (*policy.Service).
type Policies interface {
	ForLearner(ctx context.Context, learnerID string) ([]policies.Request, error)
	Read(ctx context.Context, l directory.Learner, policyID string) (policy.Reader, error)
	Document(ctx context.Context, l directory.Learner, policyID string) (onboarding.Media, error)
	OpenDocument(ctx context.Context, m onboarding.Media, off, length int64) io.Reader
	Sign(ctx context.Context, l directory.Learner, policyID string, in policy.SignInput, meta eventstore.Metadata) (eventstore.Position, error)
}

// Team is a manager's My Team (*team.Service).
type Team interface {
	Team(ctx context.Context, manager directory.Learner) ([]team.Row, error)
	Remind(ctx context.Context, manager directory.Learner, reportID string, meta eventstore.Metadata) (team.Row, error)
}

// Breaches is a learner's Dark Web Monitoring (*breaches.Service).
type Breaches interface {
	Enabled(ctx context.Context, l directory.Learner) (bool, error)
	List(ctx context.Context, l directory.Learner) ([]rmbreaches.Exposure, rmbreaches.Counts, error)
	Counts(ctx context.Context, l directory.Learner) (rmbreaches.Counts, bool, error)
	Resolve(ctx context.Context, l directory.Learner, breachID, note string, meta eventstore.Metadata) (rmbreaches.Exposure, rmbreaches.Counts, error)
	Reopen(ctx context.Context, l directory.Learner, breachID string, meta eventstore.Metadata) (rmbreaches.Exposure, rmbreaches.Counts, error)
}

// Phishing is a learner's phishing-simulation results (*phishing.Service).
type Phishing interface {
	Summary(ctx context.Context, learnerID, clientID string) (phishing.Summary, error)
}

// Audit records staff looks and serves as-of replays and exports
// (*audit.Service).
type Audit interface {
	RecordLook(ctx context.Context, look staff.Look, meta eventstore.Metadata) (eventstore.Position, error)
	AsOf(ctx context.Context, scope audit.Scope, at time.Time, basis audit.Basis) (audit.State, error)
	Export(ctx context.Context, sel audit.Selection, format audit.Format, source string, w io.Writer) (int, error)
}

// Directory reads partners, clients and learners (pgdirectory.Queries).
type Directory interface {
	Partner(ctx context.Context, id string) (directory.Partner, error)
	PartnerBySlug(ctx context.Context, slug string) (directory.Partner, error)
	Client(ctx context.Context, id string) (directory.Client, error)
	Clients(ctx context.Context, partnerID string) ([]directory.Client, error)
	Learner(ctx context.Context, id string) (directory.Learner, error)
	LearnersByEmail(ctx context.Context, email string) ([]directory.Learner, error)
}

// Progress reads assignments, certificates, stats and leaderboards
// (pgprogress.Queries).
type Progress interface {
	ForLearner(ctx context.Context, learnerID string) ([]progress.Assignment, error)
	Certificate(ctx context.Context, id string) (progress.Certificate, error)
	Stats(ctx context.Context, learnerID string) (progress.Stats, error)
	Leaderboard(ctx context.Context, clientID, courseID string, limit int) ([]progress.Entry, error)
	LeaderboardRank(ctx context.Context, clientID, courseID, learnerID string) (progress.Entry, bool, error)
}

// Timeline reads learners' histories (pgtimeline.Queries).
type Timeline interface {
	Search(ctx context.Context, clientIDs []string, term string, limit int) ([]timeline.Person, error)
	Person(ctx context.Context, id string) (timeline.Person, error)
	Entries(ctx context.Context, learnerID string, f timeline.Filter, limit int) ([]timeline.Entry, string, error)
	StreamsOf(ctx context.Context, learnerIDs []string) ([]string, error)
	LearnersOfClient(ctx context.Context, clientID string) ([]string, error)
}

// Runner is the projection runner (*pgrunner.Runner): read-your-writes
// and the events it parked.
type Runner interface {
	WaitFor(ctx context.Context, pos eventstore.Position, names ...string) error
	Parked(ctx context.Context, limit int) ([]projections.Parked, int, error)
	ParkedOfTenant(ctx context.Context, tenantID string, limit int) ([]projections.Parked, int, error)
}

// Pinger answers when the database does (*pgxpool.Pool): readiness.
type Pinger interface {
	Ping(ctx context.Context) error
}

// DevOutbox is the mail the dev SMTP server received (pgmail.DevOutbox).
type DevOutbox interface {
	List(ctx context.Context) ([]mail.OutboxMail, error)
	Message(ctx context.Context, id int64) (time.Time, mail.Parsed, error)
}

package admin

import (
	"context"
	"errors"
	"strconv"
	"time"

	dom "github.com/awareportal/portal/domain/breach"
	dirdomain "github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/breaches"
	"github.com/awareportal/portal/internal/eventstore"
)

// Dark Web Monitoring for partners: breach records in, switches.

// MaxBreachRecords is the most records one ingestion takes.
const MaxBreachRecords = 50_000

// maxProblems is how many bad records one refusal names.
const maxProblems = 20

// BreachRecord is one public breach an email appears in, in the
// vocabulary of public breach catalogues.
type BreachRecord struct {
	Email         string   `json:"email"`
	SourceID      string   `json:"source_id"`
	Name          string   `json:"name"`
	Domain        string   `json:"domain,omitempty"`
	BreachDate    string   `json:"breach_date"`    // YYYY-MM-DD
	DisclosedDate string   `json:"disclosed_date"` // YYYY-MM-DD
	DataClasses   []string `json:"data_classes"`
}

// BreachImport is an ingestion's body.
type BreachImport struct {
	Records []BreachRecord `json:"records"`
}

// MonitoringInput switches Dark Web Monitoring on or off.
type MonitoringInput struct {
	Enabled *bool `json:"enabled"`
}

// MonitoringJSON is a partner's switches.
type MonitoringJSON struct {
	Enabled bool                   `json:"enabled"` // the master switch
	Clients []ClientMonitoringJSON `json:"clients"`
}

// ClientMonitoringJSON is a client's switch; Effective when both are on
// (the client's learners have the Breaches page).
type ClientMonitoringJSON struct {
	ClientID       string `json:"client_id"`
	Enabled        bool   `json:"enabled"`
	PartnerEnabled bool   `json:"partner_enabled"`
	Effective      bool   `json:"effective"`
}

// CheckBreachRecords checks every record (as the domain will) and
// returns them as items, or a ValidationError naming the first
// maxProblems bad fields as records[i].field.
func CheckBreachRecords(in BreachImport, now time.Time) ([]breaches.Item, error) {
	var v ValidationError
	switch {
	case len(in.Records) == 0:
		v.add("records", "must list at least one record")
	case len(in.Records) > MaxBreachRecords:
		v.add("records", "must list at most "+strconv.Itoa(MaxBreachRecords)+" records per request; send the rest in another")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	items := make([]breaches.Item, 0, len(in.Records))
	for i, r := range in.Records {
		if len(v.Fields) >= maxProblems {
			v.add("records", "has more problems than the "+strconv.Itoa(maxProblems)+" listed")
			break
		}
		at := "records[" + strconv.Itoa(i) + "]."
		email, err := dirdomain.NormalizeEmail(r.Email)
		if err != nil {
			v.add(at+"email", problem(err))
			continue
		}
		b := dom.Breach{ID: r.SourceID, Name: r.Name, Domain: r.Domain, DataClasses: r.DataClasses}
		bad := false
		for _, d := range []struct {
			field, s string
			at       *time.Time
		}{{"breach_date", r.BreachDate, &b.BreachDate}, {"disclosed_date", r.DisclosedDate, &b.DisclosedDate}} {
			if d.s == "" {
				continue // Check says it is required
			}
			t, err := time.Parse(time.DateOnly, d.s)
			if err != nil {
				v.add(at+d.field, "must be a date as YYYY-MM-DD")
				bad = true
				continue
			}
			*d.at = t
		}
		if bad {
			continue
		}
		b, err = dom.Check(b, now)
		if err != nil {
			var fe tenancy.FieldError
			if errors.As(err, &fe) {
				field := fe.Field
				if field == "source_id" || field == "name" || field == "domain" || field == "breach_date" || field == "disclosed_date" || field == "data_classes" {
					v.add(at+field, fe.Problem)
					continue
				}
			}
			v.add(at+"record", err.Error())
			continue
		}
		items = append(items, breaches.Item{Email: email, Breach: b})
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return items, nil
}

func problem(err error) string {
	var fe tenancy.FieldError
	if errors.As(err, &fe) {
		return fe.Problem
	}
	return err.Error()
}

// IngestBreaches records a client's breach records (see breaches.Service.Ingest):
// every record is checked first, and one bad record refuses them all.
func (s *Service) IngestBreaches(ctx context.Context, partnerID, clientRef string, in BreachImport, meta eventstore.Metadata) (breaches.Result, error) {
	client, err := s.client(ctx, partnerID, clientRef)
	if err != nil {
		return breaches.Result{}, err
	}
	items, err := CheckBreachRecords(in, s.Clock.Now())
	if err != nil {
		return breaches.Result{}, err
	}
	res, err := s.Breaches.Ingest(ctx, client, items, meta)
	var refused breaches.RefusedError
	if errors.As(err, &refused) {
		msg := refused.Err.Error()
		if errors.Is(refused.Err, dom.ErrTooMany) {
			msg = "would give " + refused.Email + " more than " + strconv.Itoa(dom.MaxPerLearner) + " breaches"
		}
		return breaches.Result{}, &ValidationError{Fields: map[string]string{"records": msg + "; nothing was stored"}}
	}
	return res, err
}

// BreachMonitoring is the partner's switches, with every client's.
func (s *Service) BreachMonitoring(ctx context.Context, partnerID string) (MonitoringJSON, error) {
	sw, err := s.Breaches.Switches(ctx, partnerID)
	if err != nil {
		return MonitoringJSON{}, err
	}
	clients, err := s.Dir.Clients(ctx, partnerID)
	if err != nil {
		return MonitoringJSON{}, err
	}
	out := MonitoringJSON{Enabled: sw.Master, Clients: []ClientMonitoringJSON{}}
	for _, c := range clients {
		on := sw.Clients[c.ID]
		out.Clients = append(out.Clients, ClientMonitoringJSON{ClientID: tenancy.Unscoped(partnerID, c.ID), Enabled: on, PartnerEnabled: sw.Master, Effective: on && sw.Master})
	}
	return out, nil
}

// SetBreachMonitoring sets the partner's master switch.
func (s *Service) SetBreachMonitoring(ctx context.Context, partnerID string, in MonitoringInput, meta eventstore.Metadata) (MonitoringJSON, error) {
	if in.Enabled == nil {
		return MonitoringJSON{}, &ValidationError{Fields: map[string]string{"enabled": "is required (true or false)"}}
	}
	if err := s.Breaches.SwitchPartner(ctx, partnerID, *in.Enabled, meta); err != nil {
		return MonitoringJSON{}, err
	}
	return s.BreachMonitoring(ctx, partnerID)
}

// ClientBreachMonitoring is one client's switch.
func (s *Service) ClientBreachMonitoring(ctx context.Context, partnerID, clientRef string) (ClientMonitoringJSON, error) {
	client, err := s.client(ctx, partnerID, clientRef)
	if err != nil {
		return ClientMonitoringJSON{}, err
	}
	sw, err := s.Breaches.Switches(ctx, partnerID)
	if err != nil {
		return ClientMonitoringJSON{}, err
	}
	on := sw.Clients[client.ID]
	return ClientMonitoringJSON{ClientID: tenancy.Unscoped(partnerID, client.ID), Enabled: on, PartnerEnabled: sw.Master, Effective: on && sw.Master}, nil
}

// SetClientBreachMonitoring sets a client's switch.
func (s *Service) SetClientBreachMonitoring(ctx context.Context, partnerID, clientRef string, in MonitoringInput, meta eventstore.Metadata) (ClientMonitoringJSON, error) {
	client, err := s.client(ctx, partnerID, clientRef)
	if err != nil {
		return ClientMonitoringJSON{}, err
	}
	if in.Enabled == nil {
		return ClientMonitoringJSON{}, &ValidationError{Fields: map[string]string{"enabled": "is required (true or false)"}}
	}
	if err := s.Breaches.SwitchClient(ctx, partnerID, client.ID, *in.Enabled, meta); err != nil {
		return ClientMonitoringJSON{}, err
	}
	return s.ClientBreachMonitoring(ctx, partnerID, clientRef)
}

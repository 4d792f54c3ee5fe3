package breach

import (
	"errors"
	"time"

	"github.com/awareportal/portal/domain"
)

// ErrNoPartner is a switch without a partner or client id.
var ErrNoPartner = errors.New("no partner or client")

// Monitoring is a partner's Dark Web Monitoring switches. Both start off:
// the Breaches page exists for a learner only when the partner's master
// switch and their client's switch are both on.
type Monitoring struct {
	PartnerID string
	Master    bool
	Clients   map[string]bool
}

// Apply folds an event into the switches.
func (m *Monitoring) Apply(e domain.Event) {
	switch ev := e.(type) {
	case PartnerMonitoringSwitched:
		m.PartnerID, m.Master = ev.PartnerID, ev.Enabled
	case ClientMonitoringSwitched:
		m.PartnerID = ev.PartnerID
		if m.Clients == nil {
			m.Clients = map[string]bool{}
		}
		m.Clients[ev.ClientID] = ev.Enabled
	}
}

// On says whether a client's learners have Dark Web Monitoring.
func (m *Monitoring) On(clientID string) bool { return m.Master && m.Clients[clientID] }

// SwitchPartner sets the partner's master switch (no change: no event).
func SwitchPartner(m *Monitoring, partnerID string, enabled bool, now time.Time) ([]domain.Event, error) {
	if partnerID == "" {
		return nil, ErrNoPartner
	}
	if m.Master == enabled {
		return nil, nil
	}
	return []domain.Event{PartnerMonitoringSwitched{PartnerID: partnerID, Enabled: enabled, At: now}}, nil
}

// SwitchClient sets a client's switch (no change: no event).
func SwitchClient(m *Monitoring, partnerID, clientID string, enabled bool, now time.Time) ([]domain.Event, error) {
	if partnerID == "" || clientID == "" {
		return nil, ErrNoPartner
	}
	if m.Clients[clientID] == enabled {
		return nil, nil
	}
	return []domain.Event{ClientMonitoringSwitched{PartnerID: partnerID, ClientID: clientID, Enabled: enabled, At: now}}, nil
}

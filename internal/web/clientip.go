package web

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientIP is the address of the person's browser, for rate limits and
// event metadata. Without trusted proxies it is the peer address. Behind
// them (PORTAL_TRUSTED_PROXIES), X-Forwarded-For is read from the right:
// each trusted proxy appends the address it saw, so the first address from
// the right that is not a trusted proxy is the client. Whatever a client
// writes into the header itself sits further left and is never believed
// (Fiber's c.IP() with a proxy header takes the leftmost, which a client
// can forge).
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.Context().RemoteIP().String()
	}
	peer = peer.Unmap()
	if !s.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	client := peer
	for _, hop := range slices.Backward(hops) {
		a, err := netip.ParseAddr(strings.TrimSpace(hop))
		if err != nil {
			break // a malformed hop: stop at the last address we could trust
		}
		client = a.Unmap()
		if !s.trusted(client) {
			break
		}
	}
	return client.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	return slices.ContainsFunc(s.TrustedProxies, func(p netip.Prefix) bool { return p.Contains(a) })
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

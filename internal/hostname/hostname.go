// Package hostname answers questions about host names without importing
// anything heavier than the standard library (configuration and mail both
// ask, and most test binaries link them).
package hostname

import (
	"net"
	"strings"
)

// IsLoopback reports whether host names this machine: localhost, a name
// under .localhost, or a loopback address.
func IsLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Package crashtest runs the portal binary as a separate process and kills
// it (kill -9) while it works, or kills its embedded PostgreSQL, then checks
// what survived: every acknowledged write, every queued mail, read models
// equal to a rebuild. Its tests build cmd/portal, so they need the go tool.
package crashtest

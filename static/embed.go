// Package static holds the portal's CSS, JavaScript and vendored htmx,
// embedded in the binary.
package static

import "embed"

// FS is the static files, served under /static/.
//
//go:embed app.css app.js vendor
var FS embed.FS

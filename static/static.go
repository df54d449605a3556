// Package static holds the browser view: plain ES modules and CSS, embedded
// in the binary and served as they are (no bundler, no build step).
package static

import "embed"

// FS is the front end: js/, css/ and the files under them.
//
//go:embed js css
var FS embed.FS

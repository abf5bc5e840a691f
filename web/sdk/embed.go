// Package sdk embeds the JavaScript SDK for H5 pages (jxlgw.js, an ES module) and its
// TypeScript declarations, which the gateway serves under /sdk/.
package sdk

import "embed"

// FS holds jxlgw.js and jxlgw.d.ts.
//
//go:embed jxlgw.js jxlgw.d.ts
var FS embed.FS

// Package demo holds the browser demo page that jxlgw serves under /demo/
// when started with --demo: a plain-JavaScript, mobile-first page that
// creates an order through POST /demo/orders and walks a fake applicant
// through the carrier authorisation over the order's WebSocket, following
// docs/protocol.md. The files have no build step and load nothing from
// outside the gateway, so they work under a strict Content-Security-Policy.
package demo

import "embed"

// FS holds the demo page: index.html, app.js and style.css, at the root of
// the file system. Serve it with http.FileServerFS (or an equivalent) under
// /demo/ so that the page's relative URLs resolve.
//
//go:embed index.html app.js style.css
var FS embed.FS

package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"github.com/jxlgw/jxlgw/internal/ticket"
)

// Secrets come from files or environment variables, never from flag values, which show up in
// process listings and shell history.
const (
	envAPIKeys    = "JXLGW_API_KEYS"    // comma-separated lender API keys
	envTicketKeys = "JXLGW_TICKET_KEYS" // comma-separated kid:base64 ticket signing keys
)

// readList returns the non-empty, non-comment lines of file, or the comma-separated items of
// the environment variable env when file is "".
func readList(file, env string) ([]string, error) {
	var raw string
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		raw = strings.ReplaceAll(string(b), "\n", ",")
	} else {
		raw = os.Getenv(env)
	}
	var out []string
	for _, item := range strings.Split(raw, ",") {
		item = strings.TrimSpace(item)
		if item != "" && !strings.HasPrefix(item, "#") {
			out = append(out, item)
		}
	}
	return out, nil
}

// parseTicketKeys reads "kid:base64secret" items; the first one signs new tickets.
func parseTicketKeys(items []string) ([]ticket.Key, error) {
	keys := make([]ticket.Key, 0, len(items))
	for i, item := range items {
		kid, enc, ok := strings.Cut(item, ":")
		if !ok || kid == "" {
			return nil, fmt.Errorf("ticket key %d: want kid:base64secret", i+1)
		}
		secret, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("ticket key %q: secret is not base64", kid)
		}
		keys = append(keys, ticket.Key{ID: kid, Secret: secret})
	}
	return keys, nil
}

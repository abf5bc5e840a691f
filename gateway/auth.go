package gateway

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// apiKeys holds the digests of the lenders' keys; comparing digests in constant time hides both
// the keys' contents and their lengths.
type apiKeys [][sha256.Size]byte

func newAPIKeys(keys []string) apiKeys {
	var ks apiKeys
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" {
			ks = append(ks, sha256.Sum256([]byte(k)))
		}
	}
	return ks
}

// find returns the index of key, or -1. It compares with every key, without stopping at the
// first match, so timing tells nothing.
func (ks apiKeys) find(key string) int {
	if key == "" {
		return -1
	}
	d := sha256.Sum256([]byte(key))
	found := -1
	for i := range ks {
		if subtle.ConstantTimeCompare(d[:], ks[i][:]) == 1 {
			found = i
		}
	}
	return found
}

// label names key i in rate-limit buckets: a short prefix of its digest, not the key.
func (ks apiKeys) label(i int) string {
	return hex.EncodeToString(ks[i][:8])
}

// requireAPIKey refuses requests without a valid "Authorization: Bearer <key>".
func (s *Server) requireAPIKey(c *gin.Context) {
	key, found := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	idx := s.keys.Load().find(strings.TrimSpace(key))
	if !found || idx < 0 {
		c.AbortWithStatusJSON(http.StatusUnauthorized,
			apiError{"unauthorized", "a valid API key is required (Authorization: Bearer <key>)"})
		return
	}
	// The bucket is keyed by the key's digest, never by the key itself.
	if !s.orders.allow(s.keys.Load().label(idx)) {
		c.AbortWithStatusJSON(http.StatusTooManyRequests,
			apiError{"rate_limited", "too many orders for this API key; slow down"})
		return
	}
	c.Next()
}

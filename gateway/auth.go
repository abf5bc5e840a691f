package gateway

import (
	"crypto/sha256"
	"crypto/subtle"
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

// valid checks every key, without stopping at the first match, so timing tells nothing.
func (ks apiKeys) valid(key string) bool {
	d := sha256.Sum256([]byte(key))
	ok := 0
	for i := range ks {
		ok |= subtle.ConstantTimeCompare(d[:], ks[i][:])
	}
	return ok == 1 && key != ""
}

// requireAPIKey refuses requests without a valid "Authorization: Bearer <key>".
func (s *Server) requireAPIKey(c *gin.Context) {
	key, found := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !found || !s.keys.valid(strings.TrimSpace(key)) {
		c.AbortWithStatusJSON(http.StatusUnauthorized,
			apiError{"unauthorized", "a valid API key is required (Authorization: Bearer <key>)"})
		return
	}
	c.Next()
}

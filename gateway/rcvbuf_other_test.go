//go:build !unix

package gateway_test

// setRcvBuf is a no-op where the socket option is not set the Unix way; the slow-consumer test
// then relies on the gateway's small send buffer alone.
func setRcvBuf(fd uintptr, n int) error { return nil }

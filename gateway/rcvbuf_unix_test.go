//go:build unix

package gateway_test

import "syscall"

// setRcvBuf sets SO_RCVBUF on a socket before it connects, so that the window it advertises is
// small from the start (setting it later cannot shrink a window already offered).
func setRcvBuf(fd uintptr, n int) error {
	return syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
}

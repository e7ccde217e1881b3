//go:build unix

package proxy

import (
	"errors"
	"net"
	"syscall"
)

// connBroken reports whether the upstream closed c while it sat idle in
// the pool, or sent bytes nobody asked for: a non-blocking peek at the
// socket. Connections that are not sockets are taken as alive.
func connBroken(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	alive := false
	var buf [1]byte
	err = rc.Read(func(fd uintptr) bool {
		_, _, perr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// Nothing to read yet is the only state of a healthy idle
		// connection; end of stream, an error or unsolicited bytes are not.
		alive = errors.Is(perr, syscall.EAGAIN) || errors.Is(perr, syscall.EWOULDBLOCK)
		return true // never wait for readiness
	})
	return err != nil || !alive
}

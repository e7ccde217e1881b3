//go:build !unix

package proxy

import "net"

// connBroken cannot peek at a socket on this system: a connection the
// upstream closed while idle is found on use, and retried when safe.
func connBroken(net.Conn) bool { return false }

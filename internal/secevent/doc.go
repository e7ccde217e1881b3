// Package secevent names the security-log events that harden's own layers
// record: refusals (rate_limited, csrf_failure, ...), panics, start-up
// warnings and a dependency's recovery. The names are the log format's
// public contract, documented in package seclog; the Go constants are
// internal because only the stack emits these events. The events an
// application records itself (login_success, login_failed, logout, ...)
// are seclog's exported Event* constants.
//
// Imports: nothing.
package secevent

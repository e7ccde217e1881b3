package ssrf

import (
	"errors"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
)

// ErrDestinationNotAllowed matches every refused destination, whatever was
// refused (scheme, port, host, address), so a handler needs a single test:
//
//	if errors.Is(err, ssrf.ErrDestinationNotAllowed) {
//		// 400 {"error":"destination not allowed"}
//	}
//
// The text of a refusal is for logs; it names the refused host and
// address, so do not send it to clients. A refusal is a slog.LogValuer:
// logged with log/slog it records its reason, kind, host, address and
// port as attributes.
var ErrDestinationNotAllowed = errors.New("ssrf: destination not allowed")

// The kinds of refusal, a blockedError's Kind.
var (
	// errSchemeNotAllowed: the URL scheme is not in Config.AllowedSchemes.
	errSchemeNotAllowed = errors.New("ssrf: scheme not allowed")
	// errPortNotAllowed: the port is not in Config.AllowedPorts.
	errPortNotAllowed = errors.New("ssrf: port not allowed")
	// errHostNotAllowed: the host is malformed, an ambiguous IP encoding, a
	// localhost name, carries credentials, or is outside
	// Config.AllowedHosts.
	errHostNotAllowed = errors.New("ssrf: host not allowed")
	// errAddressNotAllowed: the host is, or resolves to, an internal or
	// special-purpose address (see checkAddr).
	errAddressNotAllowed = errors.New("ssrf: address not allowed")
	// errInvalidURL: the URL does not parse.
	errInvalidURL = errors.New("ssrf: invalid URL")
)

// errTooManyRedirects: more than Config.MaxRedirects redirects.
var errTooManyRedirects = errors.New("ssrf: too many redirects")

// Errors that are not about the destination.
var (
	// ErrResponseTooLarge: the body is longer than Config.MaxResponseBytes.
	// Reading stops after MaxResponseBytes bytes with this error.
	ErrResponseTooLarge = errors.New("ssrf: response too large")
	// ErrInvalidConfig is wrapped by every *harden.ConfigError that New
	// returns: one per invalid Config entry, its Field the JSON name (the
	// Go name for settings only code can set).
	ErrInvalidConfig = errors.New("ssrf: invalid config")
)

// blockedError describes a refused destination. errors.Is matches it to
// [ErrDestinationNotAllowed] and to its Kind, and it is a [slog.LogValuer]
// so security logs record its fields.
type blockedError struct {
	// Kind says what was refused; its text is one of "ssrf: scheme not
	// allowed", "ssrf: port not allowed", "ssrf: host not allowed",
	// "ssrf: address not allowed", "ssrf: invalid URL" or, for a network
	// other than TCP, "ssrf: destination not allowed".
	Kind error
	// Reason says why, in words for the security log and the operator,
	// for example "loopback", "cloud metadata", "private",
	// "non-canonical IPv4 literal" or "host not in the allowlist". Its
	// wording may change: do not match on it.
	Reason string
	// Host is the host as requested ("" when only an address is known).
	Host string
	// Addr is the refused address, when there is one.
	Addr netip.Addr
	// Port is the destination port, when known.
	Port uint16
}

func (e *blockedError) Error() string {
	var b strings.Builder
	b.WriteString(ErrDestinationNotAllowed.Error())
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.Host != "" {
		b.WriteString(" host=")
		b.WriteString(strconv.Quote(e.Host))
	}
	if e.Addr.IsValid() {
		b.WriteString(" addr=")
		b.WriteString(e.Addr.String())
	}
	if e.Port != 0 {
		b.WriteString(" port=")
		b.WriteString(strconv.Itoa(int(e.Port)))
	}
	return b.String()
}

// Is reports whether target is ErrDestinationNotAllowed or e.Kind.
func (e *blockedError) Is(target error) bool {
	return target == ErrDestinationNotAllowed || (e.Kind != nil && target == e.Kind)
}

// LogValue implements slog.LogValuer.
func (e *blockedError) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 5)
	attrs = append(attrs, slog.String("reason", e.Reason))
	if e.Kind != nil {
		attrs = append(attrs, slog.String("kind", strings.TrimPrefix(e.Kind.Error(), "ssrf: ")))
	}
	if e.Host != "" {
		attrs = append(attrs, slog.String("host", e.Host))
	}
	if e.Addr.IsValid() {
		attrs = append(attrs, slog.String("addr", e.Addr.String()))
	}
	if e.Port != 0 {
		attrs = append(attrs, slog.Int("port", int(e.Port)))
	}
	return slog.GroupValue(attrs...)
}

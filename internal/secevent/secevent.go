package secevent

// Event names recorded by harden's layers. They are plain strings so that
// they fit respond.Rejection.Event.
const (
	RateLimited      = "rate_limited"
	CSRFFailure      = "csrf_failure"
	CORSRejected     = "cors_rejected"
	HostRejected     = "host_rejected"
	ValidationFailed = "validation_failed"
	Panic            = "panic"
	ConfigWarning    = "config_warning"
	// RequestRejected is any other 4xx refusal (404 of a dotfile, 405,
	// ...).
	RequestRejected = "request_rejected"
	// ServerError is a 5xx refusal that is not a panic.
	ServerError = "server_error"
	// StoreRecovered is written once when a dependency whose failures were
	// refused quietly (respond.Rejection.Quiet) works again; its details
	// name the outage's event and the refusals suppressed.
	StoreRecovered = "store_recovered"
)

package secevent

// Event names recorded by harden's layers. They are plain strings so that
// they fit respond.Rejection.Event.
const (
	RateLimited      = "rate_limited"
	CSRFFailure      = "csrf_failure"
	CORSRejected     = "cors_rejected"
	HostRejected     = "host_rejected"
	ValidationFailed = "validation_failed"
	// BodyTooLarge is every 413 of package input: a body, file or file
	// count over its limit.
	BodyTooLarge = "body_too_large"
	// UnsupportedMediaType is every 415 of package input.
	UnsupportedMediaType = "unsupported_media_type"
	Panic                = "panic"
	ConfigWarning        = "config_warning"
	// RequestRejected is any other 4xx refusal (404 of a dotfile, 405,
	// ...).
	RequestRejected = "request_rejected"
	// ServerError is a 5xx refusal that is not a panic.
	ServerError = "server_error"
	// CSPViolation is a browser's report of a Content-Security-Policy
	// violation (package cspreport).
	CSPViolation = "csp_violation"
	// SessionStoreError is a request refused because the session store
	// failed.
	SessionStoreError = "session_store_error"
	// AccessDenied is every 401 and 403 that no more specific event
	// describes; seclog exports it for applications as EventAccessDenied.
	AccessDenied = "access_denied"
	// AuthzError is a request refused because the authorization check
	// itself failed (its store was unreachable).
	AuthzError = "authz_error"
	// AuthzMisconfigured is an authz guard mounted without the session
	// layer it reads.
	AuthzMisconfigured = "authz_misconfigured"
	// StoreRecovered is written once when a dependency whose failures were
	// refused quietly (respond.Rejection.Quiet) works again; its details
	// name the outage's event and the refusals suppressed.
	StoreRecovered = "store_recovered"
)

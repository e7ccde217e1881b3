package session

// The errors a handler gets for calling Login, Logout, Regenerate or Save
// where it must not, for the external tests.
var (
	ExportErrNoSession      = errNoSession
	ExportErrHeadersWritten = errHeadersWritten
	ExportErrEmptyUserID    = errEmptyUserID
)

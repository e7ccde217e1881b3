package input

import (
	"errors"
	"net/http"

	"github.com/harden-go/harden/respond"
)

// Security-log events of the refusals made by this package.
const (
	// EventValidationFailed is every 400: malformed or invalid bodies, query
	// strings and forms, refused keys, polluted parameters, bad fields.
	EventValidationFailed = "validation_failed"
	// EventBodyTooLarge is every 413: bodies, files or file counts over a limit.
	EventBodyTooLarge = "body_too_large"
	// EventUnsupportedMediaType is every 415: a body or file of a type that is
	// not accepted.
	EventUnsupportedMediaType = "unsupported_media_type"
)

// Locations used in [respond.FieldError].Location.
const (
	LocationBody  = "body"
	LocationQuery = "query"
)

// Error is a refusal of request input. Its text and fields are fixed
// phrases plus field paths; they never contain a submitted value.
//
// The Err* values are shared and must not be modified; compare with
// errors.Is. Field-level refusals are new values with Fields set.
type Error struct {
	// Status is 400, 413 or 415.
	Status int
	// Event is the security-log event (see the Event* constants).
	Event string
	// Message is the client-safe text of {"error": Message}; it is used when
	// Fields is empty.
	Message string
	// Fields, when set, are answered as {"errors": Fields}.
	Fields []respond.FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		f := e.Fields[0]
		return "input: " + f.Location + " " + f.Path + ": " + f.Msg
	}
	return "input: " + e.Message
}

// Rejection returns e as a [respond.Rejection]. Its Err is nil: nothing the
// client sent reaches the response or the log through it.
//
// A 413 carries "Connection: close": the rest of an oversized body is not
// worth reading, and without it net/http would try to drain up to 256 KiB
// of it before answering.
func (e *Error) Rejection() *respond.Rejection {
	rej := &respond.Rejection{Status: e.Status, Event: e.Event, Message: e.Message, Fields: e.Fields}
	if e.Status == http.StatusRequestEntityTooLarge {
		rej.Header = http.Header{"Connection": {"close"}}
	}
	return rej
}

func newError(status int, event, msg string) *Error {
	return &Error{Status: status, Event: event, Message: msg}
}

// The whole-request refusals of this package.
var (
	ErrBodyTooLarge         = newError(http.StatusRequestEntityTooLarge, EventBodyTooLarge, "Request body too large")
	ErrUnsupportedMediaType = newError(http.StatusUnsupportedMediaType, EventUnsupportedMediaType, "Unsupported media type")
	ErrEmptyBody            = newError(http.StatusBadRequest, EventValidationFailed, "Request body is empty")
	ErrMalformedJSON        = newError(http.StatusBadRequest, EventValidationFailed, "Malformed JSON")
	ErrTrailingData         = newError(http.StatusBadRequest, EventValidationFailed, "Request body must contain a single JSON value")
	ErrInvalidBody          = newError(http.StatusBadRequest, EventValidationFailed, "Invalid request body")
	ErrBodyRead             = newError(http.StatusBadRequest, EventValidationFailed, "Request body could not be read")
	ErrMalformedQuery       = newError(http.StatusBadRequest, EventValidationFailed, "Malformed query string")
	ErrMalformedForm        = newError(http.StatusBadRequest, EventValidationFailed, "Malformed form body")
	ErrMalformedMultipart   = newError(http.StatusBadRequest, EventValidationFailed, "Malformed multipart body")
	ErrFileTooLarge         = newError(http.StatusRequestEntityTooLarge, EventBodyTooLarge, "File too large")
	ErrTooManyFiles         = newError(http.StatusRequestEntityTooLarge, EventBodyTooLarge, "Too many files")
	ErrTooManyFields        = newError(http.StatusRequestEntityTooLarge, EventBodyTooLarge, "Too many form fields")
	ErrUnexpectedFile       = newError(http.StatusBadRequest, EventValidationFailed, "Unexpected file field")
	ErrUnsupportedFileType  = newError(http.StatusUnsupportedMediaType, EventUnsupportedMediaType, "Unsupported file type")
)

// FieldErrors returns a 400 refusal listing fields, with the event
// validation_failed.
func FieldErrors(fields ...respond.FieldError) *Error {
	return &Error{Status: http.StatusBadRequest, Event: EventValidationFailed, Fields: fields}
}

func fieldError(location, path, msg string) *Error {
	return FieldErrors(respond.FieldError{Type: "field", Location: location, Path: path, Msg: msg})
}

// Reject answers r with the refusal err through the shared responder.
// An [*Error] is answered as it says; an *http.MaxBytesError as 413; any
// other error as 400 "Invalid request body" (its text is not shown).
func Reject(w http.ResponseWriter, r *http.Request, err error) {
	respond.Reject(w, r, AsError(err).Rejection())
}

// AsError returns err as an [*Error]: itself when it is one, [ErrBodyTooLarge]
// for an *http.MaxBytesError, [ErrInvalidBody] otherwise.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return ErrBodyTooLarge
	}
	return ErrInvalidBody
}

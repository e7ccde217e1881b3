package input

import (
	"errors"
	"net/http"

	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/respond"
)

// Security-log events of the refusals made by this package, in
// [Error].Event.
// The events of input's refusals.
const (
	// eventValidationFailed is every 400: malformed or invalid bodies, query
	// strings and forms, refused keys, polluted parameters, bad fields.
	eventValidationFailed = secevent.ValidationFailed
	// eventBodyTooLarge is every 413: bodies, files or file counts over a limit.
	eventBodyTooLarge = secevent.BodyTooLarge
	// eventUnsupportedMediaType is every 415: a body or file of a type that is
	// not accepted.
	eventUnsupportedMediaType = secevent.UnsupportedMediaType
)

// Locations used in [respond.FieldError].Location.
const (
	locationBody  = "body"
	locationQuery = "query"
)

// Error is a refusal of request input. Its text and fields are fixed
// phrases plus field paths; they never contain a submitted value.
//
// The Err* values are shared and must not be modified; compare with
// errors.Is. The other refusals are told apart by Status: 400 for a body,
// query string or form that is malformed or invalid, 413 for one over a
// limit, 415 for a body or file of a type that is not accepted.
// Field-level refusals are new values with Fields set.
type Error struct {
	// Status is 400, 413 or 415.
	Status int
	// Event is the security-log event: "validation_failed" with 400,
	// "body_too_large" with 413, "unsupported_media_type" with 415.
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

// rejection returns e as a [respond.Rejection]. Its Err is nil: nothing the
// client sent reaches the response or the log through it.
//
// A 413 carries "Connection: close": the rest of an oversized body is not
// worth reading, and without it net/http would try to drain up to 256 KiB
// of it before answering.
func (e *Error) rejection() *respond.Rejection {
	rej := &respond.Rejection{Status: e.Status, Event: e.Event, Message: e.Message, Fields: e.Fields}
	if e.Status == http.StatusRequestEntityTooLarge {
		rej.Header = http.Header{"Connection": {"close"}}
	}
	return rej
}

func newError(status int, event, msg string) *Error {
	return &Error{Status: status, Event: event, Message: msg}
}

// The whole-request refusals of this package (see the package
// documentation for their answers). ErrBodyTooLarge refuses a body over a
// cap and ErrUnsupportedMediaType one of a type that is not accepted;
// ErrMalformedJSON and ErrTrailingData come from a [Decoder],
// ErrMalformedMultipart from an [Upload] or a Decoder binding forms.
var (
	ErrBodyTooLarge         = newError(http.StatusRequestEntityTooLarge, eventBodyTooLarge, "Request body too large")
	ErrUnsupportedMediaType = newError(http.StatusUnsupportedMediaType, eventUnsupportedMediaType, "Unsupported media type")
	errEmptyBody            = newError(http.StatusBadRequest, eventValidationFailed, "Request body is empty")
	ErrMalformedJSON        = newError(http.StatusBadRequest, eventValidationFailed, "Malformed JSON")
	ErrTrailingData         = newError(http.StatusBadRequest, eventValidationFailed, "Request body must contain a single JSON value")
	errInvalidBody          = newError(http.StatusBadRequest, eventValidationFailed, "Invalid request body")
	errBodyRead             = newError(http.StatusBadRequest, eventValidationFailed, "Request body could not be read")
	errMalformedQuery       = newError(http.StatusBadRequest, eventValidationFailed, "Malformed query string")
	errMalformedForm        = newError(http.StatusBadRequest, eventValidationFailed, "Malformed form body")
	ErrMalformedMultipart   = newError(http.StatusBadRequest, eventValidationFailed, "Malformed multipart body")
	errFileTooLarge         = newError(http.StatusRequestEntityTooLarge, eventBodyTooLarge, "File too large")
	errTooManyFiles         = newError(http.StatusRequestEntityTooLarge, eventBodyTooLarge, "Too many files")
	errTooManyFields        = newError(http.StatusRequestEntityTooLarge, eventBodyTooLarge, "Too many form fields")
	errUnexpectedFile       = newError(http.StatusBadRequest, eventValidationFailed, "Unexpected file field")
	errUnsupportedFileType  = newError(http.StatusUnsupportedMediaType, eventUnsupportedMediaType, "Unsupported file type")
)

// FieldErrors returns a 400 refusal listing fields, with the event
// validation_failed.
func FieldErrors(fields ...respond.FieldError) *Error {
	return &Error{Status: http.StatusBadRequest, Event: eventValidationFailed, Fields: fields}
}

func fieldError(location, path, msg string) *Error {
	return FieldErrors(respond.FieldError{Type: "field", Location: location, Path: path, Msg: msg})
}

// Reject answers r with the refusal err through the shared responder.
// An [*Error] is answered as it says; an *http.MaxBytesError as 413; any
// other error as 400 "Invalid request body" (its text is not shown).
func Reject(w http.ResponseWriter, r *http.Request, err error) {
	respond.Reject(w, r, asError(err).rejection())
}

// asError returns err as an [*Error]: itself when it is one, [ErrBodyTooLarge]
// for an *http.MaxBytesError, [errInvalidBody] otherwise.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return ErrBodyTooLarge
	}
	return errInvalidBody
}

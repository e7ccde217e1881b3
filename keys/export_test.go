package keys

// Exported for the external tests.
var ErrInvalid = errInvalid

const (
	TagSize  = tagSize
	Overhead = overhead
)

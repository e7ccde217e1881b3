package password

// The errors of a stored hash, for the external tests.
var (
	ErrInvalidHash = errInvalidHash
	ErrWeakHash    = errWeakHash
)

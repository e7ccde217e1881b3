package csrf

// IssueToken lets the external tests mint a token without a request
// passing through the Handler.
var IssueToken = (*Protector).token

// The token layer's errors, for the external tests.
var (
	ErrMissingToken = errMissingToken
	ErrInvalidToken = errInvalidToken
)

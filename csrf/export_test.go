package csrf

// IssueToken lets the external tests mint a token without a request
// passing through the Handler.
var IssueToken = (*Protector).token

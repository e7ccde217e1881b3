package appdb

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NormalizeEmail checks that s is a plain email address as net/mail reads
// it ("ann@example.com"; no display name, angle brackets or quoted local
// part) of at most MaxEmailBytes, and returns it trimmed and lower-case:
// the one form in which emails are stored and looked up, so that
// "Ann@Example.com" and "ann@example.com" are one account.
func NormalizeEmail(s string) (string, error) {
	// Checked before lower-casing, which would turn invalid bytes into
	// U+FFFD and make two different inputs one account.
	if !utf8.ValidString(s) {
		return "", &ValidationError{Field: "email", Reason: "not valid UTF-8"}
	}
	// Lower-case, then check the result: the stored form itself must pass
	// the rules (case mapping can change a string's length).
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return "", &ValidationError{Field: "email", Reason: "empty"}
	case len(s) > MaxEmailBytes:
		return "", &ValidationError{Field: "email", Reason: "longer than 254 bytes"}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", &ValidationError{Field: "email", Reason: "not a plain email address"}
	}
	return s, nil
}

// CheckPassword applies the account password rules, the same for "harden
// user add" and the register route: valid UTF-8, at least
// MinPasswordChars characters, at most MaxPasswordBytes bytes (the longest
// the password package hashes). The error never quotes the password.
func CheckPassword(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return &ValidationError{Field: "password", Reason: "not valid UTF-8"}
	case len(pw) > MaxPasswordBytes:
		return &ValidationError{Field: "password", Reason: "longer than 1024 bytes"}
	case utf8.RuneCountInString(pw) < MinPasswordChars:
		return &ValidationError{Field: "password", Reason: "shorter than 12 characters"}
	}
	return nil
}

// checkName accepts names of users and of message senders: possibly
// empty, valid UTF-8 of at most MaxNameBytes, without control characters
// (terminal escapes, newlines forging log lines) or bidirectional
// overrides (which make a name display as another in the admin list).
func checkName(s string) error {
	switch {
	case len(s) > MaxNameBytes:
		return &ValidationError{Field: "name", Reason: "longer than 400 bytes"}
	case !utf8.ValidString(s):
		return &ValidationError{Field: "name", Reason: "not valid UTF-8"}
	}
	for _, r := range s {
		if unicode.IsControl(r) || isBidiControl(r) {
			return &ValidationError{Field: "name", Reason: "control characters"}
		}
	}
	return nil
}

// isBidiControl reports the explicit directional embeddings, overrides
// and isolates (U+202A–U+202E, U+2066–U+2069).
func isBidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// checkRole returns role, RoleUser for "", or a *ValidationError.
func checkRole(role string) (string, error) {
	switch role {
	case "":
		return RoleUser, nil
	case RoleUser, RoleAdmin:
		return role, nil
	}
	return "", &ValidationError{Field: "role", Reason: `not "user" or "admin"`}
}

// checkHash accepts what the password package makes: an argon2id PHC
// string or a bcrypt modular-crypt string. Anything else is most likely
// the password itself, passed by mistake.
func checkHash(h string) error {
	if len(h) <= maxHashBytes && hashPrefixed(h) {
		printable := true
		for i := 0; i < len(h); i++ {
			printable = printable && h[i] > ' ' && h[i] < 0x7f
		}
		if printable {
			return nil
		}
	}
	return &ValidationError{Field: "password_hash", Reason: "not a hash from the password package"}
}

func hashPrefixed(h string) bool {
	for _, p := range []string{"$argon2id$", "$2a$", "$2b$", "$2y$"} {
		if strings.HasPrefix(h, p) {
			return true
		}
	}
	return false
}

// checkBody accepts a message of 1 to MaxMessageBytes bytes of valid
// UTF-8 without NUL (which PostgreSQL's text cannot hold).
func checkBody(s string) error {
	switch {
	case s == "":
		return &ValidationError{Field: "message", Reason: "empty"}
	case len(s) > MaxMessageBytes:
		return &ValidationError{Field: "message", Reason: "longer than 65536 bytes"}
	case !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0:
		return &ValidationError{Field: "message", Reason: "not valid UTF-8 text"}
	}
	return nil
}

// validID reports whether id has the form CreateUser gives ids (26
// characters of crypto/rand.Text's base32 alphabet), so that a malformed
// id from anywhere never reaches a query.
func validID(id string) bool {
	if len(id) != 26 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

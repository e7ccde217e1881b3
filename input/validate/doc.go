// Package validate checks decoded request input against struct tags with
// github.com/go-playground/validator/v10 and answers in harden's error
// shape, with clear English messages and field paths taken from json tags:
//
//	{"errors":[{"type":"field","location":"body","path":"email","msg":"must be a valid email address"}]}
//
// A [Validator] runs the whole input pipeline of a JSON handler in one call
// ([Validator.Bind]): the strict decoder of package input (size, media type,
// syntax, unknown fields, types, duplicate keys, the NoSQL-operator guard),
// then the `normalize` tags, then the `validate` tags. Normalisers run
// before validation, so lengths are checked on the value that will be
// stored; go-playground's min, max and len count runes, not bytes.
//
// A `normalize` tag is a comma-separated list of normaliser names applied
// in order to a string field, to every element of a []string field, and
// through nested and pointed-to structs and slices of them (maps are not
// walked). The names: trim, lower, upper, nfc, nfkc (Unicode
// normalisation, so that look-alike spellings compare equal), stripctl
// (control characters and the invisible bidirectional and zero-width
// characters; tab and newlines stay), squash (white-space runs to one
// space), email (trimmed, parsed, lower-cased), escape (HTML escaping),
// the sanitize package's "richtext" and "strict" HTML policies, and those
// of [Config.Normalizers].
//
//	type Contact struct {
//		Name    string `json:"name"    normalize:"trim,nfc,stripctl,squash" validate:"required,max=100"`
//		Email   string `json:"email"   normalize:"email"                   validate:"required,email,max=254"`
//		Message string `json:"message" normalize:"trim,nfc,stripctl,richtext" validate:"required,max=5000"`
//	}
//
// Messages: every baked-in rule a request handler is likely to use has its
// own message ("is required", "must be at most 100 characters", "must be
// one of: a, b"); other rules answer "is invalid"; [Config.Messages] adds
// or replaces them, for rules registered through [Validator.Engine] too.
// A message never contains the submitted value. For a field tagged
// `harden:"secret"` (a password, a token) it does not contain a rule
// parameter that could be a value either (eq, ne, oneof, contains,
// startswith, ... answer "is invalid").
//
// A Validator is safe for concurrent use; build one at start-up and share
// it, since go-playground caches per type.
package validate

// Package configfile loads a configuration file, JSON or YAML, into a
// struct with JSON field names, refusing what it does not know.
//
// Both formats decode through one path: the document is parsed into plain
// values, every key is checked against the struct's JSON field names (an
// unknown or misspelt key is an error naming its path, "cors.orgins"),
// and the values are decoded by encoding/json, so a JSON file and a YAML
// file that say the same thing give the same value, and the types' own
// JSON and text decoding (rates like "5/15m") applies to both.
// A time.Duration field is written as text with a unit ("90s", "15m");
// a bare number, which encoding/json would read as nanoseconds, is
// refused. [Plain] gives a configuration back in the same form (durations
// and rates as text), for printing what was loaded.
//
// An empty list ("paths: []") decodes to an empty, non-nil slice, so a
// configuration can tell it from an absent key where that matters.
//
// What it defends against: a setting that silently does nothing. A typo in
// a security setting ("allowed_origin", "Same_Site") would leave the
// secure default in place while the operator believes it changed, or the
// reverse; an empty or truncated file would start a service with
// defaults. Both are errors at start-up.
//
// Defaults: the format is chosen by the extension (.json, .yaml, .yml),
// else by the content (JSON when it starts with "{"). Keys match exactly
// (encoding/json alone would accept any case). Duplicate keys are refused
// in both formats.
//
// Imports: the standard library and go.yaml.in/yaml/v3, which is why it is
// an edge package: core packages never import it.
package configfile

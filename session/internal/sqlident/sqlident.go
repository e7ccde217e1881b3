package sqlident

// Rule says, for a configuration error, which names [Valid] accepts.
const Rule = "letters, digits and _, not starting with a digit, at most 63 characters"

// Valid reports whether name is an ASCII letter or _ followed by at most 62
// letters, digits or _: no quote, dot, space or comment marker can reach
// the statement, and the name fits PostgreSQL's 63-byte identifier limit
// (a longer one would be truncated, silently naming another table).
func Valid(name string) bool {
	if name == "" || len(name) > 63 || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

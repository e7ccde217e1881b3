// Package mailaddr recognises the common shape of an email address with a
// cheap scan, so that normalisation and validation need not parse it with
// net/mail (twice) and a large regular expression when the answer is
// already known.
package mailaddr

// Plain reports whether s is an ASCII address of the plain shape
// local@domain where:
//   - local is one or more runs of RFC 5322 atext characters (letters,
//     digits and !#$%&'*+-/=?^_`{|}~) joined by single dots;
//   - domain is at least two labels joined by single dots, each of letters,
//     digits and inner hyphens, the last of letters only.
//
// Such an address is accepted unchanged by net/mail's ParseAddress (no
// display name, Address == s) and matched by go-playground/validator's
// email rule; FuzzPlain checks both. Plain says nothing about other
// addresses: callers fall back to the full parse.
func Plain(s string) bool {
	at := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '@' {
			at = i
			break
		}
	}
	if at <= 0 || at > 64 {
		return false
	}
	return plainLocal(s[:at]) && plainDomain(s[at+1:])
}

func plainLocal(l string) bool {
	prevDot := true // no leading dot
	for i := 0; i < len(l); i++ {
		c := l[i]
		if c == '.' {
			if prevDot {
				return false
			}
			prevDot = true
			continue
		}
		if !atext(c) {
			return false
		}
		prevDot = false
	}
	return !prevDot // no trailing dot
}

func plainDomain(d string) bool {
	if len(d) == 0 || len(d) > 253 {
		return false
	}
	labels := 0
	for start := 0; start <= len(d); {
		end := start
		for end < len(d) && d[end] != '.' {
			end++
		}
		label := d[start:end]
		last := end == len(d)
		if !plainLabel(label, last) {
			return false
		}
		labels++
		start = end + 1
	}
	return labels >= 2
}

// plainLabel: letters, digits and hyphens, not at either end; letters only
// in the last label.
func plainLabel(l string, last bool) bool {
	if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '-':
			if last {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// atext reports whether c is an RFC 5322 atext character.
func atext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~':
		return true
	}
	return false
}

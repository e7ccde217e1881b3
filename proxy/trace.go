package proxy

import (
	"bytes"
	"html"
)

// maxTraceScan is the largest upstream 4xx body, in bytes, inspected for a
// stack trace. A larger one is passed on as it comes.
const maxTraceScan = 64 << 10

// hasStackTrace reports whether body carries a stack trace of one of the
// major runtimes, as written or once JSON string escapes and HTML markup
// are undone (Express's error page writes "\n    at " as
// "<br> &nbsp; &nbsp;at "; a JSON body escapes its newlines). The patterns
// are those of traceIn; each needs a runtime's frame syntax, not a word,
// so an ordinary error message does not match.
func hasStackTrace(body []byte) bool {
	if traceIn(body) {
		return true
	}
	if plain := unmarkup(body); plain != nil {
		return traceIn(plain)
	}
	return false
}

// traceIn reports whether b holds one of these, each a trace's own syntax:
//
//   - Node/V8: a frame line "\n    at " holding "file:line:col" or
//     "node:internal";
//   - Python: "Traceback (most recent call last):";
//   - JVM: a frame line "\n\tat " holding "(", in a body naming an
//     "Exception" or "Error";
//   - .NET: a frame line "\n   at " holding " in " and ":line " and a digit;
//   - PHP: "Stack trace:\n#0 ", or a line "Fatal error:", "Parse error:",
//     "Warning:", "Notice:" or "Deprecated:" followed by " in " and
//     " on line " and a digit;
//   - Ruby: "/gems/" with ":in `" or ":in '", or ".rb:line:in `" (or "'");
//   - Go: "goroutine N [running]:";
//   - a JSON "stack" key with a non-empty string value.
func traceIn(b []byte) bool {
	return frameLine(b, "\n    at ", nodeFrame) ||
		bytes.Contains(b, []byte("Traceback (most recent call last):")) ||
		frameLine(b, "\n\tat ", func(l []byte) bool { return bytes.IndexByte(l, '(') >= 0 }) &&
			(bytes.Contains(b, []byte("Exception")) || bytes.Contains(b, []byte("Error"))) ||
		frameLine(b, "\n   at ", dotnetFrame) ||
		bytes.Contains(b, []byte("Stack trace:\n#0 ")) || phpError(b) ||
		rubyFrame(b) || goroutine(b) || jsonStack(b)
}

// frameLine reports whether match holds for the rest of the line after
// some occurrence of marker in b.
func frameLine(b []byte, marker string, match func(line []byte) bool) bool {
	m := []byte(marker)
	for {
		i := bytes.Index(b, m)
		if i < 0 {
			return false
		}
		b = b[i+len(m):]
		line := b
		if j := bytes.IndexByte(line, '\n'); j >= 0 {
			line = line[:j]
		}
		if match(line) {
			return true
		}
	}
}

// nodeFrame matches the rest of a V8 frame line: "fn (/app/x.js:3:9)",
// "/app/x.js:3:9" or "node:internal/...".
func nodeFrame(line []byte) bool {
	return bytes.Contains(line, []byte("node:internal")) || lineCol(line)
}

// lineCol reports whether line holds ":digits:digits".
func lineCol(line []byte) bool {
	for i, c := range line {
		if c != ':' {
			continue
		}
		n := digits(line[i+1:])
		if n > 0 && i+1+n < len(line) && line[i+1+n] == ':' && digits(line[i+2+n:]) > 0 {
			return true
		}
	}
	return false
}

// digits returns the number of ASCII digits b begins with.
func digits(b []byte) int {
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	return n
}

// dotnetFrame matches the rest of a .NET frame line with its source:
// "Ns.Type.Method() in /src/File.cs:line 42".
func dotnetFrame(line []byte) bool {
	i := bytes.Index(line, []byte(" in "))
	if i < 0 {
		return false
	}
	j := bytes.Index(line[i:], []byte(":line "))
	return j >= 0 && digits(line[i+j+len(":line "):]) > 0
}

// phpError reports whether b holds PHP's error line, "<kind>: <message>
// in <file> on line <n>".
func phpError(b []byte) bool {
	for _, kind := range []string{"Fatal error:", "Parse error:", "Warning:", "Notice:", "Deprecated:"} {
		if frameLine(b, kind, func(l []byte) bool {
			i := bytes.Index(l, []byte(" in "))
			if i < 0 {
				return false
			}
			j := bytes.Index(l[i:], []byte(" on line "))
			return j >= 0 && digits(l[i+j+len(" on line "):]) > 0
		}) {
			return true
		}
	}
	return false
}

// rubyFrame reports whether b holds a Ruby frame: a gem's path with
// ":in `" (Ruby 3.4 writes ":in '"), or "file.rb:line:in ".
func rubyFrame(b []byte) bool {
	if bytes.Contains(b, []byte("/gems/")) && (bytes.Contains(b, []byte(":in `")) || bytes.Contains(b, []byte(":in '"))) {
		return true
	}
	return frameLine(b, ".rb:", func(l []byte) bool {
		n := digits(l)
		rest := l[n:]
		return n > 0 && len(rest) > len(":in ") && string(rest[:len(":in ")]) == ":in " &&
			(rest[len(":in ")] == '`' || rest[len(":in ")] == '\'')
	})
}

// goroutine reports whether b holds a Go panic's "goroutine N [running]:".
func goroutine(b []byte) bool {
	return frameLine(b, "goroutine ", func(l []byte) bool {
		n := digits(l)
		return n > 0 && bytes.HasPrefix(l[n:], []byte(" [running]:"))
	})
}

// jsonStack reports whether b holds a JSON "stack" key with a non-empty
// string value, as a serialized JavaScript Error has.
func jsonStack(b []byte) bool {
	return frameLine(b, `"stack"`, func(l []byte) bool {
		l = bytes.TrimLeft(l, " \t\r")
		if len(l) == 0 || l[0] != ':' {
			return false
		}
		l = bytes.TrimLeft(l[1:], " \t\r")
		return len(l) > 1 && l[0] == '"' && l[1] != '"'
	})
}

// unmarkup returns b with JSON string escapes (\n, \t, \r, \", \\, \/)
// undone, <br> tags turned into newlines, other tags removed and HTML
// entities decoded (&nbsp; as a space), or nil when b has none of these.
func unmarkup(b []byte) []byte {
	if !bytes.ContainsAny(b, `\<&`) {
		return nil
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\\' && i+1 < len(b):
			if r, ok := jsonEscapes[b[i+1]]; ok {
				out = append(out, r)
				i++
				continue
			}
			out = append(out, c)
		case c == '<':
			end := bytes.IndexByte(b[i:], '>')
			if end < 0 {
				out = append(out, c)
				continue
			}
			if tag := bytes.ToLower(bytes.TrimRight(b[i+1:i+end], "/ ")); string(tag) == "br" {
				out = append(out, '\n')
			}
			i += end
		default:
			out = append(out, c)
		}
	}
	if bytes.IndexByte(out, '&') < 0 {
		return out
	}
	s := html.UnescapeString(string(out))
	return bytes.ReplaceAll([]byte(s), []byte("\u00a0"), []byte(" "))
}

// jsonEscapes maps the JSON escape letters unmarkup undoes to their bytes.
var jsonEscapes = map[byte]byte{'n': '\n', 't': '\t', 'r': '\r', '"': '"', '\\': '\\', '/': '/'}

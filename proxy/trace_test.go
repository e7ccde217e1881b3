package proxy

import (
	"bytes"
	"testing"
)

// Stack traces as the major runtimes and frameworks print them.
var traces = map[string]string{
	// Express's finalhandler page for a body-parser error: newlines as
	// <br>, double spaces as " &nbsp;".
	"express html": "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n" +
		"<pre>SyntaxError: Unexpected token &#39;1&#39;, &quot;1&quot; is not valid JSON<br> &nbsp; &nbsp;at JSON.parse (&lt;anonymous&gt;)" +
		"<br> &nbsp; &nbsp;at parse (/srv/app/node_modules/body-parser/lib/types/json.js:92:19)" +
		"<br> &nbsp; &nbsp;at /srv/app/node_modules/body-parser/lib/read.js:86:18</pre>\n</body>\n</html>\n",
	"node text":      "UnsupportedMediaTypeError: unsupported charset \"UTF-7\"\n    at /srv/app/node_modules/body-parser/lib/read.js:86:18",
	"node internal":  "Error: boom\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
	"node json":      `{"message":"The input exceeded the depth","stack":"BadRequestError: The input exceeded the depth\n    at parse (/srv/app/node_modules/qs/lib/parse.js:1:1)"}`,
	"json stack key": `{"error":"Bad Request", "stack" : "Error: x"}`,
	"python":         "Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 12, in post\n    data = json.loads(body)\nValueError: bad",
	"java":           "java.lang.IllegalArgumentException: bad id\n\tat com.example.Api.get(Api.java:42)\n\tat java.base/java.lang.Thread.run(Thread.java:833)",
	"spring json":    `{"status":400,"error":"Bad Request","trace":"org.springframework.web.HttpMediaTypeNotSupportedException: x\n\tat org.springframework.web.Foo.bar(Foo.java:1)\n"}`,
	"dotnet":         "System.FormatException: bad\n   at Shop.Api.Controllers.Orders.Post(Order o) in /src/Shop.Api/Controllers/Orders.cs:line 42\n",
	"php stack":      "PHP Fatal error:  Uncaught TypeError: x()\nStack trace:\n#0 /var/www/html/index.php(3): x()\n#1 {main}",
	"php html":       "<br />\n<b>Fatal error</b>:  Uncaught Error: Call to undefined function f() in <b>/var/www/html/api.php</b> on line <b>7</b><br />",
	"php warning":    "Warning: Undefined variable $id in /var/www/html/api.php on line 3",
	"ruby gems":      "NoMethodError (undefined method `x' for nil):\n/usr/local/bundle/gems/rack-2.2.8/lib/rack/builder.rb:12:in `call'",
	"ruby 3.4":       "app/controllers/orders_controller.rb:7:in 'OrdersController#create'",
	"go":             "panic: runtime error: index out of range\n\ngoroutine 18 [running]:\nmain.handler(...)\n\t/srv/app/main.go:12 +0x1d",
}

// Ordinary 4xx bodies, which must pass.
var benign = map[string]string{
	"validation":  `{"error":"email is required"}`,
	"errors list": `{"errors":[{"field":"age","message":"must be at least 18"}],"stack":""}`,
	"html 404":    "<!doctype html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The page at /x was not found.<br>Try the <a href=\"/\">home page</a>.</p></body></html>",
	"plain":       "Not Found",
	"express 404": "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot POST /api/contact</pre>\n</body>\n</html>\n",
	"times":       "Meetings at 10:30:00 are full.\n    at the earliest: 11:00",
	"stack word":  `{"error":"the stack field must be a string"}`,
	"warning":     "Warning: your password is weak",
	"java word":   "Error: java.lang.String expected, got a number",
	"dotnet word": "   at least one item in the list is required: line 1",
	"empty":       "",
}

func TestHasStackTrace(t *testing.T) {
	for name, body := range traces {
		if !hasStackTrace([]byte(body)) {
			t.Errorf("%s: trace not found in %q", name, body)
		}
	}
	for name, body := range benign {
		if hasStackTrace([]byte(body)) {
			t.Errorf("%s: trace found in benign %q", name, body)
		}
	}
}

// FuzzStackTrace checks the detector does not fail on any body, and that a
// trace stays found with text around it (an upstream cannot hide one
// behind a preamble).
func FuzzStackTrace(f *testing.F) {
	for _, s := range traces {
		f.Add([]byte(s))
	}
	for _, s := range benign {
		f.Add([]byte(s))
	}
	for _, s := range []string{`\`, `<`, `&`, `<br`, "\n    at ", "goroutine ", `"stack":"`, ".rb:1:in ", "&nbsp;", `\u0000`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		found := hasStackTrace(body)
		if traceIn(body) {
			wrapped := append(append([]byte("preamble\n"), body...), "\nafterword"...)
			if !traceIn(wrapped) {
				t.Fatalf("trace in %q lost once wrapped", body)
			}
		}
		if plain := unmarkup(body); plain != nil && !found && traceIn(plain) {
			t.Fatalf("trace in the plain text of %q not reported", body)
		}
		if !bytes.ContainsAny(body, `\<&`) && unmarkup(body) != nil {
			t.Fatalf("unmarkup rewrote %q, which has no markup", body)
		}
	})
}

package scan

import (
	"bytes"
	"net/url"
)

// tlsPortAnswers are the bodies with which common servers answer a
// plain-HTTP request sent to a TLS-only port.
var tlsPortAnswers = [][]byte{
	[]byte("Client sent an HTTP request to an HTTPS server"), // Go net/http
	[]byte("The plain HTTP request was sent to HTTPS port"),  // nginx
	[]byte("speaking plain HTTP to an SSL-enabled server"),   // Apache httpd
}

// plainHTTPHitTLSPort reports whether the plain-HTTP answer is a TLS-only
// listener refusing it: a 400 whose body says so.
func plainHTTPHitTLSPort(r *Response) bool {
	if r == nil || r.Status != 400 {
		return false
	}
	for _, b := range tlsPortAnswers {
		if bytes.Contains(r.Body, b) {
			return true
		}
	}
	return false
}

// addHints completes the redirection result with what the record shows
// beyond the Observatory's view: a redirect to another host that was not
// followed, a plain-HTTP request that reached a TLS-only port, and nothing
// answering over plain HTTP. The result and score do not change.
func addHints(site *Site, tests []TestResult) {
	for i := range tests {
		t := &tests[i]
		if t.Name != TestRedirection {
			continue
		}
		ch := site.HTTP
		if ch == nil || ch.Final() == nil {
			if site.HTTPS != nil && site.HTTPStart != "" {
				t.Description += "; nothing answered on http://" + hostPort(site) + "/: if the site has a plain-HTTP listener on another port, scan with --http-port to grade its redirect"
			}
			continue
		}
		if ch.StoppedAt != "" {
			if u, err := url.Parse(ch.StoppedAt); err == nil {
				t.Description += "; graded from the first redirect to another host (" + u.Host + "), which was not followed (--follow-off-host follows it)"
			}
		}
		if t.Result == "redirection-missing" && plainHTTPHitTLSPort(ch.Final()) {
			t.Description = "plain HTTP on " + hostPort(site) + " reached a TLS-only listener (it answered 400), so no redirect to HTTPS was seen"
			t.Fix = "if the site's plain-HTTP listener is on another port, scan with --http-port PORT (--https-port for the TLS one); otherwise " + t.Fix
		}
	}
}

// hostPort is the host and port plain HTTP was requested at.
func hostPort(site *Site) string {
	start := site.HTTPStart
	if site.HTTP != nil {
		start = site.HTTP.Start
	}
	if u, err := url.Parse(start); err == nil && u.Host != "" {
		return u.Host
	}
	return site.Host
}

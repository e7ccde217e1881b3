package scan

import (
	"net/http"
	"net/url"
)

// Response is one HTTP response as the scanner recorded it.
type Response struct {
	// URL is the URL that was requested.
	URL string `json:"url"`
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Header holds the response header fields as received.
	Header http.Header `json:"header"`
	// Body is the response body, at most Options.MaxBodyBytes long. It is
	// recorded for the last response of a chain only.
	Body []byte `json:"body,omitempty"`
	// Truncated reports that Body was cut at the size limit.
	Truncated bool `json:"truncated,omitempty"`
}

// Chain is the answer to one starting URL: every response on the way
// through redirects, the last one being the page.
type Chain struct {
	// Start is the first URL requested.
	Start string `json:"start"`
	// Hops lists the responses in order; it is never empty.
	Hops []*Response `json:"hops"`
	// Verified is false when the TLS certificate did not verify and the
	// chain was fetched again without verification, as the Observatory does.
	Verified bool `json:"verified"`
	// StoppedAt is set when a redirect to another host was not followed.
	StoppedAt string `json:"stopped_at,omitempty"`
}

// Final is the last response of the chain.
func (c *Chain) Final() *Response {
	if c == nil || len(c.Hops) == 0 {
		return nil
	}
	return c.Hops[len(c.Hops)-1]
}

// Site is everything a scan recorded about one site. The checks read only
// this, so every rule can be tested on a recorded or hand-written Site.
type Site struct {
	// Host is the host as given, with an optional port ("example.com",
	// "127.0.0.1:8443").
	Host string `json:"host"`
	// HTTP and HTTPS are the chains fetched from http://Host/ and
	// https://Host/; nil when nothing answered.
	HTTP  *Chain `json:"http,omitempty"`
	HTTPS *Chain `json:"https,omitempty"`
	// HTTPStart is the URL plain HTTP was requested at, kept when nothing
	// answered there.
	HTTPStart string `json:"http_start,omitempty"`
	// Extra are responses fetched after the page (robots.txt, the CORS
	// preflight) whose cookies the Observatory keeps when it had to give up
	// certificate verification.
	Extra []*Response `json:"extra,omitempty"`
	// Preflight is the answer to a CORS preflight from a foreign origin sent
	// to the page's URL; nil when the request failed.
	Preflight *Response `json:"preflight,omitempty"`
	// PreflightOrigin is the Origin the preflight carried.
	PreflightOrigin string `json:"preflight_origin,omitempty"`
	// Probes holds the answers to the active probes, when they were run.
	Probes *Probes `json:"probes,omitempty"`
	// Pages are the other pages of the origin fetched in site mode
	// (Options.Crawl), error probes first.
	Pages []*Page `json:"pages,omitempty"`
}

// Probes are the answers to the requests sent only with Options.Probe.
type Probes struct {
	// Origin is the attacker origin the probes claimed.
	Origin string `json:"origin"`
	// CORS answers a credentialed GET of the page from Origin.
	CORS *Response `json:"cors,omitempty"`
	// CSRF answers a cross-site form POST to Options.CSRFURL; nil when no
	// URL was given.
	CSRF *Response `json:"csrf,omitempty"`
}

// page is the chain the Observatory grades: HTTPS when it answered at all,
// else HTTP.
func (s *Site) page() *Chain {
	if s.HTTPS != nil && s.HTTPS.Final() != nil {
		return s.HTTPS
	}
	if s.HTTP != nil && s.HTTP.Final() != nil {
		return s.HTTP
	}
	return nil
}

func (c *Chain) startURL() *url.URL {
	if c == nil {
		return nil
	}
	u, err := url.Parse(c.Start)
	if err != nil {
		return nil
	}
	return u
}

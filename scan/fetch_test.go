package scan

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFetchChains(t *testing.T) {
	ca := newTestCA(t)
	host := serveDual(t, ca, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case r.URL.Path == "/away":
			http.Redirect(w, r, "https://elsewhere.invalid/", http.StatusFound)
		case r.URL.Path == "/big":
			_, _ = w.Write([]byte(strings.Repeat("x", 5000)))
		case r.URL.Path == "/slow":
			time.Sleep(300 * time.Millisecond)
		case r.TLS == nil:
			http.Redirect(w, r, "https://"+r.Host+"/", http.StatusMovedPermanently)
		default:
			http.SetCookie(w, &http.Cookie{Name: "seen", Value: "1"})
			_, _ = w.Write([]byte("ok"))
		}
	}))
	opts := Options{TLSConfig: ca.clientConfig()}
	opts.defaults()
	f := newFetcher(host, opts)
	defer f.close()
	ctx := context.Background()

	c, err := f.chain(ctx, "http://"+host+"/")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Hops) != 2 || c.Hops[0].Status != 301 || c.Final().URL != "https://"+host+"/" || !c.Verified {
		t.Errorf("http chain: %d hops, final %s, verified %v", len(c.Hops), c.Final().URL, c.Verified)
	}
	if c.Hops[0].Body != nil || string(c.Final().Body) != "ok" {
		t.Errorf("bodies: hop %q, final %q", c.Hops[0].Body, c.Final().Body)
	}

	c, err = f.chain(ctx, "https://"+host+"/loop")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Hops) != DefaultMaxRedirects+1 || c.Final().Status != http.StatusFound {
		t.Errorf("redirect loop: %d hops ending in %d, want %d ending in 302", len(c.Hops), c.Final().Status, DefaultMaxRedirects+1)
	}

	c, err = f.chain(ctx, "https://"+host+"/away")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Hops) != 1 || c.StoppedAt != "https://elsewhere.invalid/" {
		t.Errorf("off-host redirect: %d hops, stopped at %q", len(c.Hops), c.StoppedAt)
	}

	small := opts
	small.MaxBodyBytes = 1000
	fs := newFetcher(host, small)
	defer fs.close()
	c, err = fs.chain(ctx, "https://"+host+"/big")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Final().Body) != 1000 || !c.Final().Truncated {
		t.Errorf("body limit: %d bytes, truncated %v", len(c.Final().Body), c.Final().Truncated)
	}

	quick := opts
	quick.Timeout = 50 * time.Millisecond
	fq := newFetcher(host, quick)
	defer fq.close()
	if _, err := fq.chain(ctx, "https://"+host+"/slow"); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: got %v", err)
	}
}

func TestFetchUntrustedCertificateFallsBack(t *testing.T) {
	ca := newTestCA(t)
	host := serveDual(t, ca, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		_, _ = w.Write([]byte("ok"))
	}))
	// No RootCAs: the test CA is unknown, as a self-signed site's would be.
	site, err := Fetch(context.Background(), host, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if site.HTTPS == nil || site.HTTPS.Verified {
		t.Fatalf("HTTPS chain %+v, want an unverified one", site.HTTPS)
	}
	rep, err := Grade(site, GradeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := rep.Test(TestHSTS); got.Result != "hsts-invalid-cert" {
		t.Errorf("HSTS: got %s, want hsts-invalid-cert", got.Result)
	}
}

func TestFetchProbes(t *testing.T) {
	ca := newTestCA(t)
	var posted http.Header
	host := serveDual(t, ca, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodPost {
			posted = r.Header.Clone()
		}
		_, _ = w.Write([]byte("ok"))
	}))
	opts := Options{TLSConfig: ca.clientConfig()}
	site, err := Fetch(context.Background(), host, opts)
	if err != nil {
		t.Fatal(err)
	}
	if site.Probes != nil || posted != nil {
		t.Fatal("probes sent without Options.Probe")
	}
	opts.Probe, opts.CSRFURL = true, "https://"+host+"/transfer"
	rep, _, err := Scan(context.Background(), host, opts, GradeOptions{Model: ModelHarden})
	if err != nil {
		t.Fatal(err)
	}
	if posted.Get("Sec-Fetch-Site") != "cross-site" || posted.Get("Origin") != DefaultProbeOrigin {
		t.Errorf("CSRF probe headers: %v", posted)
	}
	for name, want := range map[string]string{
		TestCORSProbe: "cors-probe-reflects-origin-with-credentials",
		TestCSRFProbe: "csrf-probe-accepted",
		TestCORS:      "cross-origin-resource-sharing-implemented-with-universal-access",
	} {
		if got, _ := rep.Test(name); got.Result != want {
			t.Errorf("%s: got %s, want %s", name, got.Result, want)
		}
	}
	opts.CSRFURL = "https://elsewhere.invalid/x"
	if _, err := Fetch(context.Background(), host, opts); err == nil {
		t.Error("a CSRF probe URL on another host was accepted")
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]string{
		"example.com": "example.com", "https://example.com/": "example.com", "http://127.0.0.1:8080": "127.0.0.1:8080",
		"[::1]:8443": "[::1]:8443", "ftp://example.com": "", "example.com/path": "", "": "", "user@example.com": "",
	} {
		got, err := ParseTarget(in)
		if (err != nil) != (want == "") || got != want {
			t.Errorf("ParseTarget(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func ExampleGrade() {
	page := &Response{
		URL:    "https://example.com/",
		Status: 200,
		Header: http.Header{
			"Content-Type":              {"text/html"},
			"Content-Security-Policy":   {"default-src 'none'; frame-ancestors 'none'"},
			"Strict-Transport-Security": {"max-age=31536000"},
			"X-Content-Type-Options":    {"nosniff"},
		},
	}
	site := &Site{
		Host: "example.com",
		HTTP: &Chain{Start: "http://example.com/", Verified: true, Hops: []*Response{
			{URL: "http://example.com/", Status: 301, Header: http.Header{"Location": {"https://example.com/"}}}, page,
		}},
		HTTPS: &Chain{Start: "https://example.com/", Verified: true, Hops: []*Response{page}},
	}
	rep, _ := Grade(site, GradeOptions{})
	fmt.Println(rep.Grade, rep.Score)
	for _, t := range rep.Tests {
		if !t.Pass || t.ScoreModifier < 0 {
			fmt.Println(t.Name, t.Result)
		}
	}
	// Output:
	// A+ 115
}
